"""Shared helpers of the format-plugin tests: deterministic images, encode, reopen."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageCms

from engine.formats import EncodeOptions, Format
from engine.registry import get_registry


def photo(width: int = 128, height: int = 96, seed: int = 0) -> Image.Image:
    """A photo-like RGB image: three gradients plus seeded noise (compresses like a photo)."""
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x * 255 / width, y * 255 / height, (x + y) % 256], axis=-1)
    noise = np.random.default_rng(seed).normal(0, 12, (height, width, 3))
    return Image.fromarray(np.clip(base + noise, 0, 255).astype(np.uint8))


def with_alpha(image: Image.Image) -> Image.Image:
    """``image`` as RGBA: left quarter fully transparent, next quarter alpha 64, rest opaque."""
    alpha = np.full((image.height, image.width), 255, np.uint8)
    quarter = image.width // 4
    alpha[:, :quarter] = 0
    alpha[:, quarter : 2 * quarter] = 64
    rgba = image.convert("RGBA")
    rgba.putalpha(Image.fromarray(alpha))
    return rgba


def fmt(name: str) -> Format:
    return get_registry().format(name)


def encode(name: str, image: Image.Image, **options: object) -> bytes:
    """``image`` encoded by the registered format ``name`` with these EncodeOptions fields."""
    encoder = fmt(name).encode
    assert encoder is not None
    return encoder(image, EncodeOptions(**options))  # type: ignore[arg-type]


def reopen(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image).astype(np.int16)


def srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
