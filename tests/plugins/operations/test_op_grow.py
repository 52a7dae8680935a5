"""op_grow: square dilation (> 0) or erosion (< 0) of the colour channels."""

from __future__ import annotations

import numpy as np
import pytest
from filter_kit import MODES, alpha, pixels, run, sample
from PIL import Image, ImageFilter


def _dot(size: int = 15) -> Image.Image:
    image = Image.new("L", (size, size), 0)
    image.putpixel((size // 2, size // 2), 255)
    return image


@pytest.mark.parametrize("radius", [1, 3, 5])
def test_dilation_turns_a_bright_pixel_into_a_square(radius: int) -> None:
    result = pixels(run(_dot(), f"op_grow={radius}"))[..., 0]
    expected = np.zeros((15, 15), dtype=np.int32)
    expected[7 - radius : 8 + radius, 7 - radius : 8 + radius] = 255
    assert np.array_equal(result, expected)


def test_erosion_removes_a_bright_pixel_and_shrinks_a_square() -> None:
    assert not pixels(run(_dot(), "op_grow=-1")).any()
    square = np.zeros((15, 15), dtype=np.uint8)
    square[3:12, 3:12] = 255
    result = pixels(run(Image.fromarray(square), "op_grow=-2"))[..., 0]
    expected = np.zeros((15, 15), dtype=np.int32)
    expected[5:10, 5:10] = 255
    assert np.array_equal(result, expected)


@pytest.mark.parametrize("amount", [-2, -1, 1, 2, 4])
def test_matches_pillow_rank_filters(amount: int) -> None:
    image = sample("RGB", (31, 23))
    size = 2 * abs(amount) + 1
    rank = ImageFilter.MaxFilter(size) if amount > 0 else ImageFilter.MinFilter(size)
    assert run(image, f"op_grow={amount}").tobytes() == image.filter(rank).tobytes()


def test_radius_larger_than_the_image() -> None:
    image = sample("RGB", (5, 4))
    result = pixels(run(image, "op_grow=100"))
    assert np.array_equal(result, np.broadcast_to(pixels(image).max(axis=(0, 1)), result.shape))
    eroded = pixels(run(image, "op_grow=-100"))
    assert np.array_equal(eroded, np.broadcast_to(pixels(image).min(axis=(0, 1)), result.shape))


@pytest.mark.parametrize("mode", MODES)
def test_mode_kept_and_alpha_untouched(mode: str) -> None:
    image = sample(mode)
    result = run(image, "op_grow=2")
    assert result.mode == mode
    colour = len(mode) - ("A" in mode)
    assert (pixels(result)[..., :colour] >= pixels(image)[..., :colour]).all()
    if "A" in mode:
        assert np.array_equal(alpha(result), alpha(image))


def test_amount_zero_changes_nothing() -> None:
    image = sample("LA")
    assert run(image, "op_grow=0").tobytes() == image.tobytes()


def test_radius_is_in_composite_pixels() -> None:
    image = sample("RGB", (31, 23))
    assert run(image, "op_grow=4", scale=0.5).tobytes() == run(image, "op_grow=2").tobytes()
    half_up = run(image, "op_grow=-5", scale=0.5)  # 2.5 pixels round up to 3
    assert half_up.tobytes() == run(image, "op_grow=-3").tobytes()
    assert run(image, "op_grow=1", scale=0.25).tobytes() == image.tobytes()
    layer = run(image, "scale=0.5&op_grow=3", scale=0.5)
    assert layer.tobytes() == run(image, "op_grow=3").tobytes()
