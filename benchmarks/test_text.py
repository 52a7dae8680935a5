"""Text layers: a one-line caption drawn by ``engine.text.render_text`` side by side with the
hand-written Pillow code for the same layer (one ``ImageDraw.text`` call on a transparent
RGBA image with the same font), in the same run. The engine adds RTF reading, layout and
the glyph-fitting shift; the figure says what that costs on top of drawing the glyphs."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import record
from PIL import Image, ImageDraw, ImageFont

from engine.text import FontMap, render_text

FONTS = FontMap.default()
SIZE = (800, 60)
CAPTION = "Summer sale: 50 % off everything in store"
RTF = r"{\colortbl;\red200\green20\blue20;}\cf1\fs48\qc " + CAPTION

pytestmark = pytest.mark.skipif(FONTS.default_font is None, reason="no system fonts")


def engine_caption() -> Image.Image:
    return render_text(RTF, command="text", size=SIZE, text_attr=None, font_map=FONTS)


def pillow_caption(font: ImageFont.FreeTypeFont) -> Image.Image:
    image = Image.new("RGBA", SIZE, (0, 0, 0, 0))
    ImageDraw.Draw(image).text(
        (SIZE[0] / 2, 2), CAPTION, fill=(200, 20, 20, 255), font=font, anchor="ma"
    )
    return image


@pytest.mark.parametrize("role", ["engine", "baseline"])
def test_caption(benchmark, role):
    font = ImageFont.truetype(str(FONTS.face(None).path), 24)
    benchmark.group = "text-caption-800x60"
    image = benchmark(engine_caption) if role == "engine" else benchmark(pillow_caption, font)
    record(benchmark, role)
    assert image.size == SIZE
    ink = np.asarray(image)[:, :, 3] > 0
    reference = np.asarray(pillow_caption(font))[:, :, 3] > 0
    assert abs(int(ink.sum()) - int(reference.sum())) < 0.05 * reference.sum()
