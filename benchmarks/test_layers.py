"""A watermark: a photo → ``wid=800`` with a logo layer at 50 % opacity, against the
hand-written Pillow composite of the same (same run, same output size and format).

The logo is an RGBA PNG a tenth of the photo's width, centred (IS's default placement).
The baseline is what a Pillow expert writes: draft the JPEG, one resize of the photo to the
reply, the logo resized by the same factor, its alpha halved, pasted with itself as mask at the
centre, JPEG quality 85.

The issue-11 benchmark adds a one-line caption (``text=``, white, a line a twentieth of the
photo's width high, centred 40 % of the height below the centre). Its baseline draws the
same words with ``ImageDraw.text`` from the same font file at the reply's scale, after the
resize (what a Pillow expert writes), where the engine draws the caption at composite scale
before the view resample.
"""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from conftest import megapixel_sizes, record
from PIL import Image, ImageDraw, ImageFont

import engine
from engine.layers import FolderResolver
from engine.renderer import DRAFT_MARGIN
from engine.text import FontMap

LANCZOS = Image.Resampling.LANCZOS
GAP = 3.0
MODIFIERS = "wid=800&layer=1&src=logo&opac=50&fmt=jpg&qlt=85"


@pytest.fixture(scope="module")
def logo_folder(tmp_path_factory, image_path):
    folder = tmp_path_factory.mktemp("objects")
    for megapixels in megapixel_sizes():
        width = Image.open(image_path("jpeg", megapixels)).width // 10
        y, x = np.mgrid[0 : width // 3, 0:width]
        rgba = np.stack([x * 255 // width, y * 0 + 40, 255 - x * 255 // width,
                         np.where((x // 8 + y // 8) % 2 == 0, 255, 96)], -1)  # fmt: skip
        Image.fromarray(rgba.astype(np.uint8), "RGBA").save(folder / f"logo{megapixels}.png")
    return folder


CAPTION = "Summer sale 2026"
#: The engine's default font, the file a Pillow expert would name in their code.
FONT_FILE = str(FontMap.default().face(None).path)
WHITE_RTF = r"{\colortbl;\red255\green255\blue255;}\cf1"


def caption_layer(width: int) -> str:
    """The caption's layer: ``\\fs`` in half-points (72 dpi: pixels × 2)."""
    return f"&layer=2&posN=0,0.4&text={WHITE_RTF}\\fs{width // 10} {CAPTION}"


def watermark(path, logo_path, size, caption_pixels: float | None = None):
    image = Image.open(path)
    image.draft("RGB", (math.ceil(size[0] * DRAFT_MARGIN), math.ceil(size[1] * DRAFT_MARGIN)))
    full_width = Image.open(path).width
    image = image.resize(size, LANCZOS, reducing_gap=GAP)
    logo = Image.open(logo_path)
    factor = size[0] / full_width
    logo_size = (max(1, round(logo.width * factor)), max(1, round(logo.height * factor)))
    logo = logo.resize(logo_size, LANCZOS, reducing_gap=GAP)
    logo.putalpha(logo.getchannel("A").point(lambda a: round(a * 0.5)))
    at = ((size[0] - logo.width) // 2, (size[1] - logo.height) // 2)
    image.paste(logo, at, logo)
    if caption_pixels is not None:
        font = ImageFont.truetype(FONT_FILE, caption_pixels * factor)
        centre = (size[0] / 2, size[1] * 0.9)
        ImageDraw.Draw(image).text(centre, CAPTION, fill=(255, 255, 255), font=font, anchor="mm")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


@pytest.mark.parametrize("megapixels", megapixel_sizes())
@pytest.mark.parametrize("role", ["engine", "baseline"])
@pytest.mark.parametrize("caption", [False, True], ids=["logo", "logo-caption"])
def test_watermark(benchmark, image_path, logo_folder, megapixels, role, caption):
    path = image_path("jpeg", megapixels)
    modifiers = MODIFIERS.replace("src=logo", f"src=logo{megapixels}")
    width = Image.open(path).width
    if caption:
        modifiers = modifiers.replace("&fmt=", caption_layer(width) + "&fmt=")
    resolver = FolderResolver(logo_folder)
    reference = engine.render(path, modifiers, resolver=resolver)
    size = (reference.width, reference.height)
    benchmark.group = f"watermark-{'caption' if caption else 'logo'}-{megapixels}mp"
    if role == "engine":
        data = benchmark(engine.render, path, modifiers, resolver=resolver).data
    else:
        pixels = width / 20 if caption else None
        data = benchmark(watermark, path, logo_folder / f"logo{megapixels}.png", size, pixels)
    record(benchmark, role)
    out = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=float)
    expected = np.asarray(Image.open(io.BytesIO(reference.data)).convert("RGB"), dtype=float)
    assert out.shape == expected.shape
    # The same picture: the engine composites before the view resample, the baseline after;
    # on the synthetic high-detail photos that differs by a few levels on average.
    assert np.abs(out - expected).mean() < 8
