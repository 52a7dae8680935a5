"""Clip paths and text on paths in the composite, with pixel assertions; each test cites the
Adobe page it checks (help/aem-is-ir-api/is-api/http-ref/image-serving-api-ref/
c-http-protocol-reference/c-command-reference/ and c-text-formatting/)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

import engine
from engine.errors import ParseError, RenderError

WHITE_CANVAS = "size=400,300&color=ffffff"
RED_INK = r"{\colortbl;\red255\green0\blue0;}\cf1\fs40 "
#: A 60×40 photo: left half green, right half blue (to see which side a clip keeps).
PHOTO = Image.new("RGB", (60, 40), (0, 160, 0))
PHOTO.paste((0, 0, 255), (30, 0, 60, 40))


def resolver(name: str) -> Image.Image:
    assert name == "photo"
    return PHOTO.copy()


def render(modifiers: str, source: Image.Image | None = None, fmt: str = "png") -> np.ndarray:
    out = engine.render(source, f"{modifiers}&fmt={fmt}", resolver=resolver)
    return np.asarray(Image.open(io.BytesIO(out.data)), dtype=np.int16)


def box(where: np.ndarray) -> tuple[int, int, int, int] | None:
    """Inclusive left, top, right, bottom of the selected pixels (None: none)."""
    ys, xs = np.nonzero(where)
    if not xs.size:
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())


def red(a: np.ndarray) -> np.ndarray:
    return (a[..., 0] > 150) & (a[..., 1] < 100) & (a[..., 2] < 100)


def inked(a: np.ndarray) -> np.ndarray:
    """Text ink on the white canvas: anything clearly not white."""
    return a[..., :3].min(axis=2) < 160


# --- clipPath= / clipXPath= ----------------------------------------------------------------


def test_clip_path_makes_the_outside_transparent_with_an_antialiased_edge():
    """r-clippath.md: parts of the layer outside the clipPath= area are transparent; a
    request without layer= clips the composite (its own pixels)."""
    source = Image.new("RGB", (100, 80), (200, 0, 0))
    a = render("clipPath=M10,10L60.5,10L60.5,50L10,50Z", source, fmt="png-alpha")
    alpha = a[..., 3]
    assert box(alpha == 255) == (10, 10, 59, 49)
    assert alpha[30, 60] == 128  # the edge half-way through the pixel
    assert alpha[5, 5] == 0 and alpha[30, 61] == 0 and alpha[55, 30] == 0


def test_clip_x_path_cuts_a_hole_and_is_ignored_without_clip_path():
    """r-clipxpath.md: what lies inside clipXPath= is transparent; it is ignored when
    clipPath= is not given."""
    source = Image.new("RGB", (100, 80), (200, 0, 0))
    a = render("clipPath=M0,0L100,0L100,80L0,80&clipXPath=M20,20L40,20L40,40L20,40", source,
               fmt="png-alpha")  # fmt: skip
    assert a[30, 30, 3] == 0 and a[10, 10, 3] == 255 and a[30, 45, 3] == 255
    a = render("clipXPath=M20,20L40,20L40,40L20,40", source, fmt="png-alpha")
    assert (a[..., 3] == 255).all()


def test_presized_layer_paths_are_relative_to_the_layer_rectangle():
    """r-clippath.md: with size= the path's coordinates are relative to the upper-left
    corner of the layer rectangle, and the layer is placed as usual (centred, r-pos.md)."""
    a = render(WHITE_CANVAS + "&layer=1&color=ff0000&size=100,100&clipPath=M0,0L50,0L50,50L0,50")
    assert box(red(a)) == (150, 100, 199, 149)


def test_self_sizing_solid_layer_takes_the_path_extent_and_its_origin():
    """r-clippath.md: without size= a solid colour layer is the path's extent and its origin
    defaults to the path's 0,0, so the coordinates are relative to layer 0's origin (its
    centre by default, r-origin.md); r-size-reference.md: clipPath= may size a solid layer."""
    a = render(WHITE_CANVAS + "&layer=1&color=ff0000&clipPath=M10,-20L60,-20L60,30L10,30")
    assert box(red(a)) == (210, 130, 259, 179)
    # A triangle: the path area, not its bounding box, is drawn.
    a = render(WHITE_CANVAS + "&layer=1&color=ff0000&clipPath=M0,0L100,0L0,100")
    assert red(a)[160, 210] and not red(a)[240, 290]
    # origin= overrides the path's 0,0 (standard positioning of the layer rectangle).
    a = render(WHITE_CANVAS + "&layer=1&color=ff0000&clipPath=M10,-20L60,-20L60,30L10,30"
               "&origin=0,0")  # fmt: skip
    assert box(red(a)) == (200, 150, 249, 199)


def test_a_self_sizing_solid_layer_over_the_pixel_budget_is_refused():
    """Hostile input: a clipPath= of 100 000 × 100 000 pixels sizing a solid layer is refused
    before it is drawn, as size= is (it raised MemoryError)."""
    with pytest.raises(RenderError, match="layer 1: the clipPath= extent 100000×100000 is more"):
        render(WHITE_CANVAS + "&layer=1&color=ff0000&clipPath=M0,0L100000,0L100000,100000")


@pytest.mark.parametrize("command", ["scale=2", "rotate=45", "anchor=0,0"])
def test_scale_rotate_and_anchor_are_refused_on_self_sizing_solid_layers(command):
    """r-clippath.md: scale=, rotate= and anchor= are not permitted for self-sizing solid
    colour layers."""
    with pytest.raises(RenderError, match=f"{command}.*not permitted"):
        render(WHITE_CANVAS + "&layer=1&color=ff0000&clipPath=M0,0L10,0L10,10&" + command)


def test_image_layer_paths_follow_the_image_content_through_its_transforms():
    """r-clippath.md ("layer pixel coordinates"; the decision for image layers without
    size=): a path over the photo's left (green) half keeps that half after flip=lr too."""
    clip = "&clipPath=M0,0L30,0L30,40L0,40"

    def green(a):
        return (a[..., 1] > 120) & (a[..., 0] < 60) & (a[..., 2] < 60)

    def blue(a):
        return (a[..., 2] > 200) & (a[..., 1] < 60)

    a = render(WHITE_CANVAS + "&layer=1&src=photo" + clip)
    assert box(green(a)) == (170, 130, 199, 169) and box(blue(a)) is None
    a = render(WHITE_CANVAS + "&layer=1&src=photo&flip=lr" + clip)
    assert box(green(a)) == (200, 130, 229, 169) and box(blue(a)) is None


def test_clipped_text_layer_sizes_itself_to_the_path():
    """r-clippath.md: a text layer without size= is self-sizing with the path's extent as
    its size; the text is cut to the path."""
    text = r"{\colortbl;\red255\green0\blue0;}\cf1\fs200 MMMM"
    a = render(WHITE_CANVAS + "&layer=1&text=" + text + "&clipPath=M0,0L80,0L80,60L0,60")
    found = box(red(a))
    assert found is not None
    left, top, right, bottom = found
    assert left >= 200 and top >= 150 and right <= 279 and bottom <= 209


def test_explicit_layer_0_clip_leaves_the_other_layers_alone():
    """r-clippath.md: the clip path applies to the current layer only."""
    a = render("size=100,100&color=00ff00&layer=0&clipPath=M0,0L50,0L50,100L0,100"
               "&layer=1&color=ff0000&size=20,20&pos=30,0", fmt="png-alpha")  # fmt: skip
    assert a[20, 75, 3] == 0  # layer 0's right half is clipped away ...
    assert tuple(a[50, 85]) == (255, 0, 0, 255)  # ... layer 1 over it is not


# --- textPath= / pathAttr= -----------------------------------------------------------------

LINE = "&textPath=M-150,0L150,0"


def text_on_path(extra: str, text: str = "HHHH") -> np.ndarray:
    return render(WHITE_CANVAS + "&layer=1&textPs=" + RED_INK + text + extra)


def test_text_sits_on_the_path_from_its_start_and_the_path_origin_is_layer_0s():
    """r-textpath.md: the path is the text's baseline; r-text-layers.md (self-sizing text on
    path): the layer anchor defaults to the path's 0,0 (here on layer 0's centre, 200,150)."""
    left, top, _, bottom = box(inked(text_on_path(LINE)))
    assert 49 <= left <= 56  # the path starts at x = 200 - 150
    assert 148 <= bottom <= 150  # "H" has no descender: its foot is on the baseline y = 150
    assert top < 140


def test_alignment_and_indents_position_the_text_along_the_path():
    """r-textpath.md: \\ql, \\qc, \\qr, \\li and \\ri position the text along the path."""
    left = box(inked(text_on_path(LINE)))[0]
    right = box(inked(text_on_path(LINE, r"\qr HHHH")))[2]
    assert 345 <= right <= 350
    left_c, _, right_c, _ = box(inked(text_on_path(LINE, r"\qc HHHH")))
    assert abs((left_c + right_c) / 2 - 200) <= 3
    left_i, *_ = box(inked(text_on_path(LINE, r"\li400 HHHH")))  # 400 twips = 20 px at 72 dpi
    assert abs(left_i - left - 20) <= 1
    _, _, right_r, _ = box(inked(text_on_path(LINE, r"\qr\ri400 HHHH")))
    assert abs(right - right_r - 20) <= 1


def test_text_turns_with_the_path():
    """r-textpath.md: a vertical path draws the text downwards, glyphs turned."""
    left, top, right, bottom = box(inked(text_on_path("&textPath=M0,-100L0,100")))
    assert right - left < 20 and bottom - top > 45
    assert 49 <= top <= 56  # the text starts at the path's start, y = 150 - 100


def test_reverse_runs_the_text_from_the_last_vertex_upside_down():
    """r-pathattr.md: reverse draws the text in the opposite direction, starting near the
    last vertex: on a left-to-right line it hangs below the line from its right end."""
    _, top, right, bottom = box(inked(text_on_path(LINE + "&pathAttr=reverse")))
    assert 344 <= right <= 351 and 149 <= top <= 152 and bottom > 160


def test_start_and_end_positions_bound_the_text():
    """r-pathattr.md: startPos/endPos are fractions of the path between its first and last
    vertex; text beyond endPos is not drawn."""
    left, *_ = box(inked(text_on_path(LINE + "&pathAttr=norm,0.5")))
    assert 199 <= left <= 206
    _, _, right, _ = box(inked(text_on_path(LINE + "&pathAttr=norm,0,0.1", "HHHHHHHHHHHHHH")))
    assert right <= 50 + 30 + 4  # 10 % of the 300-pixel path, plus a glyph's half width


@pytest.mark.parametrize(
    ("path", "attr", "message"),
    [
        (LINE, "norm,1.0", "startPos 1 is out of range"),
        (LINE, "norm,0.2,1.5", "endPos 1.5 is out of range for an open path"),
        (LINE, "norm,0.5,0.4", "endPos 0.4 is out of range"),
        (LINE, "sideways", "direction 'sideways'"),
        ("&textPath=M0,0L100,0L100,100z", "norm,0.5,1.6", "for a closed path"),
    ],
)
def test_path_attr_range_rules(path, attr, message):
    """r-pathattr.md: 0 <= startPos < 1; startPos < endPos <= 1 on an open path and
    <= startPos + 1 on a closed one."""
    with pytest.raises(ParseError, match=message):
        text_on_path(path + "&pathAttr=" + attr)


def test_closed_paths_wrap_past_the_first_vertex():
    """r-pathattr.md: on a closed path endPos may reach startPos + 1.0."""
    a = text_on_path("&textPath=M-100,-50L100,-50L100,50L-100,50z&pathAttr=norm,0.9,1.5",
                     "HHHHHHHHHH")  # fmt: skip
    ink = inked(a)  # the path runs clockwise from (100, 100); 0.9 is on its left edge
    assert ink[110:200, 60:100].any()  # on the left edge (going up, glyphs to its left)
    assert ink[60:100, 110:300].any()  # past the first vertex, on the top edge


def test_sub_paths_are_used_in_order():
    """r-textpath.md: text is rendered on the sub-paths in the order specified."""
    a = text_on_path("&textPath=M-150,0L-120,0M50,60L150,60", "HHHHHH")
    assert inked(a)[120:151, 40:90].any() and inked(a)[180:211, 240:360].any()


def test_only_the_first_line_is_drawn_on_a_path():
    """r-text-layers.md (text on path): text after the first \\par or \\line is ignored."""
    assert np.array_equal(text_on_path(LINE), text_on_path(LINE, r"HHHH\par WWWW"))


def test_presized_text_path_origin_is_the_layer_top_left():
    """r-text-layers.md (pre-sized text on path): with size= the path's 0,0 is the top-left
    corner of the layer rectangle, and the layer is placed as usual (centred)."""
    a = render(WHITE_CANVAS + "&layer=1&size=200,100&textPs=" + RED_INK + "HHHH"
               "&textPath=M10,50L190,50")  # fmt: skip
    left, _, _, bottom = box(inked(a))
    assert 110 <= left <= 116 and 148 <= bottom <= 150  # (100, 100) + (10, 50)


def test_text_path_and_text_flow_path_exclude_each_other():
    """r-textpath.md: an error is returned if a layer includes both textPath= and
    textFlowPath=."""
    with pytest.raises(RenderError, match="textPath= and textFlowPath="):
        text_on_path(LINE + "&textFlowPath=M0,0L100,0L100,100")


def test_a_bad_text_path_names_the_command():
    with pytest.raises(ParseError, match="textPath.*expected"):
        text_on_path("&textPath=M0,0L5")


# --- textFlowPath= / textFlowXPath= --------------------------------------------------------

LOREM = "Lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor"
FLOW_RED_INK = r"{\colortbl;\red255\green0\blue0;}\cf1\fs24 "


def flowed(extra: str, text: str = LOREM) -> np.ndarray:
    return render(WHITE_CANVAS + "&layer=1&textPs=" + FLOW_RED_INK + text + extra)


def test_text_flows_into_the_path_area_from_the_paths_origin():
    """r-textflowpath.md: the text is flowed into the path's region instead of the size=
    box; r-text-layers.md (self-sizing text in path): the layer anchor defaults to the
    path's 0,0 (here layer 0's centre, 200,150)."""
    a = flowed("&textFlowPath=M-100,-100L0,-100L0,100L-100,100")
    left, top, right, bottom = box(inked(a))
    assert 100 <= left <= 104 and 50 <= top <= 56 and right <= 200 and bottom <= 250
    assert bottom - top > 60  # wrapped into several lines within the 100-pixel width


def test_a_triangle_gives_narrower_lines_further_down():
    """r-textflowpath.md: text fills a non-rectangular region (r-textps.md: flowing of text
    into non-rectangular regions)."""
    a = flowed("&textFlowPath=M-150,-100L150,-100L0,100Z", LOREM + " " + LOREM)
    ink = inked(a)
    first, last = box(ink)[1], box(ink)[3]
    top_row, low_row = ink[first : first + 12].any(axis=0), ink[last - 12 : last].any(axis=0)
    assert np.ptp(np.flatnonzero(top_row)) > 2 * np.ptp(np.flatnonzero(low_row))
    ys, xs = np.nonzero(ink)  # every inked pixel lies inside the triangle
    assert (np.abs(xs - 200) <= (250 - ys) * 0.75 + 3).all()


def test_the_exclusion_path_keeps_text_out_and_needs_a_flow_path():
    """r-textflowxpath.md: textFlowXPath= excludes regions from the flow; it is ignored
    without textFlowPath=."""
    area = "&textFlowPath=M-150,-100L150,-100L150,100L-150,100"
    hole = "&textFlowXPath=M-30,-100L30,-100L30,100L-30,100"
    a = flowed(area + hole, LOREM + " " + LOREM)
    assert not inked(a)[:, 170:230].any()
    assert inked(a)[:, 50:170].any() and inked(a)[:, 230:350].any()
    plain = flowed("")
    assert np.array_equal(flowed(hole), plain)


def test_presized_flow_paths_start_at_the_layer_top_left():
    """r-text-layers.md (pre-sized text in path): with size= the paths' 0,0 is the layer
    rectangle's top-left corner and the layer is placed as usual (centred)."""
    a = flowed("&size=200,100&textFlowPath=M100,0L200,0L200,100L100,100")
    left, top, right, bottom = box(inked(a))
    assert 200 <= left <= 204 and 100 <= top <= 106 and right <= 300 and bottom <= 200


def test_text_that_does_not_fit_the_area_is_not_drawn():
    """A decision: as textPs= in a box draws only complete lines, text beyond the area's
    last line is left out (nothing spills below the area)."""
    a = flowed("&textFlowPath=M-100,-10L100,-10L100,20L-100,20", LOREM * 3)
    assert box(inked(a))[3] <= 170


def test_a_huge_flow_area_is_refused():
    """Hostile input: a flow area of 810 000 000 000 pixels is refused before any pixel is
    drawn, naming the command."""
    with pytest.raises(engine.LimitError, match="textFlowPath: the flow area"):
        flowed("&textFlowPath=M0,0L900000,0L900000,900000")


@pytest.mark.parametrize("path", [LINE, "&textFlowPath=M-100,-100L0,-100L0,100L-100,100"])
def test_path_text_on_a_reduced_reply_lands_where_the_full_one_does(path):
    """r-text-layers.md: the path's 0,0 stays the layer's anchor when the reply is scaled
    (wid=200 halves the 400-pixel composite; the text layer is drawn reduced)."""
    full = box(inked(text_on_path(path)))
    half = box(inked(text_on_path(path + "&wid=200")))
    assert all(abs(h - f / 2) <= 3 for h, f in zip(half, full, strict=True))


def test_glyphs_piling_up_on_a_path_are_bounded_by_the_pixels_they_cover():
    """Hostile input: a path running back and forth over 3000 pixels is long enough for 2000
    large characters, which overlap in a small layer. Every turned glyph was kept until all
    were drawn (1500 characters of a 2000-pixel font ran out of memory after a minute); their
    total area is now held to the text layer's pixel limit before any is drawn."""
    path = "&textPath=M0,0" + "L3000,0L0,0" * 300
    with pytest.raises(engine.LimitError, match="the 2,000 characters along textPath= cover"):
        render(WHITE_CANVAS + r"&layer=1&textPs={\rtf1\fs400 " + "W" * 2000 + "}" + path)


def test_a_path_of_too_many_points_fails_the_request_with_a_limit_error():
    """Hostile input through a whole request: 3,000 curves of 64 segments each exceed the
    100,000 points a path may have; the error names the command."""
    with pytest.raises(engine.LimitError, match="clipPath=: the path has more than"):
        render(WHITE_CANVAS + "&layer=1&color=ff0000&clipPath=M0,0"
               + "C0,900,900,900,900,0" * 3_000)  # fmt: skip


def test_what_the_pages_say_is_ignored_is_ignored():
    """r-textpath.md / r-textflowpath.md: text= layers ignore textPath= and textFlowPath=;
    an empty textFlowPath= or textFlowXPath= is ignored; r-pathattr.md: pathAttr= is
    ignored without textPath=."""
    text = r"layer=1&text=" + RED_INK + "HHHH"
    plain = render(WHITE_CANVAS + "&" + text)
    assert np.array_equal(render(WHITE_CANVAS + "&" + text + LINE), plain)
    flow = "&textFlowPath=M-100,-100L0,-100L0,100L-100,100"
    assert np.array_equal(render(WHITE_CANVAS + "&" + text + flow), plain)
    point = text_on_path("")
    assert np.array_equal(text_on_path("&textFlowPath=&textFlowXPath="), point)
    assert np.array_equal(text_on_path("&pathAttr=reverse,0.5"), point)
    assert np.array_equal(text_on_path(LINE + "&textFlowPath="), text_on_path(LINE))
