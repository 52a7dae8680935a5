"""Layers and the composite, with pixel assertions; each test cites the Adobe page it checks
(help/aem-is-ir-api/is-api/http-ref/image-serving-api-ref/c-http-protocol-reference/...)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

import engine
from engine.layers import FolderResolver

WHITE, RED, BLUE, GREEN = (255, 255, 255), (255, 0, 0), (0, 0, 255), (0, 255, 0)


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def solid(size, color, mode="RGB") -> bytes:
    return png(Image.new(mode, size, color))


OBJECTS = {
    "logo": solid((20, 10), RED),
    "blue": solid((20, 10), BLUE),
    "big": solid((300, 300), GREEN),
    # a 20×10 image whose left half is transparent
    "half": png(
        Image.fromarray(
            np.concatenate(
                [np.zeros((10, 10, 4), np.uint8), np.full((10, 10, 4), (255, 0, 0, 255), np.uint8)],
                axis=1,
            )
        )
    ),
    # a mask: white right half, black left half, at another size than "logo"
    "rightmask": png(
        Image.fromarray(
            np.concatenate([np.zeros((5, 5), np.uint8), np.full((5, 5), 255, np.uint8)], 1)
        )
    ),
}


def resolver(name: str) -> bytes:
    try:
        return OBJECTS[name]
    except KeyError:
        raise engine.SourceError(f"no object {name!r}") from None


CANVAS = solid((100, 80), WHITE)


def render(modifiers: str, source: bytes | None = CANVAS, fmt: str = "png") -> Image.Image:
    rendition = engine.render(source, f"{modifiers}&fmt={fmt}", resolver=resolver)
    return Image.open(io.BytesIO(rendition.data))


def box_of(image: Image.Image, color, tolerance: int = 0) -> tuple[int, int, int, int] | None:
    """The bounding box of the pixels of ``color`` (each channel within ``tolerance``)."""
    pixels = np.asarray(image.convert("RGB"), dtype=int)
    ys, xs = np.nonzero((np.abs(pixels - color) <= tolerance).all(axis=-1))
    if len(xs) == 0:
        return None
    return (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)


# --- placement: c-notes-on-server-behavior/r-layer-placement.md, r-pos.md, r-origin.md ------


def test_a_layer_is_centred_on_layer_0_by_default():
    """r-layer-placement.md: without origin=/anchor= the layer origin is the centre of its
    rect; r-pos.md: posN=0,0 by default puts it on layer 0's origin (its centre)."""
    image = render("layer=1&src=logo")
    assert image.size == (100, 80)
    assert box_of(image, RED) == (40, 35, 60, 45)


def test_pos_offsets_from_the_centre_and_posn_is_relative_to_layer_0():
    """r-pos.md: positive values move right/down; posN=0.5,0.5 moves by half layer 0."""
    assert box_of(render("layer=1&src=logo&pos=10,-5"), RED) == (50, 30, 70, 40)
    assert box_of(render("layer=1&src=logo&posN=0.25,0"), RED) == (65, 35, 85, 45)


def test_origin_top_left_on_both_layers_aligns_the_corners():
    """r-origin.md: origin=0,0 / originN=-0.5,-0.5 is the top-left corner of the layer rect
    (the r-rotate.md example aligns layer 0 and layer 1 that way)."""
    image = render("originN=-0.5,-0.5&layer=1&src=logo&origin=0,0&pos=3,4")
    assert box_of(image, RED) == (3, 4, 23, 14)


def test_anchor_becomes_the_origin_through_the_layer_transforms():
    """r-anchor.md: anchor=0,0 is the source's top-left corner; transformed with the image it
    becomes the layer origin (here after size=, which halves the layer)."""
    image = render("layer=1&src=logo&anchor=0,0")
    assert box_of(image, RED) == (50, 40, 70, 50)
    image = render("layer=1&src=logo&size=10,5&anchorN=0.5,0.5")  # bottom-right corner
    assert box_of(image, RED) == (40, 35, 50, 40)


def test_layers_are_clipped_to_layer_0():
    """c-compositing-canvas.md: layer 0 defines the size; other layers' outside parts are
    cropped off."""
    image = render("layer=1&src=big&pos=100,0")
    assert image.size == (100, 80)
    assert box_of(image, GREEN) == (0, 0, 100, 80)
    image = render("layer=1&src=logo&pos=45,0")
    assert box_of(image, RED) == (85, 35, 100, 45)
    assert box_of(render("layer=1&src=logo&pos=500,0"), RED) is None


def test_higher_layers_are_drawn_on_top_whatever_the_written_order():
    """c-layer-order.md: ascending layer number, the highest never occluded."""
    image = render("layer=5&src=blue&layer=2&src=logo&pos=5,0")
    assert box_of(image, BLUE) == (40, 35, 60, 45)
    assert box_of(image, RED) == (60, 35, 65, 45)


def test_hide_hides_a_layer_and_on_comp_layer_0():
    """r-hide.md: hide=1 hides the layer; for layer=comp it applies to layer 0."""
    assert box_of(render("layer=1&src=logo&hide=1"), RED) is None
    image = render("hide=1&layer=1&src=logo", fmt="png-alpha")
    assert image.getpixel((0, 0))[3] == 0 and image.getpixel((50, 40)) == (*RED, 255)


# --- opacity and background: r-opac.md, r-bgcolor.md ---------------------------------------


def test_opacity_times_fill_opacity():
    """r-opac.md: effective opacity = opacity × fillOpacity / 100 (90,70 gives 63 %)."""
    image = render("layer=1&src=logo&opac=90,70").convert("RGB")
    red = 255 * 0.63 + 255 * 0.37
    assert image.getpixel((50, 40)) == pytest.approx((round(red), round(255 * 0.37),
                                                      round(255 * 0.37)), abs=1)  # fmt: skip


def test_bgcolor_fills_the_layer_rect_after_opac():
    """r-bgcolor.md: transparent areas of the layer rect take bgColor after opac=, so the
    background stays opaque while the content fades."""
    image = render("layer=1&src=half&opac=50&bgColor=0,0,255").convert("RGB")
    assert image.getpixel((42, 40)) == BLUE  # transparent half of the layer: bgColor
    r, g, b = image.getpixel((55, 40))  # opaque half: red at 50 % over blue
    assert (r, g, b) == pytest.approx((128, 0, 127), abs=1)
    assert image.getpixel((10, 10)) == WHITE


def test_opac_of_the_composite_fades_everything_for_alpha_formats():
    """r-opac.md: under layer=comp, opac= applies to the composite image."""
    image = render("opac=40&layer=1&src=logo", fmt="png-alpha")
    assert image.getpixel((5, 5)) == (*WHITE, 102)
    assert image.getpixel((50, 40)) == (*RED, 102)


# --- solid colour layers: c-layer-types.md, r-size-reference.md ----------------------------


def test_solid_color_layer_with_size():
    image = render("layer=1&color=0,0,255&size=30,20")
    assert box_of(image, BLUE) == (35, 30, 65, 50)


def test_a_solid_layer_without_a_full_size_is_an_error():
    """r-size-reference.md: solid color layers need both size= values (or a mask=)."""
    with pytest.raises(engine.RenderError, match="needs both size= values, a mask= or a clipPath="):
        render("layer=1&color=0,0,255&size=30,0")


def test_a_solid_layer_0_defines_the_canvas_without_an_object():
    """c-layer-types.md: solid color layers are often layer 0 of templates."""
    image = render("layer=0&color=0,0,255&size=60,40&layer=1&src=logo", source=None)
    assert image.size == (60, 40)
    assert box_of(image, RED) == (20, 15, 40, 25) and image.getpixel((0, 0))[:3] == BLUE


def test_a_solid_layer_shaped_by_a_mask():
    """r-mask.md: a mask attached to a solid color layer gives it its shape."""
    image = render("layer=1&color=0,0,255&mask=rightmask&size=20,20")
    # the 10×5 mask scaled to fit 20×20: a 20×10 layer whose right half is blue
    assert box_of(image, BLUE, 64) == (50, 35, 60, 45)


# --- masks: r-mask.md, r-maskuse.md ---------------------------------------------------------


def test_a_mask_of_another_size_is_scaled_to_its_image():
    image = render("layer=1&src=logo&mask=rightmask")  # 10×5 mask, 20×10 image
    assert box_of(image, RED, 64) == (50, 35, 60, 45)
    assert image.convert("RGB").getpixel((45, 40)) == WHITE


def test_maskuse_invert_and_off():
    image = render("layer=1&src=logo&mask=rightmask&maskUse=invert")
    assert box_of(image, RED, 64) == (40, 35, 50, 45)
    image = render("layer=1&src=half&maskUse=off").convert("RGB")
    assert image.getpixel((42, 40)) == (0, 0, 0)  # the transparent pixels' colour shows


# --- blending: r-blendmode.md ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("norm", (0, 0, 255)),
        ("mult", (0, 0, 200)),
        ("screen", (200, 200, 255)),
        ("lighten", (200, 200, 255)),
        ("darken", (0, 0, 200)),
    ],
)
def test_blend_modes(mode, expected):
    canvas = solid((100, 80), (200, 200, 200))
    image = render(f"layer=1&src=blue&blendMode={mode}", source=canvas).convert("RGB")
    assert image.getpixel((50, 40)) == expected


def test_dissolve_shows_each_pixel_fully_or_not_at_all():
    image = render("layer=1&src=big&opac=50&blendMode=dissolve").convert("RGB")
    pixels = np.asarray(image).reshape(-1, 3)
    kinds = {tuple(p) for p in pixels}
    assert kinds == {WHITE, GREEN}
    share = (pixels == GREEN).all(axis=1).mean()
    assert 0.4 < share < 0.6


def test_blendmode_is_ignored_for_layer_0():
    """r-blendmode.md: ignored by layer=0 and layer=comp."""
    assert np.array_equal(np.asarray(render("blendMode=mult")), np.asarray(render("")))


# --- per-layer transforms and filters: r-layer-transforms.md --------------------------------


def test_per_layer_filters_change_only_their_layer():
    """r-mask.md example: filters in a layer segment apply to that layer only."""
    image = render("layer=1&src=logo&op_invert=1").convert("RGB")
    assert box_of(image, (0, 255, 255)) == (40, 35, 60, 45)
    assert image.getpixel((5, 5)) == WHITE


def test_layer_transforms_in_order_then_placement():
    """r-layer-transforms.md: crop, size, flip, rotate, extend, then position."""
    image = render("layer=1&src=half&crop=10,0,10,10&rotate=90&extend=0,0,0,10&bgColor=0,0,255")
    # crop keeps the red 10×10, rotate keeps it 10×10, extend adds 10 below: a 10×20 rect
    assert box_of(image, RED) == (45, 30, 55, 40)
    assert box_of(image, BLUE) == (45, 40, 55, 50)


def test_sizen_is_relative_to_layer_0():
    """r-size-reference.md: a normalized size is relative to layer 0."""
    image = render("layer=1&src=logo&sizeN=0.5,0")  # 50 wide, its height from the aspect
    assert box_of(image, RED) == (25, 28, 75, 53)


# --- names: r-layer.md ----------------------------------------------------------------------


def test_layer_names():
    image = render("layer=1,logo&src=blue&layer=1,other&layer=logo&pos=10,0")
    assert box_of(image, BLUE) == (50, 35, 70, 45)
    for bad, message in [
        ("layer=1,comp", "'comp' is not permitted as a layer name"),
        ("layer=1,image&layer=2,image", "already used by layer 1"),
        ("layer=1,image&layer=picture", "invalid layer"),
    ]:
        with pytest.raises(engine.ParseError, match=message):
            engine.parse(bad)


# --- the composite through the view and encoders: c-compositing-canvas.md ------------------


def test_the_composite_goes_through_the_view_transform():
    image = render("wid=50&layer=1&src=logo")
    assert image.size == (50, 40)
    red = box_of(image, RED)
    assert red is not None and abs(red[0] - 20) <= 1 and abs(red[2] - 30) <= 1


def test_a_reduced_jpeg_canvas_keeps_layers_in_place():
    photo = io.BytesIO()
    Image.new("RGB", (2000, 1600), (128, 128, 128)).save(photo, "JPEG", quality=95)
    rendition = engine.render(
        photo.getvalue(), "wid=200&layer=1&src=big&fmt=png", resolver=resolver
    )
    image = Image.open(io.BytesIO(rendition.data)).convert("RGB")
    assert image.size == (200, 160)
    green = box_of(image, GREEN)
    assert green is not None and abs(green[0] - 85) <= 1 and abs(green[2] - 115) <= 1


def test_alpha_survives_into_alpha_formats():
    image = render("layer=0&color=0,0,0,0&size=40,20&layer=1&src=logo", None, "png-alpha")
    assert image.mode == "RGBA" and image.size == (40, 20)
    assert image.getpixel((0, 0))[3] == 0 and image.getpixel((20, 10)) == (*RED, 255)


# --- the folder resolver of the CLI ---------------------------------------------------------


def test_folder_resolver_finds_names_with_or_without_extension(tmp_path):
    (tmp_path / "brand").mkdir()
    (tmp_path / "brand" / "logo.png").write_bytes(OBJECTS["logo"])
    folder = FolderResolver(tmp_path)
    for name in ("brand/logo", "brand/logo.png", "/brand/logo"):
        rendition = engine.render(CANVAS, f"layer=1&src={name}&fmt=png", resolver=folder)
        assert box_of(Image.open(io.BytesIO(rendition.data)), RED) == (40, 35, 60, 45)
    for name, message in [("../etc/passwd", "outside"), ("nothing", "no image named")]:
        with pytest.raises(engine.SourceError, match=message):
            engine.render(CANVAS, f"layer=1&src={name}", resolver=folder)


def test_cli_render_serves_layer_objects_from_a_folder(tmp_path, capsys):
    from engine.cli import main

    (tmp_path / "photo.png").write_bytes(CANVAS)
    (tmp_path / "art").mkdir()
    (tmp_path / "art" / "logo.png").write_bytes(OBJECTS["logo"])
    out = tmp_path / "out.png"
    args = ["render", str(tmp_path / "photo.png"), "-m", "layer=1&src=logo&fmt=png", "-o"]
    assert main([*args, str(out), "--objects", str(tmp_path / "art")]) == 0
    assert box_of(Image.open(out), RED) == (40, 35, 60, 45)
    # by default the source's folder, which has no logo
    assert main([*args, str(out)]) == engine.SourceError.exit_status
    assert "no image named 'logo'" in capsys.readouterr().err


# --- effects: r-layer-effects.md, r-effect.md -----------------------------------------------


def test_a_border_follows_the_layer_outside_or_inside():
    """r-layer-effects.md: effect=-1&op_grow=3&color=... adds a 3 pixel border around the
    layer's shape; effect=1 puts it on the inside edge instead."""
    image = render("layer=1&src=logo&effect=-1&op_grow=3&color=0,0,255").convert("RGB")
    assert box_of(image, BLUE) == (37, 32, 63, 48) and box_of(image, RED) == (40, 35, 60, 45)
    image = render("layer=1&src=logo&effect=1&op_grow=3&color=0,0,255").convert("RGB")
    assert box_of(image, BLUE) == (40, 35, 60, 45)  # the inside edge
    assert box_of(image, RED) == (43, 38, 57, 42)


def test_an_outer_effect_lies_behind_its_layer_and_pos_shifts_it():
    image = render("layer=1&src=logo&effect=-1&color=0,0,255&pos=5,4").convert("RGB")
    assert box_of(image, RED) == (40, 35, 60, 45)  # the layer hides the effect under it
    assert box_of(image, BLUE) == (45, 39, 65, 49)


def test_effect_opacity_is_the_parents_times_its_own():
    """r-opac.md example: opac=90,70 on the layer, opac=50 on its effect: the content shows
    at 63 %, the effect at 45 % (the parent's fill opacity does not apply to it)."""
    image = render("layer=1&src=logo&opac=90,70&effect=-1&color=0,0,255&opac=50&pos=30,0")
    image = image.convert("RGB")
    assert image.getpixel((45, 40)) == pytest.approx((255, 94, 94), abs=1)  # 63 % red
    assert image.getpixel((85, 40)) == pytest.approx((140, 140, 255), abs=1)  # 45 % blue


def test_shadow_and_glow_macros_are_ours_and_can_be_overridden():
    """r-layer-effects.md: effect=-1&$shadow$ is a drop shadow, any attribute may follow."""
    image = render("layer=1&src=logo&effect=-1&$shadow$").convert("RGB")
    assert image.getpixel((62, 48))[0] < 200  # grey below and right of the logo
    assert image.getpixel((37, 32)) == WHITE  # nothing above and left
    image = render("layer=1&src=logo&effect=-1&$shadow$&color=0,0,255&blendMode=norm")
    r, g, b = image.convert("RGB").getpixel((62, 48))
    assert b > r + 40 and r == g
    glow = render("layer=1&src=logo&effect=-1&$glow$", source=solid((100, 80), (0, 0, 0)))
    assert glow.convert("RGB").getpixel((38, 40))[0] > 60  # light around the logo
    custom = engine.render(CANVAS, "layer=1&src=logo&effect=-1&$shadow$&fmt=png",
                           resolver=resolver, macros={"shadow": "color=0,255,0"})  # fmt: skip
    assert box_of(Image.open(io.BytesIO(custom.data)), GREEN) is None  # hidden under the logo


def test_the_documented_drop_shadow_of_a_single_image():
    """r-layer-effects.md: size=200,200&extend=0,0,10,10&effect=-1&$shadow$&color=50,143,254:
    extend= leaves room for the shadow of the composite."""
    image = render("size=40,20&extend=0,0,10,10&effect=-1&$shadow$&color=50,143,254",
                   source=OBJECTS["logo"], fmt="png-alpha")  # fmt: skip
    assert image.size == (50, 30)
    assert image.getpixel((10, 10)) == (*RED, 255)
    r, g, b, a = image.getpixel((44, 23))
    assert (r, g, b) == pytest.approx((50, 143, 254), abs=3) and 0 < a < 255
    assert image.getpixel((49, 0))[3] < 10 < image.getpixel((40, 24))[3]  # fades away


def test_effect_layers_parse_and_print_back():
    plan = engine.parse("layer=1&src=a&effect=-1&color=ff0000&op_blur=2&layer=2&src=b")
    assert plan.to_modifiers() == (
        "layer=1&src=a&layer=2&src=b&layer=1&effect=-1&color=ff0000&op_blur=2"
    )
    assert engine.parse(plan.to_modifiers()) == plan
    with pytest.raises(engine.ParseError, match="invalid effect layer"):
        engine.parse("effect=0")
    with pytest.raises(engine.RenderError, match="effect layer -1 of layer 1 needs color="):
        render("layer=1&src=logo&effect=-1&op_grow=2")


# --- nested requests: r-request-nesting-and-embedding.md, r-src.md --------------------------


def test_a_nested_request_is_a_layer_source():
    """The nesting page: an entire IS request can be a layer source, src=is(nestedRequest);
    its fmt= (and qlt, bgc, req ...) is ignored, its alpha becomes the layer mask."""
    image = render("layer=1&src=is(logo?size=40,20&op_invert=1&fmt=gif&bgc=ff0000)")
    assert box_of(image, (0, 255, 255)) == (30, 30, 70, 50)
    braces = render("layer=1&src=is{logo?size=40,20&op_invert=1}")  # r-src.md writes braces
    assert np.array_equal(np.asarray(braces), np.asarray(image))


def test_the_documented_layering_template_with_a_nested_layer_0():
    """The nesting page's example: layer=0&src=is(?src=$img$&size=300,300&cache=on)&layer=1&...;
    variables of the outer request are substituted into the nested one."""
    image = render(
        "$img=big&layer=0&src=is(?src=$img$&size=60,60&cache=on)&layer=1&src=logo", source=None
    )
    assert image.size == (60, 60)
    assert box_of(image, RED) == (20, 25, 40, 35) and image.getpixel((2, 2))[:3] == GREEN


def test_nested_requests_refuse_cycles_and_embedded_requests():
    loop = {"loop": "layer=0&src=is(?$loop$)"}
    with pytest.raises(engine.RenderError, match="nested request cycle"):
        engine.render(CANVAS, "layer=1&src=is(?$loop$)", resolver=resolver, macros=loop)
    for embedded in ("ir(cat/obj?res=30)", "(http://example.com/a.jpg)", "fxg(x)"):
        with pytest.raises(engine.UnsupportedError, match="embedded Image Rendering"):
            render(f"layer=1&src={embedded}")


def test_a_nested_mask():
    """r-mask.md: layer masks can be nested requests too."""
    image = render("layer=1&src=logo&mask=is(rightmask?wid=20)")
    assert box_of(image, RED, 64) == (50, 35, 60, 45)


# --- variables in nested requests: r-is-http-substitution-variables.md ----------------------
# "Variable processing in nested requests": the outer request's $var$ references are
# substituted into the nested request before it is parsed, and all its $var= definitions are
# forwarded to every nested request, at any nesting level, so that templates and macros used
# inside them can reference them. A nested request's own definition wins inside it.
SIZE_MACRO = {"sized": "size=$w$,$w$"}


def render_with_macros(modifiers: str) -> Image.Image:
    rendition = engine.render(CANVAS, f"{modifiers}&fmt=png", resolver=resolver, macros=SIZE_MACRO)
    return Image.open(io.BytesIO(rendition.data))


def test_a_macro_inside_a_nested_request_sees_the_outer_requests_variables():
    forwarded = render_with_macros("$w=40&layer=1&src=is(logo?$sized$)")
    assert box_of(forwarded, RED) == (30, 30, 70, 50)
    assert np.array_equal(
        np.asarray(forwarded), np.asarray(render("layer=1&src=is(logo?size=40,40)"))
    )


def test_variables_reach_a_macro_two_nesting_levels_down():
    image = render_with_macros("$w=40&layer=1&src=is(?layer=0&src=is(logo?$sized$))")
    assert box_of(image, RED) == (30, 30, 70, 50)


def test_a_nested_requests_own_definition_wins_over_a_forwarded_one():
    image = render_with_macros("$w=40&layer=1&src=is(logo?$w=20&$sized$&cache=on)")
    assert box_of(image, RED) == (40, 35, 60, 45)
    # ... and is what the requests it nests inherit
    deeper = render_with_macros("$w=40&layer=1&src=is(?$w=20&layer=0&src=is(logo?$sized$))")
    assert box_of(deeper, RED) == (40, 35, 60, 45)


@pytest.mark.parametrize(
    "nested",
    ["is(logo?$w=20&$sized$)", "is{logo?$w=20&$sized$}", "is(?$w=20&layer=0&src=is(logo?$sized$))"],
)
def test_a_macro_that_ends_a_nested_request_renders(nested):
    """A $macro$ last in a nested request, after an '&', used to be refused with "unexpected
    character ')'" (the nesting page writes '&' inside nested requests unencoded)."""
    image = render_with_macros(f"$w=40&layer=1&src={nested}")
    assert box_of(image, RED) == (40, 35, 60, 45)


def test_an_undefined_variable_in_a_nested_macro_is_still_an_error():
    with pytest.raises(engine.ParseError):
        render_with_macros("layer=1&src=is(logo?$sized$)")


# --- templates: c-templates.md, r-template.md, r-example-a.md ------------------------------


def test_a_template_places_the_object_where_the_template_says():
    """r-template.md: with template=, the request's object is not layer 0; it is reachable
    as $object$. r-example-a.md: the request's $text= replaces the template's default."""
    from engine.templates import Template

    templates = {
        "banner": Template(
            "$w=30&layer=0&color=0,0,255&size=100,50&layer=1&src=$object$&size=$w$,0"
            "&originN=-0.5,0&posN=-0.5,0",
            post_modifier="fmt=png",
        )
    }
    data = engine.render(OBJECTS["logo"], "template=banner", templates=templates).data
    image = Image.open(io.BytesIO(data))
    assert image.size == (100, 50) and image.format == "PNG"
    assert box_of(image, RED) == (0, 18, 30, 33)  # 30 wide, at the left centre
    data = engine.render(OBJECTS["logo"], "template=banner&$w=60", templates=templates).data
    assert box_of(Image.open(io.BytesIO(data)), RED) == (0, 10, 60, 40)


def test_an_unknown_template_is_an_error():
    with pytest.raises(engine.RenderError, match="template=nope: no such template"):
        engine.render(CANVAS, "template=nope", templates={})


@pytest.mark.parametrize(
    "modifiers",
    ["opac=50", "layer=0&opac=50&layer=1&src=logo", "layer=1&src=logo", "maskUse=invert",
     "layer=0&mask=half&layer=1&src=logo&opac=30"],
)  # fmt: skip
def test_a_callers_image_is_never_changed(modifiers):
    """Layers are drawn in place into an image the render decoded itself; an image the
    caller passed in stays as it was, whatever the opacity, mask and layers do."""
    theirs = Image.new("RGBA", (20, 10), (10, 200, 30, 255))
    before = np.asarray(theirs).copy()
    engine.render(theirs, modifiers + "&fmt=png", resolver=OBJECTS.__getitem__)
    assert np.array_equal(np.asarray(theirs), before)
