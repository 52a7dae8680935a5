"""op_brightness, op_contrast, op_colorbalance, op_colorize, op_hue, op_saturation, op_invert."""

from __future__ import annotations

import colorsys

import numpy as np
import pytest
from filter_kit import MODES, alpha, pixels, run, sample
from PIL import Image

IDENTITIES = (
    "op_brightness=0",
    "op_contrast=0",
    "op_colorbalance=0,0,0",
    "op_hue=0",
    "op_saturation=0",
    "op_invert=0",
)
EFFECTIVE = (
    "op_brightness=30",
    "op_contrast=-40",
    "op_colorbalance=10,-20,30",
    "op_colorize=a0b0c0",
    "op_hue=90",
    "op_saturation=50",
    "op_invert=1",
)


@pytest.mark.parametrize("modifier", IDENTITIES)
@pytest.mark.parametrize("mode", MODES)
def test_zero_amounts_change_nothing(mode: str, modifier: str) -> None:
    image = sample(mode)
    result = run(image, modifier)
    assert result.mode == mode
    assert result.tobytes() == image.tobytes()


@pytest.mark.parametrize("modifier", EFFECTIVE)
@pytest.mark.parametrize("mode", MODES)
def test_alpha_is_untouched_and_the_family_kept(mode: str, modifier: str) -> None:
    image = sample(mode)
    result = run(image, modifier)
    colour_introduced = modifier.startswith(("op_colorize", "op_colorbalance"))
    expected = {"L": "RGB", "LA": "RGBA"}.get(mode, mode) if colour_introduced else mode
    assert result.mode == expected
    if "A" in mode:
        assert np.array_equal(alpha(result), alpha(image))


@pytest.mark.parametrize("amount", [-100, -35, 1, 42, 100])
@pytest.mark.parametrize("mode", ["L", "RGBA"])
def test_brightness_shifts_by_percent_of_full_scale(mode: str, amount: int) -> None:
    image = sample(mode)
    source = pixels(image)
    result = pixels(run(image, f"op_brightness={amount}"))
    colour = slice(0, 3) if mode == "RGBA" else slice(0, 1)
    expected = np.clip(np.rint(source[..., colour] + amount * 255 / 100), 0, 255)
    assert np.abs(result[..., colour] - expected).max() <= 1


def _contrast_reference(values: np.ndarray, amount: int) -> np.ndarray:
    a = amount / 100
    if a == 1:
        return np.where(values > 127.5, 255, 0)
    slope = 1 + a if a <= 0 else 1 / (1 - a)
    return np.clip(np.rint(127.5 + slope * (values - 127.5)), 0, 255)


@pytest.mark.parametrize("amount", [-100, -50, 25, 80, 100])
def test_contrast_pushes_values_away_from_half(amount: int) -> None:
    image = sample("RGB")
    result = pixels(run(image, f"op_contrast={amount}"))
    assert np.abs(result - _contrast_reference(pixels(image), amount)).max() <= 1


def test_contrast_extremes() -> None:
    ramp = Image.fromarray(np.arange(256, dtype=np.uint8).reshape(16, 16))
    flat = pixels(run(ramp, "op_contrast=-100"))
    assert set(np.unique(flat)) <= {127, 128}
    threshold = pixels(run(ramp, "op_contrast=100"))[..., 0].ravel()
    assert (threshold[:128] == 0).all() and (threshold[128:] == 255).all()
    stronger = [np.std(pixels(run(ramp, f"op_contrast={a}"))) for a in (-60, 0, 30, 60)]
    assert stronger == sorted(stronger)


def test_colorbalance_shifts_each_channel() -> None:
    image = sample("RGBA")
    result = pixels(run(image, "op_colorbalance=20,-40,100"))
    source = pixels(image)
    for channel, amount in enumerate((20, -40, 100)):
        expected = np.clip(np.rint(source[..., channel] + amount * 2.55), 0, 255)
        assert np.abs(result[..., channel] - expected).max() <= 1


def test_colorbalance_turns_gray_into_rgb_only_when_it_adds_colour() -> None:
    gray = sample("L")
    tinted = run(gray, "op_colorbalance=50,0,0")
    assert tinted.mode == "RGB"
    source = pixels(gray)[..., 0]
    assert np.abs(pixels(tinted)[..., 0] - np.clip(source + 127.5, 0, 255)).max() <= 1
    assert np.array_equal(pixels(tinted)[..., 1], source)
    even = run(gray, "op_colorbalance=10,10,10")
    assert even.mode == "L"
    assert even.tobytes() == run(gray, "op_brightness=10").tobytes()


@pytest.mark.parametrize("mode", MODES)
def test_invert(mode: str) -> None:
    image = sample(mode)
    result = pixels(run(image, "op_invert=1"))
    colour = slice(0, len(mode) - ("A" in mode))
    assert np.array_equal(result[..., colour], 255 - pixels(image)[..., colour])


def test_hue_matches_colorsys() -> None:
    image = sample("RGB", (16, 16))
    source = pixels(image)
    for degrees in (-180, -75, 33, 120, 180):
        result = pixels(run(image, f"op_hue={degrees}"))
        expected = np.empty_like(source)
        for (y, x), _ in np.ndenumerate(source[..., 0]):
            h, s, v = colorsys.rgb_to_hsv(*(source[y, x] / 255))
            rgb = colorsys.hsv_to_rgb((h + degrees / 360) % 1, s, v)
            expected[y, x] = np.rint(np.array(rgb) * 255)
        assert np.abs(result - expected).max() <= 1, degrees


def test_hue_rotates_primaries_and_keeps_gray() -> None:
    image = Image.fromarray(np.array([[[255, 0, 0], [0, 0, 255], [90, 90, 90]]], dtype=np.uint8))
    result = pixels(run(image, "op_hue=120"))[0].tolist()
    assert result == [[0, 255, 0], [255, 0, 0], [90, 90, 90]]


def _luma(source: np.ndarray) -> np.ndarray:
    """Rec. 601 luma with Pillow's fixed-point rounding (``convert("L")``)."""
    r, g, b = source[..., 0], source[..., 1], source[..., 2]
    return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16


@pytest.mark.parametrize("amount", [-100, -60, 40, 100])
def test_saturation_scales_chroma_around_luma(amount: int) -> None:
    image = sample("RGBA")
    source = pixels(image)
    luma = _luma(source)[..., None]
    expected = np.clip(luma + (1 + amount / 100) * (source[..., :3] - luma), 0, 255)
    result = pixels(run(image, f"op_saturation={amount}"))
    assert np.abs(result[..., :3] - expected).max() <= 1


def test_saturation_minus_100_is_gray_and_plus_increases_chroma() -> None:
    image = sample("RGB")
    gray = pixels(run(image, "op_saturation=-100"))
    assert (gray[..., 0] == gray[..., 1]).all() and (gray[..., 1] == gray[..., 2]).all()

    def chroma(img: Image.Image) -> float:
        values = pixels(img)
        return float((values.max(axis=2) - values.min(axis=2)).mean())

    levels = [chroma(run(image, f"op_saturation={a}")) for a in (-100, -50, 0, 50, 100)]
    assert levels == sorted(levels) and levels[0] == 0


@pytest.mark.parametrize("modifier", ["op_hue=90", "op_saturation=80"])
def test_hue_and_saturation_leave_gray_images_alone(modifier: str) -> None:
    image = sample("LA")
    assert run(image, modifier).tobytes() == image.tobytes()


def _colorize_reference(levels: np.ndarray, color: tuple[int, int, int]) -> np.ndarray:
    c = np.array(color) / 255
    y = levels[..., None]
    return np.rint(255 * np.where(y <= 0.5, 2 * y * c, c + (1 - c) * (2 * y - 1)))


def test_colorize_off_maps_black_colour_white() -> None:
    ramp = Image.fromarray(np.arange(256, dtype=np.uint8).reshape(16, 16))
    result = run(ramp, "op_colorize=204,102,51,off")
    assert result.mode == "RGB"
    expected = _colorize_reference(np.arange(256).reshape(16, 16) / 255, (204, 102, 51))
    assert np.abs(pixels(result) - expected).max() <= 1
    assert pixels(result)[0, 0].tolist() == [0, 0, 0]
    assert pixels(result)[15, 15].tolist() == [255, 255, 255]


def test_colorize_uses_luminance_only() -> None:
    image = sample("RGB")
    via_gray = run(image.convert("L"), "op_colorize=ff8000,off")
    assert run(image, "op_colorize=ff8000,off").tobytes() == via_gray.tobytes()
    luma = _luma(pixels(image))
    expected = _colorize_reference(luma / 255, (255, 128, 0))
    assert np.abs(pixels(via_gray) - expected).max() <= 1


def test_colorize_norm_puts_the_visible_median_at_the_colour() -> None:
    # Visible pixels at levels 40, 60, 90 (median 60); transparent ones are white and ignored.
    values = np.array([[40, 60, 90, 255, 255, 255, 255]], dtype=np.uint8)
    opacity = np.array([[255, 255, 255, 0, 0, 0, 0]], dtype=np.uint8)
    image = Image.fromarray(np.dstack([values, opacity]))
    result = run(image, "op_colorize=3366cc")
    assert result.mode == "RGBA"
    assert np.array_equal(alpha(result), opacity)
    gamma = np.log(0.5) / np.log(60 / 255)
    expected = _colorize_reference((values[0, :3] / 255) ** gamma, (0x33, 0x66, 0xCC))
    assert np.abs(pixels(result)[0, :3, :3] - expected).max() <= 1
    assert pixels(result)[0, 1, :3].tolist() == [0x33, 0x66, 0xCC]


def test_colorize_contrast_sets_the_spread_and_is_ignored_when_off() -> None:
    image = sample("RGB", (32, 32))

    def spread(modifier: str) -> float:
        return float(np.std(pixels(run(image, modifier).convert("L"))))

    spreads = [spread(f"op_colorize=808080,norm,{c}") for c in (10, 40, 70, 100)]
    assert spreads == sorted(spreads) and spreads[0] < spreads[-1]
    # A mid-gray colour maps luminance onto itself: the RMS deviation from 50 % is c % of 0.5.
    for contrast in (20, 40):
        levels = pixels(run(image, f"op_colorize=808080,norm,{contrast}").convert("L")) / 255
        rms = np.sqrt(np.mean((levels - 0.5) ** 2))
        assert rms == pytest.approx(contrast / 200, abs=0.005)
    off = run(image, "op_colorize=808080,off,80").tobytes()
    assert off == run(image, "op_colorize=808080,off").tobytes()


def test_curves_apply_in_order_as_if_run_one_by_one() -> None:
    image = sample("RGBA")
    commands = ["op_brightness=20", "op_contrast=35", "op_colorbalance=-10,5,40", "op_invert=1"]
    sequential = image
    for modifier in commands:
        sequential = run(sequential, modifier)
    # Fused into one lookup; the request order does not matter.
    assert run(image, "&".join(reversed(commands))).tobytes() == sequential.tobytes()


def test_full_order_brightness_contrast_colorize_hue_saturation_balance_invert() -> None:
    image = sample("RGB")
    order = [
        "op_brightness=-15",
        "op_contrast=22",
        "op_colorize=a0b0c0,norm,40",
        "op_hue=45",
        "op_saturation=60",
        "op_colorbalance=5,0,-5",
        "op_invert=1",
    ]
    sequential = image
    for modifier in order:
        sequential = run(sequential, modifier)
    shuffled = [order[i] for i in (6, 2, 4, 0, 5, 3, 1)]
    assert run(image, "&".join(shuffled)).tobytes() == sequential.tobytes()
