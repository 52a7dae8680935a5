"""Deterministic, photo-like benchmark images: smooth gradients, sharp edges and noise.

Flat colours would flatter every codec; these have the statistics that make JPEG decoding,
resampling and encoding cost what they cost on photographs. Files are generated once per
size and variant into a cache folder and reused across runs.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms, ImageDraw

CACHE = Path(os.environ.get("ISRENDER_BENCH_CACHE", Path(__file__).parent / ".images"))

#: Width and height for a megapixel count, 3:2 landscape.
SIZES = {1: (1224, 816), 4: (2449, 1633), 12: (4243, 2829), 48: (8485, 5657), 100: (12247, 8165)}


def photo(width: int, height: int, *, seed: int = 7, alpha: bool = False) -> Image.Image:
    """A photo-like RGB(A) image of the given size."""
    rng = np.random.default_rng(seed)
    coarse = (rng.random((max(2, height // 96), max(2, width // 96), 3)) * 255).astype(np.uint8)
    image = Image.fromarray(coarse, "RGB").resize((width, height), Image.Resampling.BICUBIC)
    fine = (rng.random((max(2, height // 12), max(2, width // 12), 3)) * 255).astype(np.uint8)
    texture = Image.fromarray(fine, "RGB").resize((width, height), Image.Resampling.BILINEAR)
    image = Image.blend(image, texture, 0.3)
    draw = ImageDraw.Draw(image)
    for _ in range(150):
        x0 = int(rng.integers(0, width))
        y0 = int(rng.integers(0, height))
        x1 = x0 + int(rng.integers(width // 50, width // 5))
        y1 = y0 + int(rng.integers(height // 50, height // 5))
        fill = tuple(int(v) for v in rng.integers(0, 256, 3))
        if rng.random() < 0.5:
            draw.rectangle((x0, y0, x1, y1), outline=fill, width=max(2, width // 400))
        else:
            draw.ellipse((x0, y0, x1, y1), fill=fill)
    pixels = np.asarray(image).copy()
    strip = 512
    for top in range(0, height, strip):  # noise in strips: bounded temporary memory
        rows = pixels[top : top + strip]
        noise = rng.integers(-10, 11, size=rows.shape, dtype=np.int16)
        rows[...] = np.clip(rows.astype(np.int16) + noise, 0, 255).astype(np.uint8)
    image = Image.fromarray(pixels, "RGB")
    if alpha:
        yy, xx = np.mgrid[0:height, 0:width]
        mask = ((xx - width / 2) ** 2 / (width / 2) ** 2 + (yy - height / 2) ** 2 / (height / 2)
                ** 2 < 1).astype(np.uint8) * 255  # fmt: skip
        image.putalpha(Image.fromarray(mask, "L"))
    return image


def path(kind: str, megapixels: int, *, seed: int = 7) -> Path:
    """The cached file for ``kind`` (jpeg, pjpeg, png-alpha, png16, cmyk) at that size."""
    CACHE.mkdir(parents=True, exist_ok=True)
    extension = {"jpeg": "jpg", "pjpeg": "jpg", "cmyk": "jpg"}.get(kind, "png")
    suffix = "" if seed == 7 else f"-{seed}"
    target = CACHE / f"{kind}-{megapixels}mp{suffix}.{extension}"
    if not target.exists():
        width, height = SIZES[megapixels]
        data = _encode(kind, width, height, seed)
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(target)
    return target


def _encode(kind: str, width: int, height: int, seed: int = 7) -> bytes:
    out = io.BytesIO()
    if kind == "jpeg":
        photo(width, height, seed=seed).save(out, "JPEG", quality=90)
    elif kind == "pjpeg":
        photo(width, height).save(out, "JPEG", quality=90, progressive=True)
    elif kind == "cmyk":
        photo(width, height).convert("CMYK").save(out, "JPEG", quality=90)
    elif kind == "png-alpha":
        photo(width, height, alpha=True).save(out, "PNG", compress_level=1)
    elif kind == "png16":
        gray = np.asarray(photo(width, height).convert("L"), dtype=np.uint16) * 257
        Image.fromarray(gray).save(out, "PNG", compress_level=1)
    elif kind == "srgb-jpeg":
        profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
        photo(width, height).save(out, "JPEG", quality=90, icc_profile=profile)
    else:
        raise ValueError(f"unknown benchmark image kind {kind!r}")
    return out.getvalue()
