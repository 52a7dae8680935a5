"""op_blur: Gaussian blur with radius = standard deviation, colour only."""

from __future__ import annotations

import numpy as np
import pytest
from filter_kit import MODES, alpha, pixels, run, sample
from PIL import Image


def _gaussian(values: np.ndarray, sigma: float) -> np.ndarray:
    """A true separable Gaussian (edges extended), independent of Pillow."""
    reach = int(np.ceil(4 * sigma))
    taps = np.exp(-(np.arange(-reach, reach + 1) ** 2) / (2 * sigma**2))
    taps /= taps.sum()
    padded = np.pad(values.astype(np.float64), reach, mode="edge")
    rows = np.apply_along_axis(np.convolve, 0, padded, taps, "valid")
    return np.apply_along_axis(np.convolve, 1, rows, taps, "valid")


def _smooth(size: tuple[int, int] = (96, 64)) -> Image.Image:
    y, x = np.mgrid[0 : size[1], 0 : size[0]]
    return Image.fromarray(np.rint(127.5 + 100 * np.sin(x / 7) * np.cos(y / 9)).astype(np.uint8))


@pytest.mark.parametrize("radius", [2.5, 4])
def test_matches_a_true_gaussian_inside_the_image(radius: float) -> None:
    image = _smooth()
    result = pixels(run(image, f"op_blur={radius}"))[..., 0]
    margin = int(3 * radius) + 2
    expected = _gaussian(np.asarray(image), radius)
    inner = (slice(margin, -margin), slice(margin, -margin))
    # Pillow approximates the Gaussian with three box passes: within about one level.
    assert np.abs(result[inner] - expected[inner]).max() <= 1.5


@pytest.mark.parametrize("radius", [1, 3, 7.5])
def test_radius_is_the_standard_deviation(radius: float) -> None:
    line = np.zeros((9, 121), dtype=np.uint8)
    line[:, 60] = 255
    profile = pixels(run(Image.fromarray(line), f"op_blur={radius}"))[4, :, 0].astype(float)
    offsets = np.arange(121) - 60
    variance = (profile * offsets**2).sum() / profile.sum()
    assert variance == pytest.approx(radius**2, rel=0.05)


@pytest.mark.parametrize("mode", MODES)
def test_mode_kept_and_alpha_untouched(mode: str) -> None:
    image = sample(mode)
    result = run(image, "op_blur=2")
    assert result.mode == mode
    assert not np.array_equal(pixels(result), pixels(image))
    if "A" in mode:
        assert np.array_equal(alpha(result), alpha(image))


@pytest.mark.parametrize("mode", MODES)
def test_radius_zero_changes_nothing(mode: str) -> None:
    image = sample(mode)
    assert run(image, "op_blur=0").tobytes() == image.tobytes()


def test_opaque_colour_blurs_like_rgb() -> None:
    image = sample("RGBA")
    image.putalpha(255)
    rgb = run(image.convert("RGB"), "op_blur=3")
    assert np.abs(pixels(run(image, "op_blur=3"))[..., :3] - pixels(rgb)).max() <= 1


def test_transparent_colour_does_not_bleed_into_visible_pixels() -> None:
    values = np.zeros((20, 40, 4), dtype=np.uint8)
    values[:, :20] = (200, 100, 50, 255)  # opaque orange next to transparent black
    result = pixels(run(Image.fromarray(values), "op_blur=4"))
    assert np.abs(result[:, :20, :3] - np.array([200, 100, 50])).max() <= 2
    assert (result[..., 3] == values[..., 3]).all()


def test_radius_follows_a_reduced_decode() -> None:
    # Decoded at half size (JPEG draft): two composite pixels are one pixel here.
    image = sample("RGB", (40, 30))
    assert run(image, "op_blur=3", scale=0.5).tobytes() == run(image, "op_blur=1.5").tobytes()
    assert run(image, "op_blur=3", scale=0.5).tobytes() != run(image, "op_blur=3").tobytes()


def test_radius_ignores_deliberate_layer_scaling() -> None:
    # scale=0.5 makes the composite itself half size: its pixels are the image's pixels.
    image = sample("RGB", (40, 30))
    halved = run(image, "scale=0.5&op_blur=3", scale=0.5)
    assert halved.tobytes() == run(image, "op_blur=3").tobytes()
    quarter = run(image, "size=20,15&op_blur=3", scale=0.25)
    assert quarter.tobytes() == run(image, "op_blur=1.5").tobytes()
