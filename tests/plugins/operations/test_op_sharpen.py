"""op_sharpen, op_usm (scaled to full resolution) and op_usmR (as given)."""

from __future__ import annotations

import numpy as np
import pytest
from filter_kit import MODES, alpha, pixels, run, sample
from PIL import Image, ImageFilter

SHARPEN = np.array([[-2, -2, -2], [-2, 32, -2], [-2, -2, -2]]) / 16


def _usm_reference(values: np.ndarray, radius: float, amount: float, threshold: int) -> np.ndarray:
    """Unsharp mask computed here; only the Gaussian blur comes from Pillow."""
    image = Image.fromarray(values.astype(np.uint8))
    blurred = np.asarray(image.filter(ImageFilter.GaussianBlur(radius)), dtype=np.int32)
    difference = values - blurred
    sharpened = np.clip(values + np.trunc(difference * round(amount * 100) / 100), 0, 255)
    return np.where(np.abs(difference) > threshold, sharpened, values)


def test_sharpen_is_the_3x3_kernel() -> None:
    image = sample("L", (20, 14))
    source = pixels(image)[..., 0]
    result = pixels(run(image, "op_sharpen=1"))[..., 0]
    expected = np.zeros_like(source, dtype=np.float64)
    for dy in range(3):
        for dx in range(3):
            expected[1:-1, 1:-1] += SHARPEN[dy, dx] * source[dy : dy + 12, dx : dx + 18]
    expected = np.clip(np.rint(expected), 0, 255)
    assert np.abs(result[1:-1, 1:-1] - expected[1:-1, 1:-1]).max() <= 1


@pytest.mark.parametrize(
    ("value", "radius", "amount", "threshold"),
    [("1.5,2", 2, 1.5, 0), ("0.8,1.2,12", 1.2, 0.8, 12), ("5,0.7,0", 0.7, 5, 0)],
)
def test_usmr_matches_the_unsharp_mask_formula(
    value: str, radius: float, amount: float, threshold: int
) -> None:
    image = sample("L", (40, 30))
    result = pixels(run(image, f"op_usmR={value}"))[..., 0]
    expected = _usm_reference(pixels(image)[..., 0], radius, amount, threshold)
    assert np.abs(result - expected).max() <= 1


def test_threshold_keeps_small_differences() -> None:
    image = sample("RGB", (40, 30))
    result = pixels(run(image, "op_usmR=2,1.5,255"))
    assert np.array_equal(result, pixels(image))


@pytest.mark.parametrize("scale", [0.5, 0.25])
def test_usm_radius_refers_to_full_resolution(scale: float) -> None:
    image = sample("RGB", (40, 30))
    scaled = run(image, "op_usm=1.2,2,3", scale=scale)
    assert scaled.tobytes() == run(image, f"op_usmR=1.2,{2 * scale},3").tobytes()
    assert scaled.tobytes() != run(image, "op_usmR=1.2,2,3").tobytes()


def test_usmr_ignores_the_scale() -> None:
    image = sample("RGB")
    assert run(image, "op_usmR=1,2", scale=0.5).tobytes() == run(image, "op_usmR=1,2").tobytes()


def test_monochrome_sharpens_luminance_only() -> None:
    image = Image.fromarray(
        np.clip(pixels(sample("RGB", (40, 30))) // 2 + 64, 0, 255).astype("uint8")
    )
    source = pixels(image)
    result = pixels(run(image, "op_usmR=1,1.5,0,1"))
    unclipped = ((result > 0) & (result < 255)).all(axis=2)
    # The same delta goes to every channel, so the chroma differences stay.
    delta = result - source
    assert (delta[..., 0] == delta[..., 1])[unclipped].all()
    assert (delta[..., 1] == delta[..., 2])[unclipped].all()
    luma = pixels(image.convert("L"))[..., 0]
    expected = _usm_reference(luma, 1.5, 1, 0) - luma
    assert np.abs(delta[..., 0] - expected)[unclipped].max() == 0
    assert np.abs(delta).max() > 5


def test_monochrome_is_ignored_for_gray() -> None:
    image = sample("LA")
    assert run(image, "op_usmR=1,1,0,1").tobytes() == run(image, "op_usmR=1,1").tobytes()


@pytest.mark.parametrize("modifier", ["op_sharpen=0", "op_usm=0,3", "op_usm=2", "op_usmR=2,0,0,1"])
def test_no_effect_without_amount_or_radius(modifier: str) -> None:
    image = sample("RGBA")
    assert run(image, modifier).tobytes() == image.tobytes()


@pytest.mark.parametrize("modifier", ["op_sharpen=1", "op_usm=1,2", "op_usmR=1,2,0,1"])
@pytest.mark.parametrize("mode", MODES)
def test_mode_kept_and_alpha_untouched(mode: str, modifier: str) -> None:
    image = sample(mode)
    result = run(image, modifier)
    assert result.mode == mode
    assert result.tobytes() != image.tobytes()
    if "A" in mode:
        assert np.array_equal(alpha(result), alpha(image))


def test_sharpen_then_usm_then_usmr() -> None:
    image = sample("RGB")
    sequential = run(run(run(image, "op_sharpen=1"), "op_usm=1,1"), "op_usmR=0.5,2")
    combined = run(image, "op_usmR=0.5,2&op_usm=1,1&op_sharpen=1")
    assert combined.tobytes() == sequential.tobytes()
