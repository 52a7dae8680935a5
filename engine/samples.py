"""Deterministic photo-like sample images for the demo: gradients, soft light, shapes, grain.

Real photographs are not shipped; these images exercise the same code paths (smooth areas,
edges, noise that JPEG cannot compress away) and are the same for a given seed everywhere.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def photo(width: int, height: int, *, seed: int = 0) -> Image.Image:
    """An RGB image of ``width`` × ``height`` pixels; ``seed`` picks the scene."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    x /= max(width - 1, 1)
    y /= max(height - 1, 1)
    top, bottom = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
    pixels = top * (1 - y[..., None]) + bottom * y[..., None]  # a sky-like vertical gradient
    for _ in range(4):  # soft pools of light
        cx, cy, radius = rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0.1, 0.4)
        glow = np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * radius**2))
        pixels += glow[..., None] * rng.uniform(-90, 90, 3)
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    _shapes(image, rng)
    image = image.filter(ImageFilter.GaussianBlur(radius=max(width, height) / 800))
    grain = rng.normal(0, 6, (height, width, 1)).astype(np.float32)
    noisy = np.asarray(image, dtype=np.float32) + grain
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8), "RGB")


def photo_bytes(width: int, height: int, *, seed: int = 0, fmt: str = "JPEG") -> bytes:
    """:func:`photo` encoded as ``fmt`` (a Pillow format name)."""
    buffer = io.BytesIO()
    options = {"quality": 90} if fmt.upper() == "JPEG" else {}
    photo(width, height, seed=seed).save(buffer, fmt, **options)
    return buffer.getvalue()


def _shapes(image: Image.Image, rng: np.random.Generator) -> None:
    draw = ImageDraw.Draw(image, "RGBA")
    width, height = image.size
    for _ in range(12):
        colour = (*(int(c) for c in rng.integers(0, 256, 3)), int(rng.integers(90, 230)))
        x0, y0 = rng.uniform(-0.1, 1.0) * width, rng.uniform(-0.1, 1.0) * height
        x1 = x0 + rng.uniform(0.05, 0.4) * width
        y1 = y0 + rng.uniform(0.05, 0.4) * height
        kind = rng.integers(0, 3)
        if kind == 0:
            draw.ellipse((x0, y0, x1, y1), fill=colour)
        elif kind == 1:
            draw.rectangle((x0, y0, x1, y1), fill=colour)
        else:
            draw.polygon([(x0, y1), ((x0 + x1) / 2, y0), (x1, y1)], fill=colour)
