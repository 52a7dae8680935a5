"""``perspective=``: a photo warped onto a quadrilateral of an 800×600 white canvas, against
the hand-written Pillow warp of the same (same run, same output size and format).

The baseline is what a Pillow expert writes: draft the JPEG to about the quadrilateral's
size, one bilinear ``Image.transform(PERSPECTIVE)`` of the photo and one of an opaque mask
onto the canvas size, a paste, JPEG quality 85. The engine is asked for the same bilinear
resampling (``R2``); it draws only the quadrilateral's bounding box, in premultiplied alpha.
Adobe's default ``R3`` super-samples 2 × 2, four times the warped pixels.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from conftest import megapixel_sizes, record
from PIL import Image

import engine

QUAD = ((100, 50), (700, 120), (650, 560), (150, 500))
CANVAS = (800, 600)
MODIFIERS = (
    "layer=0&color=ffffff&size=800,600&layer=1&src=photo&perspective="
    + ",".join(f"{x},{y}" for x, y in QUAD)
    + ",R2&fmt=jpg&qlt=85"
)


def pillow_warp(path) -> bytes:
    image = Image.open(path)
    image.draft("RGB", (700, 525))
    full = Image.open(path).size
    scale = image.width / full[0]
    width, height = full[0] * scale, full[1] * scale  # the drafted image's pixels
    corners = ((0, 0), (width, 0), (width, height), (0, height))
    rows, values = [], []
    for (x, y), (u, v) in zip(QUAD, corners, strict=True):
        rows += [[x, y, 1, 0, 0, 0, -u * x, -u * y], [0, 0, 0, x, y, 1, -v * x, -v * y]]
        values += [u, v]
    coefficients = np.linalg.solve(np.array(rows, float), np.array(values, float))
    bilinear = Image.Resampling.BILINEAR
    warped = image.transform(CANVAS, Image.Transform.PERSPECTIVE, tuple(coefficients), bilinear)
    mask = Image.new("L", image.size, 255).transform(
        CANVAS, Image.Transform.PERSPECTIVE, tuple(coefficients), bilinear
    )
    canvas = Image.new("RGB", CANVAS, (255, 255, 255))
    canvas.paste(warped, mask=mask)
    out = io.BytesIO()
    canvas.save(out, "JPEG", quality=85)
    return out.getvalue()


@pytest.mark.parametrize("megapixels", megapixel_sizes())
@pytest.mark.parametrize("role", ["engine", "baseline"])
def test_perspective(benchmark, image_path, megapixels, role):
    path = image_path("jpeg", megapixels)
    reference = engine.render(None, MODIFIERS, resolver=lambda _name: path)
    benchmark.group = f"perspective-{megapixels}mp"
    if role == "engine":
        data = benchmark(engine.render, None, MODIFIERS, resolver=lambda _name: path).data
    else:
        data = benchmark(pillow_warp, path)
    record(benchmark, role)
    out = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=float)
    expected = np.asarray(Image.open(io.BytesIO(reference.data)).convert("RGB"), dtype=float)
    assert out.shape == expected.shape == (*CANVAS[::-1], 3)
    # The same picture: the engine super-samples a box-reduced decode, the baseline reads
    # a drafted one bilinearly; on the synthetic high-detail photos that differs by a few
    # levels on average (and more along the anti-aliased edges).
    assert np.abs(out - expected).mean() < 10
