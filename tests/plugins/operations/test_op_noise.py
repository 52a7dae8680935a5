"""op_noise: deterministic uniform or Gaussian noise on the colour channels."""

from __future__ import annotations

import numpy as np
import pytest
from filter_kit import MODES, alpha, pixels, run, sample
from PIL import Image


def _flat(mode: str, size: tuple[int, int] = (128, 128)) -> Image.Image:
    colour = {"L": 128, "LA": (128, 200), "RGB": (128, 128, 128), "RGBA": (128, 128, 128, 200)}
    return Image.new(mode, size, colour[mode])


def test_same_seed_same_bytes_other_seed_other_bytes() -> None:
    image = sample("RGB", (64, 48))
    first = run(image, "op_noise=20,gaussian", seed=11).tobytes()
    assert run(image, "op_noise=20,gaussian", seed=11).tobytes() == first
    assert run(image, "op_noise=20,gaussian", seed=12).tobytes() != first
    assert run(image, "op_noise=20,gaussian", seed=-3).tobytes() != first


def test_uniform_statistics() -> None:
    result = pixels(run(_flat("RGB"), "op_noise=10")) - 128
    amplitude = 25.5
    assert np.abs(result).max() <= np.ceil(amplitude)
    assert result.mean() == pytest.approx(0, abs=0.3)
    assert result.std() == pytest.approx(amplitude / np.sqrt(3), rel=0.03)
    assert len(np.unique(result)) > 40  # spread over the whole range, not a few levels


def test_gaussian_statistics() -> None:
    result = pixels(run(_flat("L"), "op_noise=20,gaussian")) - 128
    sigma = 51 / 2
    assert result.mean() == pytest.approx(0, abs=0.5)
    assert result.std() == pytest.approx(sigma, rel=0.03)
    assert np.abs(result).max() > 2 * sigma  # tails beyond the uniform's range exist


def test_colour_noise_differs_per_channel_monochrome_does_not() -> None:
    colour = pixels(run(_flat("RGB"), "op_noise=30,uniform,0"))
    assert (colour[..., 0] != colour[..., 1]).mean() > 0.9
    mono = pixels(run(_flat("RGB"), "op_noise=30,uniform,1"))
    assert (mono[..., 0] == mono[..., 1]).all() and (mono[..., 1] == mono[..., 2]).all()
    assert mono.std() > 10


def test_monochrome_is_ignored_for_gray() -> None:
    image = sample("L", (32, 32))
    assert (
        run(image, "op_noise=30,gaussian,1").tobytes()
        == run(image, "op_noise=30,gaussian").tobytes()
    )


def test_noise_is_added_and_clipped() -> None:
    image = sample("RGB", (64, 64))
    result = pixels(run(image, "op_noise=5"))
    difference = result - pixels(image)
    assert np.abs(difference).max() <= 13
    assert result.min() >= 0 and result.max() <= 255


@pytest.mark.parametrize("mode", MODES)
def test_mode_kept_and_alpha_untouched(mode: str) -> None:
    image = _flat(mode, (32, 32))
    result = run(image, "op_noise=50")
    assert result.mode == mode
    assert pixels(result)[..., 0].std() > 10
    if "A" in mode:
        assert np.array_equal(alpha(result), alpha(image))


def test_amount_zero_changes_nothing() -> None:
    image = sample("RGBA")
    assert run(image, "op_noise=0,gaussian,1").tobytes() == image.tobytes()
