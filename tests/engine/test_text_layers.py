"""Text layers in the composite, with pixel assertions; each test cites the Adobe page it checks
(help/aem-is-ir-api/is-api/http-ref/image-serving-api-ref/c-http-protocol-reference/...)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

import engine
from engine.compositor import text_scale
from engine.text import FontMap, render_text

PHOTO = Image.new("RGB", (400, 300), (0, 0, 255))
WHITE_INK = r"{\colortbl;\red255\green255\blue255;}\cf1"
RED_INK = r"{\colortbl;\red255\green0\blue0;}\cf1"


def render(modifiers: str, source: Image.Image | None = PHOTO) -> Image.Image:
    out = engine.render(source, modifiers + "&fmt=png")
    return Image.open(io.BytesIO(out.data)).convert("RGB")


def ink(image: Image.Image, where) -> tuple[int, int, int, int]:
    """Bounding box (left, top, right, bottom inclusive) of the pixels ``where`` selects."""
    ys, xs = np.nonzero(where(np.asarray(image, dtype=np.int16)))
    assert xs.size, "no ink"
    return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())


def white(a):
    return a.min(axis=2) > 200


def test_a_caption_on_a_photo_stays_in_its_layer_box():
    """c-text-formatting/r-text-positioning.md: text= keeps every glyph inside the layer's
    size=; r-pos.md: the 300×40 box's centre sits 100 px below the photo's centre."""
    image = render(r"layer=1&size=300,40&pos=0,100&text=" + WHITE_INK + r"\fs40 Summer sale")
    left, top, right, bottom = ink(image, white)
    assert (left, top) >= (50, 230) and (right, bottom) <= (349, 269)
    assert right - left > 100  # a real line of text, not a speck
    assert image.getpixel((200, 150)) == (0, 0, 255)  # nothing outside the box changed


def test_textps_point_text_sits_just_above_the_layer_origin():
    """c-text-formatting/r-text-layers.md, point text: without size=, the first line is placed
    immediately above the layer origin, \\ql text to its right; r-pos.md moves the origin."""
    image = render(r"layer=1&pos=-100,50&textPs=" + WHITE_INK + r"\fs40 Hello")
    left, top, right, bottom = ink(image, white)
    assert right - left > 30  # the whole word, to the origin's right
    # layer 0's centre (200, 150) + pos → the origin at (100, 200)
    assert 100 <= left <= 104
    assert 190 <= bottom < 200 and top >= 175


def test_textps_qr_point_text_ends_at_the_origin():
    """r-text-layers.md: paragraphs with \\qr are rendered to the left of the layer origin."""
    image = render(r"layer=1&textPs={\colortbl;\red255\green255\blue255;}\qr\cf1\fs40 Hello")
    _, _, right, bottom = ink(image, white)
    assert 196 <= right < 200 and bottom < 150


def test_textangle_turns_textps_text_clockwise():
    """r-textangle.md: positive values turn the text clockwise; textAngle=90 reads top to
    bottom, so the word's ink is taller than wide. text= ignores it (textPs= only)."""
    word = r"\fs40 Hello&textAngle=90"
    left, top, right, bottom = ink(render(r"layer=1&textPs=" + WHITE_INK + word), white)
    assert bottom - top > 2 * (right - left)
    left, top, right, bottom = ink(render(r"layer=1&text=" + WHITE_INK + word), white)
    assert right - left > 2 * (bottom - top)


def test_text_with_opacity_and_a_drop_shadow():
    """r-opac.md: opac=50 halves the text's coverage; r-layer-effects.md: effect=-1&$shadow$
    (our default-catalog macro) draws a dark copy below and to the right of the text."""
    plain = render(r"layer=1&size=300,60&text=\fs60 IIIII", Image.new("RGB", (400, 300), "white"))
    faded = render(r"layer=1&size=300,60&text=\fs60 IIIII&opac=50",
                   Image.new("RGB", (400, 300), "white"))  # fmt: skip
    box = ink(plain, lambda a: a.max(axis=2) < 60)
    darkest = np.asarray(faded.convert("L"))[box[1] : box[3] + 1, box[0] : box[2] + 1].min()
    assert 120 <= darkest <= 135  # black at 50 % over white
    shadowed = render(r"layer=1&size=300,60&text=" + RED_INK + r"\fs60 IIIII&effect=-1&$shadow$",
                      Image.new("RGB", (400, 300), "white"))  # fmt: skip
    red = ink(shadowed, lambda a: (a[..., 0] > 200) & (a[..., 1] < 60))
    shade = ink(shadowed, lambda a: (a.max(axis=2) < 200) & (abs(a[..., 0] - a[..., 1]) < 20))
    assert shade[2] > red[2] and shade[3] > red[3]  # the shadow shows below and to the right
    # With opac=50 on the text too, the shadow's opacity is the parent's × its own.
    text = r"layer=1&size=300,60&opac=50&text=" + RED_INK + r"\fs60 IIIII"
    both = render(text + "&effect=-1&$shadow$", Image.new("RGB", (400, 300), "white"))
    beside = (slice(red[1], shade[3] + 1), slice(red[2] + 1, shade[2] + 1))  # shadow only
    assert (
        np.asarray(both.convert("L"))[beside].min()
        > np.asarray(shadowed.convert("L"))[beside].min() + 20
    )
    faded_red = np.asarray(both)[red[1] : red[3] + 1, red[0] : red[2] + 1]
    assert faded_red[..., 1].min() > 60  # no fully opaque red left


def test_text_on_layer_0_defines_the_canvas():
    """r-text-positioning.md's example: size=230,50&bgc=f0f0f0&text=\\fs40... is a 230×50
    image; the text is the only layer and its glyphs stay inside it."""
    out = engine.render(None, r"size=230,50&bgc=f0f0f0&fmt=png&text=\fs40Normal Normal")
    image = Image.open(io.BytesIO(out.data)).convert("RGB")
    assert image.size == (230, 50)
    assert image.getpixel((0, 0)) == (240, 240, 240)
    left, top, right, bottom = ink(image, lambda a: a.max(axis=2) < 100)
    assert left >= 0 and top >= 1 and right <= 229 and bottom <= 49


def test_color_fills_a_text_layer_box():
    """r-text-layers.md, rectangular text box: color= fills the region defined by size=."""
    image = render(r"layer=1&size=100,20&color=255,0,0&text=\fs20 x")
    assert image.getpixel((152, 141)) == (255, 0, 0)
    assert image.getpixel((148, 150)) == (0, 0, 255)


def test_a_font_missing_from_the_map_is_an_error_naming_it():
    """r-font-handling.md: the server has no such font; Adobe answers with an error."""
    with pytest.raises(engine.FontError if hasattr(engine, "FontError") else Exception) as error:
        render(r"layer=1&text={\fonttbl{\f0 Fancy Script;}}\f0 hi")
    assert "Fancy Script" in str(error.value)
    assert isinstance(error.value, engine.RenderError)
    assert error.value.http_status == 422


@pytest.mark.parametrize(
    "layer",
    [
        r"posN=0,0.4&text=" + WHITE_INK + r"\fs240 Summer sale 2026",
        r"pos=-500,300&textPs=" + WHITE_INK + r"\fs160 Point text",
        r"posN=0,-0.3&rotate=30&text=" + WHITE_INK + r"\fs200 Turned",
    ],
)
def test_text_on_a_reduced_decode_lands_where_full_size_text_does(layer):
    """A JPEG photo shown at wid=400 is decoded at 1/4 and its caption drawn at that scale
    (not at the photo's 2400-pixel scale, then shrunk): the same ink, within a pixel or two,
    as when the photo is a PNG that cannot be decoded reduced."""
    photo = Image.new("RGB", (2400, 1600), (0, 0, 255))
    jpeg, png = io.BytesIO(), io.BytesIO()
    photo.save(jpeg, "JPEG", quality=95)
    photo.save(png, "PNG")
    request = "wid=400&layer=1&" + layer
    reduced = render(request, jpeg.getvalue())
    full = render(request, png.getvalue())
    assert reduced.size == full.size == (400, 267)
    got, expected = ink(reduced, white), ink(full, white)
    assert all(abs(a - b) <= 2 for a, b in zip(got, expected, strict=True)), (got, expected)
    assert got[2] - got[0] > 40  # a real line of text


def test_text_is_drawn_at_the_canvas_scale_unless_a_box_or_resize_fixes_its_pixels():
    plan = engine.parse(r"layer=1&text=\fs40 a&layer=2&size=300,40&text=\fs40 b")
    assert text_scale(plan, 1, 0.25) == 0.25  # pasted on the canvas without resampling
    assert text_scale(plan, 1, 0.9) == 0.9
    assert text_scale(plan, 1, 2.0) == 1.0  # never above the text's own resolution
    assert text_scale(plan, 2, 0.25) == 1.0  # size=: wrapping in full-size pixels


def test_text_at_the_canvas_scale_is_pasted_on_whole_pixels():
    """r-pos.md: the layer's centre sits on the canvas's; on a 401×301 photo that falls
    between pixels. Text drawn at the canvas's own scale is pasted at the nearest whole
    pixel, unresampled: the reply's pixels are exactly the text layer over the photo."""
    rtf = WHITE_INK + r"\fs40 Hello"
    photo = Image.new("RGB", (401, 301), (0, 0, 255))
    got = render("layer=1&text=" + rtf, photo)
    text = render_text(rtf, command="text", size=None, text_attr=None, font_map=FontMap.default())
    assert (401 - text.width) % 2 or (301 - text.height) % 2  # a half-pixel centre
    expected = photo.copy()
    at = ((401 - text.width + 1) // 2, (301 - text.height + 1) // 2)  # round half up
    expected.paste(text, at, text)
    assert np.array_equal(np.asarray(got), np.asarray(expected))
