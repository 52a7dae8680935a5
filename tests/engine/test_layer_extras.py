"""op_growMask, effectMask, perspective, map= and textAngle, with pixel assertions; each test
cites the Adobe page it checks (help/aem-is-ir-api/is-api/http-ref/image-serving-api-ref/
c-http-protocol-reference/c-command-reference/... unless another folder is named)."""

from __future__ import annotations

import io
import math
import re

import numpy as np
import pytest
from PIL import Image
from test_layers import BLUE, CANVAS, OBJECTS, RED, WHITE, box_of, png, render, resolver

import engine

#: a 20×10 mask (the logo's size): black left half, white right half
RIGHT_HALF = png(Image.fromarray(np.repeat(np.repeat([[0, 255]], 10, 0), 10, 1).astype(np.uint8)))


def served(name: str) -> bytes:
    return RIGHT_HALF if name == "right" else resolver(name)


def render_own(modifiers: str) -> Image.Image:
    rendition = engine.render(CANVAS, f"{modifiers}&fmt=png", resolver=served)
    return Image.open(io.BytesIO(rendition.data))


def jpeg(size: tuple[int, int], color) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", quality=95)
    return out.getvalue()


def alpha_edge(image: Image.Image) -> int:
    """The first column of the middle row whose alpha is more than half opaque."""
    row = np.asarray(image.getchannel("A"))[image.height // 2]
    return int(np.argmax(row > 127))


# --- op_growMask, op_growMaskR: r-op-growmask.md, r-op-growmaskr.md ------------------------


def test_op_growmaskr_dilates_and_erodes_the_layer_mask():
    """r-op-growmaskr.md: a radius > 0 dilates the mask, < 0 erodes it. The red 20×10 logo at
    (40, 35) is masked to its right half (x ≥ 50)."""
    plain = render_own("layer=1&src=logo&mask=right").convert("RGB")
    assert box_of(plain, RED) == (50, 35, 60, 45)
    grown = render_own("layer=1&src=logo&mask=right&op_growMaskR=3").convert("RGB")
    assert box_of(grown, RED) == (47, 35, 60, 45)
    eroded = render_own("layer=1&src=logo&mask=right&op_growMaskR=-3").convert("RGB")
    assert box_of(eroded, RED) == (53, 35, 60, 45)  # the image's own edges are not eroded


def test_op_growmask_counts_full_resolution_pixels_and_growmaskr_decoded_ones():
    """r-op-growmask.md: the radius applies to the full-resolution mask and is scaled down for
    a downsampled one; r-op-growmaskr.md: applied as is. An 800×400 JPEG decoded reduced for
    wid=200 (a quarter), masked to its right half: op_growMask=-40 erodes 40 source pixels,
    10 of the reply's."""
    source = jpeg((800, 400), (0, 128, 0))
    modifiers = "mask=right&wid=200&fmt=png-alpha"
    plain = engine.render(source, modifiers, resolver=served)
    assert alpha_edge(Image.open(io.BytesIO(plain.data))) == 100
    scaled = engine.render(source, f"{modifiers}&op_growMask=-40", resolver=served)
    assert alpha_edge(Image.open(io.BytesIO(scaled.data))) == 110
    as_is = engine.render(source, f"{modifiers}&op_growMaskR=-40", resolver=served)
    assert alpha_edge(Image.open(io.BytesIO(as_is.data))) > 110  # 40 pixels of a larger decode


def test_op_growmask_of_an_opaque_layer_changes_nothing():
    assert box_of(render("layer=1&src=logo&op_growMask=5").convert("RGB"), RED) == (40, 35, 60, 45)


# --- effectMask: r-effectmask.md; attribute ApplyEffectMask: image-catalog/.../r-applyeffectmask.md


def test_the_effect_mask_cuts_an_outer_effect_away_under_its_parent():
    """r-applyeffectmask.md: the effect mask masks out where an effect and its layer overlap
    (on by default): a blue outer effect under the 50 % red logo does not show through it.
    r-effectmask.md: effectMask=0 turns it off for the request."""
    modifiers = "layer=1&src=logo&opac=50&effect=-1&color=0,0,255"
    masked = render(modifiers).convert("RGB")
    assert masked.getpixel((50, 40)) == pytest.approx((255, 128, 128), abs=1)  # red over white
    unmasked = render(f"{modifiers}&effectMask=0").convert("RGB")
    # the effect (at the parent's 50 %) over white, then the 50 % red over that
    assert unmasked.getpixel((50, 40)) == pytest.approx((191, 64, 128), abs=2)
    assert render(f"effectMask=1&{modifiers}").convert("RGB").getpixel((50, 40)) == (
        masked.getpixel((50, 40))
    )


def test_without_the_effect_mask_an_inner_effect_covers_its_parents_rect():
    """r-layer-effects.md: an inner effect is visible only in opaque areas of the parent (the
    effect mask, r-effectmask.md); with effectMask=0 it is bounded by the parent's rect only.
    The 'half' layer is transparent on its left half (x 40..50)."""
    modifiers = "layer=1&src=half&effect=1&color=0,0,255"
    assert box_of(render(modifiers).convert("RGB"), BLUE) is None
    unmasked = render(f"{modifiers}&effectMask=0").convert("RGB")
    assert box_of(unmasked, BLUE) == (40, 35, 50, 45)
    assert box_of(unmasked, RED) == (50, 35, 60, 45)
    assert unmasked.getpixel((39, 40)) == WHITE


def test_effect_mask_is_a_global_command():
    """r-effectmask.md: effectMask is a global modifier, applied to all effect layers."""
    plan = engine.parse("layer=1&src=a&effectMask=0&layer=2&src=b")
    assert plan.get("effectMask").layer is None
    assert plan.to_modifiers().startswith("effectMask=0&")


# --- perspective=, perspectiveN=: r-perspective.md ------------------------------------------

YELLOW, GREEN = (255, 255, 0), (0, 255, 0)


def quadrants() -> bytes:
    """A 60×40 image: red, green / blue, yellow quarters."""
    pixels = np.zeros((40, 60, 3), np.uint8)
    pixels[:20, :30], pixels[:20, 30:] = RED, GREEN
    pixels[20:, :30], pixels[20:, 30:] = BLUE, YELLOW
    return png(Image.fromarray(pixels))


def warped(modifiers: str, size=(200, 100)) -> Image.Image:
    objects = {"quad": quadrants()}
    rendition = engine.render(
        png(Image.new("RGB", size, WHITE)), f"{modifiers}&fmt=png", resolver=objects.__getitem__
    )
    return Image.open(io.BytesIO(rendition.data)).convert("RGB")


QUAD = "20,10,180,30,150,90,40,70"


def test_perspective_puts_the_corners_on_the_quadrilateral():
    """r-perspective.md: the image's top-left, top-right, bottom-right and bottom-left corners
    go to the four points, in composite pixels; other areas of the layer stay transparent."""
    image = warped(f"layer=1&src=quad&perspective={QUAD}")
    assert image.getpixel((23, 13)) == RED
    assert image.getpixel((175, 32)) == GREEN
    assert image.getpixel((148, 87)) == YELLOW
    assert image.getpixel((42, 67)) == BLUE
    for outside in [(18, 8), (182, 30), (152, 92), (37, 72), (100, 15), (100, 92), (5, 50)]:
        assert image.getpixel(outside) == WHITE


def test_perspective_is_projective_not_affine():
    """The image's centre lands where the quadrilateral's diagonals cross (a projective map
    keeps lines straight), here (92.93, 54.88), not at the corners' mean (97.5, 50)."""
    image = warped(f"layer=1&src=quad&perspective={QUAD}")
    x, y = 92.93, 54.88
    assert image.getpixel((round(x - 3), round(y - 3))) == RED
    assert image.getpixel((round(x + 3), round(y - 3))) == GREEN
    assert image.getpixel((round(x - 3), round(y + 3))) == BLUE
    assert image.getpixel((round(x + 3), round(y + 3))) == YELLOW


def test_perspectiven_is_relative_to_the_composite_and_pos_moves_it():
    """r-perspective.md: perspectiveN= takes 0.0,0.0 as the composite's top-left corner and
    1.0,1.0 as its bottom-right; pos= further positions the transformed layer."""
    pixels = warped(f"layer=1&src=quad&perspective={QUAD}")
    normalised = warped("layer=1&src=quad&perspectiveN=0.1,0.1,0.9,0.3,0.75,0.9,0.2,0.7")
    assert np.array_equal(np.asarray(pixels), np.asarray(normalised))
    moved = warped(f"layer=1&src=quad&perspective={QUAD}&pos=10,-5")
    assert np.array_equal(np.asarray(moved)[5:95, 30:190], np.asarray(pixels)[10:100, 20:180])


def test_perspective_ignores_size_and_res_of_image_layers():
    """r-perspective.md: res= is always ignored with perspective, size= for image layers."""
    plain = warped(f"layer=1&src=quad&perspective={QUAD}")
    assert warped(f"layer=1&src=quad&size=10,10&res=3&perspective={QUAD}") == plain


def test_resampling_options():
    """r-perspective.md: R1 nearest neighbour (only the image's colours), R2 bilinear, R3
    super-sampling (the default: edges are anti-aliased)."""
    colours = {WHITE, RED, GREEN, BLUE, YELLOW}
    nearest = warped(f"layer=1&src=quad&perspective={QUAD},R1")
    assert {c for _, c in nearest.getcolors(100000)} <= colours
    default = warped(f"layer=1&src=quad&perspective={QUAD}")
    assert len({c for _, c in default.getcolors(100000)} - colours) > 10
    assert warped(f"layer=1&src=quad&perspective={QUAD},R3T40") == default
    assert warped(f"layer=1&src=quad&perspective={QUAD},R2") != default


@pytest.mark.parametrize(
    ("quad", "problem"),
    [
        ("10,10,10,10,90,90,10,90", "two corners coincide or three lie on a line"),
        ("10,10,50,10,90,10,10,90", "two corners coincide or three lie on a line"),
        ("10,10,90,90,90,10,10,90", "self-intersecting or concave"),
        ("10,10,90,10,40,30,10,90", "self-intersecting or concave"),
        ("5,5,5,5,5,5,5,5", "its corners coincide"),
    ],
)
def test_an_unfit_quadrilateral_is_a_clear_error(quad, problem):
    """r-perspective.md: behaviour is undefined for coinciding vertices, three on a line, a
    self-intersecting or concave quadrilateral: here an error naming the value."""
    with pytest.raises(engine.RenderError, match=problem) as error:
        warped(f"layer=1&src=quad&perspective={quad}")
    assert f"perspective={quad}" in str(error.value)


def test_a_bad_resampling_option_is_refused():
    with pytest.raises(engine.RenderError, match="expected R1, R2, R3 or R3Tn"):
        warped(f"layer=1&src=quad&perspective={QUAD},R3T201")


def test_perspective_on_layer_0_warps_it_within_its_own_rect():
    """r-perspective.md: under layer=comp it applies to layer 0; the quadrilateral is in
    layer 0's coordinates and the rest of the layer is transparent (here: the alpha reply).
    The same pixels as the image on layer 1 over a transparent layer 0 of its size."""
    quad = "6,4,54,8,50,36,10,30"
    objects = {"quad": quadrants()}
    on_0 = engine.render(quadrants(), f"perspective={quad}&fmt=png-alpha")
    on_1 = engine.render(
        None,
        f"color=00000000&size=60,40&layer=1&src=quad&perspective={quad}&fmt=png-alpha",
        resolver=objects.__getitem__,
    )
    image = Image.open(io.BytesIO(on_0.data))
    assert image.size == (60, 40)
    assert image.getpixel((1, 1))[3] == 0 and image.getpixel((58, 38))[3] == 0
    assert image.getpixel((9, 7)) == (*RED, 255) and image.getpixel((48, 33)) == (*YELLOW, 255)
    assert np.array_equal(np.asarray(image), np.asarray(Image.open(io.BytesIO(on_1.data))))


def test_a_solid_layer_keeps_its_size_under_perspective():
    """r-solid-color-layer…: a solid layer is color= with size=; r-perspective.md ignores
    size= for image layers only, so the solid layer is made, then warped."""
    image = warped(f"layer=1&color=0,0,255&size=30,20&perspective={QUAD}")
    assert image.getpixel((100, 50)) == BLUE and image.getpixel((5, 5)) == WHITE


def test_a_huge_quadrilateral_costs_no_more_than_the_canvas():
    """r-perspective.md: the corners may lie outside the composite. Only the canvas is drawn:
    a quadrilateral a hundred million pixels wide fills the 200×100 canvas with one colour."""
    huge = "-1e6,-1e6,1e8,-1e6,1e8,1e8,-1e6,1e8"  # the canvas lies in the red quarter
    assert warped(f"layer=1&src=quad&perspective={huge}").getcolors() == [(20000, RED)]
    away = "1e6,1e6,2e6,1e6,2e6,2e6,1e6,2e6"
    assert warped(f"layer=1&src=quad&perspective={away}").getcolors() == [(20000, WHITE)]


# --- map=, mapA=: r-map.md, c-syntax-and-features/r-image-maps.md ----------------------------


def test_image_maps_do_not_change_an_image_request():
    """r-map.md: map= is ignored unless req=map; an empty map= means "no image map"."""
    plain = render("layer=1&src=logo")
    area = "%3Carea%20alt=Scene7%20href=www.scene7.com%3E"
    assert render(f"layer=1&src=logo&map={area}") == plain
    assert render(f"map=&layer=1&src=logo&mapA={area}") == plain
    plan = engine.parse(f"layer=1&text=Scene7&map={area}")
    assert plan.get("map", 1).arg("map") == "<area alt=Scene7 href=www.scene7.com>"
    assert engine.parse(plan.to_modifiers()) == plan


# --- textAngle=: r-textangle.md ---------------------------------------------------------------

INK = r"{\colortbl;\red255\green255\blue255;}\cf1\fs28 "


def text_image(modifiers: str) -> Image.Image:
    from engine.compositor import text_layer

    layer = text_layer(engine.parse(modifiers), 1, engine.RenderConfig())
    assert layer is not None
    return layer[0]


def ink_box(image: Image.Image) -> tuple[int, int, int, int]:
    return image.getchannel("A").point(lambda a: 255 if a > 100 else 0).getbbox()


@pytest.mark.parametrize(
    ("box", "degrees", "frame"),
    [((60, 240), 90, (240, 60)), ((200, 100), 0, (200, 100)), ((200, 100), 180, (200, 100)),
     ((200, 200), 45, (141, 141)), ((400, 100), 30, (100, 57))],
)  # fmt: skip
def test_the_text_frame_is_the_largest_turned_rectangle_in_the_box(box, degrees, frame):
    from engine.text.angle import text_frame

    width, height = text_frame(box, degrees)
    assert (width, height) == frame  # 30° in 400×100: corners touch the long sides
    turned = [
        (x * math.cos(math.radians(degrees)), x * math.sin(math.radians(degrees)))
        for x in (width, 0)
    ] + [
        (-y * math.sin(math.radians(degrees)), y * math.cos(math.radians(degrees)))
        for y in (height,)
    ]
    span_x = abs(turned[0][0]) + abs(turned[2][0])
    span_y = abs(turned[0][1]) + abs(turned[2][1])
    assert span_x <= box[0] + 1e-6 and span_y <= box[1] + 1e-6  # it fits


def test_textangle_90_lays_lines_out_top_to_bottom_along_the_box_height():
    """r-textangle.md: the text is laid out and rendered into the size= box at the angle;
    textAngle=90 draws it top to bottom. The lines are as long as the 60×240 box is tall,
    the first at the right edge: the same as the 240×60 layout turned clockwise."""
    text = INK + r"First line of a long text\par second"
    down = text_image(f"layer=1&size=60,240&textAngle=90&textPs={text}")
    across = text_image(f"layer=1&size=240,60&textPs={text}")
    assert down.size == (60, 240)
    expected = across.transpose(Image.Transpose.ROTATE_270)
    assert np.array_equal(np.asarray(down), np.asarray(expected))
    left, top, right, bottom = ink_box(down)
    assert bottom - top > 100 and right - left < 50  # a long line runs down the box
    first = ink_box(down.crop((30, 0, 60, 240)))
    assert first[3] - first[1] > 100  # the first (long) line is the right one


def test_textangle_at_30_degrees_wraps_along_the_angle_inside_the_box():
    """r-textangle.md: positive angles turn the text clockwise; the lines wrap at the turned
    frame and every glyph stays in the 200×200 box."""
    words = "many words that wrap " * 3
    image = text_image(f"layer=1&size=200,200&textAngle=30&textPs={INK}{words}")
    assert image.size == (200, 200)
    alpha = np.asarray(image.getchannel("A"))
    assert alpha[0].max() == alpha[-1].max() == alpha[:, 0].max() == alpha[:, -1].max() == 0
    ys, xs = np.nonzero(alpha > 100)
    assert len(xs) > 500
    # A single line's ink runs along the angle: its principal axis is at 30° (below the
    # horizontal, clockwise in image coordinates).
    line = text_image(f"layer=1&size=400,400&textAngle=30&textPs={INK}one single line here")
    ys, xs = np.nonzero(np.asarray(line.getchannel("A")) > 100)
    covariance = np.cov(np.stack([xs, ys]).astype(float))
    vector = np.linalg.eigh(covariance)[1][:, -1]
    angle = math.degrees(math.atan2(vector[1], vector[0])) % 180
    assert angle == pytest.approx(30, abs=2)


def test_turned_point_text_starts_at_the_layer_origin():
    """r-text-layers.md: point text sits with its first line just above the layer origin;
    turned by textAngle=90 (r-textangle.md) it runs down from the origin, to its right."""
    image = engine.render(
        Image.new("RGB", (400, 300), (0, 0, 255)),
        f"layer=1&textAngle=90&textPs={INK}Hello world&fmt=png",
    )
    pixels = np.asarray(Image.open(io.BytesIO(image.data)).convert("RGB"), dtype=int)
    ys, xs = np.nonzero(pixels.min(axis=2) > 200)
    # layer 0's centre (200, 150) is the origin
    assert xs.min() >= 196 and xs.max() <= 230 and 148 <= ys.min() <= 156
    assert ys.max() - ys.min() > 2 * (xs.max() - xs.min())


# --- req=map: r-req/r-map-req.md, c-syntax-and-features/r-image-maps.md, r-map.md ------------

PHOTO = Image.new("RGB", (400, 200), WHITE)
LOGO = {"logo": Image.new("RGB", (40, 20), RED)}


def areas(modifiers: str) -> str:
    return engine.image_map(PHOTO, modifiers, resolver=LOGO.__getitem__)


def test_a_default_area_covers_the_layer_rect_and_other_attributes_pass_through():
    """r-map.md: an AREA without SHAPE (or SHAPE=DEFAULT) is the whole layer rectangle, its
    documented example for a text layer; r-image-maps.md: only SHAPE and COORDS change."""
    assert areas("map=<area alt=Scene7 href=www.scene7.com>") == (
        '<AREA SHAPE="RECT" COORDS="0,0,400,200" alt=Scene7 href=www.scene7.com>'
    )
    text = engine.image_map(
        PHOTO, "layer=1&size=100,40&text=Scene7&map=<area%20alt=Scene7%20href=www.scene7.com>"
    )
    assert text == '<AREA SHAPE="RECT" COORDS="150,80,250,120" alt=Scene7 href=www.scene7.com>'


def test_maps_are_scaled_by_the_view_and_listed_front_to_back():
    """r-image-maps.md: the maps go through the spatial transforms (wid= halves them) and are
    assembled front to back; layer 0's (layer=comp's) lies behind the others. map= is in
    layer coordinates, mapA= in source coordinates."""
    result = areas(
        "wid=200&layer=1&src=logo&map=<area href=logo>"
        "&layer=0&mapA=<area shape=poly coords=0,0,400,0,0,200 href=photo>"
    )
    assert result == (
        '<AREA SHAPE="RECT" COORDS="90,45,110,55" href=logo>'
        '<AREA SHAPE="POLY" COORDS="0,0,200,0,0,100" href=photo>'
    )


def test_rotation_turns_a_rect_into_a_polygon_and_clipping_drops_empty_areas():
    """r-image-maps.md: SHAPE may change from RECT (rotate=45 makes a polygon), areas are
    clipped to the layer rect and those left empty are removed (a layer moved off the
    canvas: an empty reply)."""
    rotated = areas("layer=1&src=logo&rotate=45&mapA=<area shape=rect coords=0,0,40,20 href=r>")
    assert rotated == '<AREA SHAPE="POLY" COORDS="193,79,221,107,207,121,179,93" href=r>'
    assert areas("layer=1&src=logo&pos=1000,0&map=<area href=gone>") == ""
    clipped = areas("layer=1&src=logo&map=<area shape=rect coords=-50,5,30,500 href=c>")
    assert clipped == '<AREA SHAPE="RECT" COORDS="180,95,210,110" href=c>'


def test_flip_crop_and_align_move_the_areas():
    """r-image-maps.md lists flip=, crop= (rect= here), align=, wid=, hei=: a CIRCLE (which
    Adobe does not support) becomes a polygon around its flipped centre."""
    circle = areas("flip=lr&rect=300,0,100,100&map=<area shape=circle coords=20,20,10>")
    points = [int(v) for v in re.search(r'COORDS="([^"]+)"', circle).group(1).split(",")]
    xs, ys = points[::2], points[1::2]
    assert (min(xs), max(xs), min(ys), max(ys)) == (70, 90, 10, 30)
    aligned = areas("wid=100&hei=100&fit=fit&align=0,1&map=<area href=x>")
    assert aligned == '<AREA SHAPE="RECT" COORDS="0,50,100,100" href=x>'


def test_bad_area_coordinates_are_a_parse_error():
    with pytest.raises(engine.ParseError, match="expected comma-separated pixel coordinates"):
        areas("map=<area shape=rect coords=10%25,0,5,5>")
    with pytest.raises(engine.ParseError, match="SHAPE=RECT with 4 coordinates"):
        areas("map=<area shape=rect coords=1,2,3>")


def test_a_partly_visible_quadrilateral_draws_the_same_pixels_as_on_a_larger_canvas():
    """Only the part of the image that lands on the canvas is warped: the visible corner of a
    quadrilateral reaching far outside a 200×100 canvas equals that corner on a 400×300 one."""
    quad = "-300,-200,150,-150,170,90,-250,80"
    small = warped(f"layer=1&src=quad&perspective={quad}", size=(200, 100))
    large = warped(f"layer=1&src=quad&perspective={quad}", size=(400, 300))
    assert np.array_equal(np.asarray(small), np.asarray(large)[:100, :200])
    assert len(small.getcolors(100000)) > 4  # edges and more than one quarter show


def test_a_perspective_layer_takes_effects_and_bgcolor_fills_its_quadrilateral():
    """r-layer-effects.md: effects follow the parent's shape, here the warped quadrilateral
    (a blue border 3 pixels wide around it); bgColor= fills the layer's transparent areas,
    warped with it (the 'half' image's transparent left half becomes green)."""
    objects = {"quad": quadrants(), "half": OBJECTS["half"]}

    def draw(modifiers: str) -> Image.Image:
        rendition = engine.render(png(Image.new("RGB", (200, 100), WHITE)), modifiers
                                  + "&fmt=png", resolver=objects.__getitem__)  # fmt: skip
        return Image.open(io.BytesIO(rendition.data)).convert("RGB")

    bordered = draw(f"layer=1&src=quad&perspective={QUAD}&effect=-1&color=0,0,255&op_grow=3")
    assert bordered.getpixel((23, 13)) == RED  # the layer itself
    assert bordered.getpixel((18, 9)) == BLUE  # just outside its top-left corner
    assert bordered.getpixel((10, 5)) == WHITE  # farther away
    filled = draw(f"layer=1&src=half&bgColor=0,255,0&perspective={QUAD}")
    assert filled.getpixel((30, 30)) == GREEN and filled.getpixel((150, 70)) == RED
