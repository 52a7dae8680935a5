"""Path definitions (engine/paths.py), checked against Adobe's command pages under
help/aem-is-ir-api/is-api/http-ref/image-serving-api-ref/c-http-protocol-reference/
c-command-reference/ (r-clippath.md defines *pathDefinition*; r-textpath.md the open text
paths)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from engine.errors import LimitError, ParseError
from engine.paths import Path, PathLimits, SubPath, area_mask, parse_path


def points(text: str, **kwargs) -> list[tuple[tuple[float, float], ...]]:
    return [sub.points for sub in parse_path(text, command="clipPath", **kwargs).subpaths]


def test_absolute_and_relative_moves_and_lines():
    """r-clippath.md: uppercase commands are absolute, lowercase ones relative to the
    current position; commas separate the values (spaces, '+' in a URL, too)."""
    assert points("M10,10L20,10l0,5") == [((10, 10), (20, 10), (20, 15))]
    assert points("M 10 10 L 20,10") == [((10, 10), (20, 10))]
    assert points("M10,10L20,10,20,20,10,20") == [((10, 10), (20, 10), (20, 20), (10, 20))]


def test_relative_moveto_after_a_closed_an_open_and_no_subpath():
    """r-clippath.md: a sub-path starting with 'm' is relative to the start of the previous
    sub-path when that was closed with 'z', to its end point when it was not, and to 0,0 for
    the first sub-path."""
    assert points("m5,5l10,0")[0][0] == (5, 5)
    closed = points("M10,10L50,10L50,50zm5,5l1,0")
    assert closed[1][0] == (15, 15)
    open_ = points("M10,10L50,10L50,50m5,5l1,0")
    assert open_[1][0] == (55, 55)


def test_area_paths_close_automatically_text_paths_do_not():
    """r-clippath.md: sub-paths are closed automatically; r-textpath.md: text paths are not
    closed unless 'z' ends them."""
    assert parse_path("M0,0L10,0L10,10", command="clipPath").subpaths[0].closed
    text = parse_path("M0,0L10,0L10,10M20,0L30,0z", command="textPath", close=False)
    assert [sub.closed for sub in text.subpaths] == [False, True]


def test_curves_are_flattened_within_the_bounds():
    """r-clippath.md: C x1,y1,x2,y2,x,y is a Bézier curve from the current point to x,y;
    'c' is relative. The flattened polyline starts and ends on the curve's end points and
    stays within the control polygon; segments are bounded."""
    curve = points("M0,0C0,100,100,100,100,0")[0]
    assert curve[0] == (0, 0) and curve[-1] == (100, 0)
    assert 2 < len(curve) <= 1 + PathLimits().max_curve_segments
    assert max(y for _, y in curve) == pytest.approx(75, abs=1)  # the curve's peak is 3/4
    assert points("M10,10c0,100,100,100,100,0")[0][-1] == (110, 10)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("M10", "M (moveto) has 1 value(s)"),
        ("M0,0C1,2,3", "C (curveto) has 3 value(s)"),
        ("L5,5", "L (lineto) before any moveto"),
        ("M0,0Q5,5", "unexpected character 'Q'"),
        ("5,5", "a path starts with a command"),
        ("M0,0z1", "z (closepath) takes no values"),
        ("M0,0L1e9,0", "out of range"),
    ],
)
def test_bad_paths_name_the_command_and_value(text, fragment):
    with pytest.raises(ParseError, match="clipPath") as caught:
        parse_path(text, command="clipPath")
    assert fragment in str(caught.value)
    assert "expected" in str(caught.value)


def test_a_hostile_path_is_refused_cheaply():
    """A 1 MB path and a path with millions of points are refused before any work
    proportional to them (the length is checked first; points are counted as they come)."""
    started = time.process_time()
    with pytest.raises(LimitError, match="characters long"):
        parse_path("M0,0" + "L1,1" * 250_000, command="clipPath")
    with pytest.raises(LimitError, match="more than 100,000 points"):
        parse_path("M0,0" + "C0,900,900,900,900,0" * 3_000, command="clipPath")
    with pytest.raises(LimitError, match="sub-paths"):
        parse_path("M0,0L1,1" * 1_001, command="clipPath")
    assert time.process_time() - started < 10  # a generous bound: hangs, not speed


def test_area_mask_is_exact_on_pixel_edges_and_antialiased_between():
    """Outside transparent, inside opaque, an edge half-way through a pixel half covered."""
    mask = np.asarray(area_mask(parse_path("M0,0L5.5,0L5.5,2L0,2", command="c"), (8, 3)))
    assert mask[0].tolist() == [255, 255, 255, 255, 255, 128, 0, 0]
    assert mask[2].tolist() == [0] * 8


def test_subpaths_fill_even_odd_so_an_inner_one_cuts_a_hole():
    """A decision (the pages are silent on the fill rule): even-odd."""
    donut = parse_path("M0,0L10,0L10,10L0,10zM3,3L7,3L7,7L3,7z", command="clipPath")
    mask = np.asarray(area_mask(donut, (12, 12)))
    assert mask[1, 1] == 255 and mask[5, 5] == 0 and mask[11, 11] == 0


def test_sub_paths_flipping_too_many_pixels_in_all_are_refused_before_drawing():
    """Hostile input: each sub-path flips its box of the (4× supersampled) mask, so 300
    sub-paths over a 1000 × 1000 layer cost 4.8 billion pixel operations (1000 over a 2000 ×
    2000 layer: minutes of CPU from a 22 KB request); refused with the command named."""
    whole = parse_path("M0,0L1000,0L1000,1000z" * 300, command="clipPath")
    with pytest.raises(LimitError, match="clipPath=: the sub-paths cover 300,000,000 pixels"):
        area_mask(whole, (1000, 1000))
    # Fewer are drawn with less supersampling: still even-odd, edges still exact.
    mask = np.asarray(area_mask(parse_path("M0,0L1000,0L1000,1000z" * 63, command="c"),
                                (1000, 1000)))  # fmt: skip
    assert mask[10, 900] == 255 and mask[900, 10] == 0


@pytest.mark.parametrize("far", [1e9, 1e12])
def test_a_polygon_reaching_far_outside_the_mask_still_fills_it(far):
    """Pillow's polygon fill overflows past about 2**29 (a path within the limits reaches that
    on an image layer scaled 1000×, then 4× supersampled) and drew nothing: such polygons are
    clipped to a square around the mask first, even-odd holes kept."""
    triangle = Path((SubPath(((0.0, 0.0), (far, 0.0), (0.0, far)), True),), "clipPath")
    assert (np.asarray(area_mask(triangle, (50, 40))) == 255).all()
    hole = SubPath(((10.0, 10.0), (20.5, 10.0), (20.5, 20.0), (10.0, 20.0)), True)
    frame = SubPath(((-far, -far), (far, -far), (far, far), (-far, far)), True)
    mask = np.asarray(area_mask(Path((frame, hole), "clipPath"), (50, 40)))
    assert (mask[5, 5], mask[15, 15], mask[15, 20], mask[30, 30]) == (255, 0, 128, 255)
