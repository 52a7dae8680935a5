"""SSIM and PSNR with numpy, for the quality guard of the fast paths."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

_WINDOW = 7
_C1 = (0.01 * 255) ** 2
_C2 = (0.03 * 255) ** 2


def luma(data: bytes) -> np.ndarray:
    """Decode an encoded image to float64 luminance."""
    image = Image.open(io.BytesIO(data))
    if image.mode in ("RGBA", "LA", "P", "PA"):
        image = image.convert("RGBA").convert("RGB")
    return np.asarray(image.convert("L"), dtype=np.float64)


def smoothed(x: np.ndarray) -> np.ndarray:
    """3×3 box mean: dithered palettes put their noise elsewhere for any change of input, so
    they are compared after this much low-pass."""
    table = np.pad(x, ((1, 0), (1, 0))).cumsum(0).cumsum(1)
    return (table[3:, 3:] - table[:-3, 3:] - table[3:, :-3] + table[:-3, :-3]) / 9


def _box_mean(x: np.ndarray) -> np.ndarray:
    """Mean over every 7×7 window (valid positions), via a summed-area table."""
    table = np.pad(x, ((1, 0), (1, 0))).cumsum(0).cumsum(1)
    w = _WINDOW
    sums = table[w:, w:] - table[:-w, w:] - table[w:, :-w] + table[:-w, :-w]
    return sums / (w * w)


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean structural similarity of two equal-size gray images (7×7 uniform window)."""
    if a.shape != b.shape:
        raise ValueError(f"SSIM needs equal sizes, got {a.shape} and {b.shape}")
    mu_a, mu_b = _box_mean(a), _box_mean(b)
    var_a = _box_mean(a * a) - mu_a**2
    var_b = _box_mean(b * b) - mu_b**2
    cov = _box_mean(a * b) - mu_a * mu_b
    index = ((2 * mu_a * mu_b + _C1) * (2 * cov + _C2)) / (
        (mu_a**2 + mu_b**2 + _C1) * (var_a + var_b + _C2)
    )
    return float(index.mean())


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a - b) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255**2 / mse)
