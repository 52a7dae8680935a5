"""Render cases, each timed side by side with the shortest hand-written Pillow code that
produces an equivalent output (same size, format and quality): the engine may cost nothing
measurable on top of the pixel work (target: median ratio engine/baseline ≤ 1.05).

The baselines use what a Pillow expert would: JPEG ``draft()``, one ``resize`` with
``box=`` and ``reducing_gap``, no needless conversions. Like the engine (and like Pillow's
own ``thumbnail()``, which drafts to ``reducing_gap`` times the size) they draft with a
margin: drafting to barely the target size costs visible quality (SSIM 0.97 against a full
decode in the crop case), so a baseline without it would not give an equivalent output.
``naive`` is the full decode then LANCZOS that most code does, for the thumbnail case.
"""

from __future__ import annotations

import io
import math

import images
import numpy as np
import pytest
from conftest import megapixel_sizes, record
from PIL import Image, ImageFilter

import engine
from engine.renderer import DRAFT_MARGIN

LANCZOS = Image.Resampling.LANCZOS
GAP = 3.0  # the engine's reducing_gap (plugins/operations/view.py)


def _open(path, size: tuple[int, int], fast: bool) -> Image.Image:
    image = Image.open(path)
    if fast:
        image.draft("RGB", (math.ceil(size[0] * DRAFT_MARGIN), math.ceil(size[1] * DRAFT_MARGIN)))
    if image.mode == "I;16":  # 16-bit gray: keep the high byte
        image = Image.fromarray((np.asarray(image) >> 8).astype(np.uint8), "L")
    return image if image.mode in ("RGB", "RGBA") else image.convert("RGB")


def _resize(image: Image.Image, size, fast: bool, box=None) -> Image.Image:
    return image.resize(size, LANCZOS, box=box, reducing_gap=GAP if fast else None)


def _save(image: Image.Image, fmt: str, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def thumbnail(path, size, fast=True):
    return _save(_resize(_open(path, size, fast), size, fast), "JPEG", quality=85)


def thumbnail_naive(path, size):
    image = Image.open(path).convert("RGB")
    return _save(image.resize(size, LANCZOS), "JPEG", quality=85)


def crop_square(path, size, fast=True):
    image = _open(path, size, fast)
    width, height = image.size
    side = min(width, height)
    box = ((width - side) / 2, (height - side) / 2, (width + side) / 2, (height + side) / 2)
    return _save(_resize(image, size, fast, box), "WEBP", quality=80)


def png8(path, size, fast=True):
    image = _resize(_open(path, size, fast), size, fast)
    palette = image.quantize(256, method=Image.Quantize.FASTOCTREE)
    return _save(image.quantize(palette=palette, dither=Image.Dither.FLOYDSTEINBERG), "PNG")


def usm(path, size, fast=True):
    scale = size[0] / Image.open(path).size[0]
    image = _resize(_open(path, size, fast), size, fast)
    sharpened = image.filter(ImageFilter.UnsharpMask(radius=2 * scale, percent=150, threshold=4))
    return _save(sharpened, "JPEG", quality=85)


def rotate_flip(path, size, fast=True):
    image = _open(path, (size[1], size[0]), fast)
    # r-flip.md: under layer=comp, flip= is the composite's: rotate 90° clockwise, then flip lr
    image = image.transpose(Image.Transpose.TRANSPOSE)
    return _save(_resize(image, size, fast), "JPEG", quality=80)


def region_png_alpha(path, size, fast=True):
    image = Image.open(path)  # PNG: no reduced decode, the region is cut in the resample
    box = (200 / 1224 * image.width, 100 / 816 * image.height,
           1000 / 1224 * image.width, 700 / 816 * image.height)  # fmt: skip
    return _save(_resize(image, size, fast, box), "PNG")


def tiff_lzw(path, size, fast=True):
    image = _resize(_open(path, size, fast), size, fast)
    return _save(image, "TIFF", compression="tiff_lzw")


#: case → (source kind, modifiers, baseline, naive or None)
CASES = {
    "thumbnail-jpeg": ("jpeg", "wid=800&fmt=jpg&qlt=85", thumbnail, thumbnail_naive),
    "thumbnail-pjpeg": ("pjpeg", "wid=800&fmt=jpg&qlt=85", thumbnail, None),
    "thumbnail-cmyk": ("cmyk", "wid=800&fmt=jpg&qlt=85", thumbnail, None),
    "thumbnail-png16": ("png16", "wid=800&fmt=jpg&qlt=85", thumbnail, None),
    "crop-square-webp": ("jpeg", "wid=400&hei=400&fit=crop&fmt=webp&qlt=80", crop_square, None),
    "png8-adaptive": ("jpeg", "wid=800&fmt=png8&quantize=adaptive,diffuse,256", png8, None),
    "usm-jpeg": ("jpeg", "wid=800&op_usm=1.5,2,4,0&fmt=jpg&qlt=85", usm, None),
    "rotate-flip": ("jpeg", "rotate=90&flip=lr&wid=800&fmt=jpg", rotate_flip, None),
    "tiff-lzw": ("jpeg", "wid=800&fmt=tif,,lzw", tiff_lzw, None),
    "scl-rgn-png-alpha": ("png-alpha", "scl=2&rgn={rgn}&fmt=png-alpha", region_png_alpha, None),
}  # fmt: skip
ROLES = ("engine", "baseline", "naive")


def with_region(modifiers: str, megapixels: int) -> str:
    """``rgn=`` of the same part of the picture at every size (the 1 MP region 200,100,800,600)."""
    width, height = images.SIZES[megapixels]
    fx, fy = width / 1224, height / 816
    region = f"{round(200 * fx)},{round(100 * fy)},{round(800 * fx)},{round(600 * fy)}"
    return modifiers.replace("{rgn}", region)


def _params():
    for case, (_, _, _, naive) in CASES.items():
        for megapixels in megapixel_sizes():
            for role in ROLES:
                if role != "naive" or naive is not None:
                    yield pytest.param(case, megapixels, role, id=f"{case}-{megapixels}mp-{role}")


@pytest.mark.parametrize(("case", "megapixels", "role"), list(_params()))
def test_render(benchmark, image_path, case, megapixels, role):
    kind, modifiers, baseline, naive = CASES[case]
    path = image_path(kind, megapixels)
    modifiers = with_region(modifiers, megapixels)
    reference = engine.render(path, modifiers)
    size = (reference.width, reference.height)
    benchmark.group = f"{case}-{megapixels}mp"
    if role == "engine":
        data = benchmark(engine.render, path, modifiers).data
    else:
        data = benchmark(baseline if role == "baseline" else naive, path, size)
    record(benchmark, role)
    out = Image.open(io.BytesIO(data))
    assert out.size == size
    assert out.format == Image.open(io.BytesIO(reference.data)).format
