"""engine.geometry: the size arithmetic of the layer transforms and the view transform."""

from __future__ import annotations

import pytest

from engine import LimitError, RenderConfig, RenderError, parse
from engine.geometry import (
    decode_scale,
    place,
    rotated_size,
    round_half_up,
    source_transform,
    view_layout,
)

CONFIG = RenderConfig()  # DefaultPix 1280x1280, MaxPix 3000x3000, white BkgColor
LANDSCAPE, PORTRAIT = (4000, 3000), (3000, 4000)


def layout(modifiers: str, comp: tuple[int, int] = LANDSCAPE, config: RenderConfig = CONFIG,
           alpha: bool = False):  # fmt: skip
    return view_layout(comp, parse(modifiers), config, alpha_output=alpha)


def scaled(modifiers: str, comp: tuple[int, int], config: RenderConfig = CONFIG):
    """(reply size, size of the scaled composite) of a request."""
    result = layout(modifiers, comp, config)
    sx, sy = result.scale
    return result.reply_size, (round_half_up(comp[0] * sx), round_half_up(comp[1] * sy))


# --- view: scaling rules and fit modes ------------------------------------------------------

FIT_DOWN = [  # wid=500&hei=500 on 4000x3000 and on 3000x4000: (reply, scaled composite)
    ("", ((500, 500), (500, 375)), ((500, 500), (375, 500))),
    ("&fit=fit", ((500, 500), (500, 375)), ((500, 500), (375, 500))),
    ("&fit=constrain", ((500, 375), (500, 375)), ((375, 500), (375, 500))),
    ("&fit=crop", ((500, 500), (667, 500)), ((500, 500), (500, 667))),
    ("&fit=wrap", ((667, 500), (667, 500)), ((500, 667), (500, 667))),
    ("&fit=stretch", ((500, 500), (500, 500)), ((500, 500), (500, 500))),
    ("&fit=hfit", ((500, 500), (500, 375)), ((500, 500), (500, 667))),
    ("&fit=vfit", ((500, 500), (667, 500)), ((500, 500), (375, 500))),
]


@pytest.mark.parametrize(("fit", "landscape", "portrait"), FIT_DOWN)
def test_fit_modes_when_reducing(fit, landscape, portrait) -> None:
    assert scaled("wid=500&hei=500" + fit, LANDSCAPE) == landscape
    assert scaled("wid=500&hei=500" + fit, PORTRAIT) == portrait


FIT_UP = [  # wid=800&hei=800 on 400x300: (reply, scaled) with upscale 0, then 1
    ("fit", ((800, 800), (400, 300)), ((800, 800), (800, 600))),
    ("constrain", ((400, 300), (400, 300)), ((800, 600), (800, 600))),
    ("crop", ((800, 800), (400, 300)), ((800, 800), (1067, 800))),
    ("wrap", ((400, 300), (400, 300)), ((1067, 800), (1067, 800))),
    ("stretch", ((400, 300), (400, 300)), ((800, 800), (800, 800))),
    ("hfit", ((800, 800), (400, 300)), ((800, 800), (800, 600))),
    ("vfit", ((800, 800), (400, 300)), ((800, 800), (1067, 800))),
]


@pytest.mark.parametrize(("mode", "capped", "upscaled"), FIT_UP)
def test_fit_modes_with_and_without_upscale(mode, capped, upscaled) -> None:
    assert scaled(f"wid=800&hei=800&fit={mode},0", (400, 300)) == capped
    assert scaled(f"wid=800&hei=800&fit={mode}", (400, 300)) == capped  # default upscale=0
    assert scaled(f"wid=800&hei=800&fit={mode},1", (400, 300)) == upscaled
    portrait = tuple(tuple(reversed(size)) for size in upscaled)
    if mode == "hfit":
        portrait = ((800, 800), (800, 1067))
    elif mode == "vfit":
        portrait = ((800, 800), (600, 800))
    assert scaled(f"wid=800&hei=800&fit={mode},1", (300, 400)) == portrait


def test_wid_and_hei_without_fit_upscale_to_the_requested_size() -> None:
    assert scaled("wid=800&hei=800", (400, 300)) == ((800, 800), (800, 600))
    assert scaled("wid=800", (400, 300)) == ((800, 600), (800, 600))


@pytest.mark.parametrize(
    ("modifiers", "landscape", "portrait"),
    [
        ("wid=800", (800, 600), (800, 1067)),
        ("hei=300", (400, 300), (225, 300)),
        ("scl=8", (500, 375), (375, 500)),
        ("", (1280, 960), (960, 1280)),  # DefaultPix
        ("scl=2&wid=1000", (1000, 1500), (1000, 2000)),  # only the given dimension is cut
        ("scl=2&wid=600&hei=400", (600, 400), (600, 400)),
    ],
)
def test_view_sizes_for_one_dimension_scl_and_default(modifiers, landscape, portrait) -> None:
    assert layout(modifiers, LANDSCAPE).reply_size == landscape
    assert layout(modifiers, PORTRAIT).reply_size == portrait


def test_one_dimension_follows_the_aspect_ratio_and_never_fills() -> None:
    result = layout("wid=800", PORTRAIT)
    assert result.view.covers
    assert result.reply_size == (800, 1067)
    assert result.scale == (800 / 3000, 1067 / 4000)


def test_default_pix_leaves_small_composites_alone_and_scl_1_never_scales() -> None:
    assert layout("", (640, 480)).scale == (1.0, 1.0)
    assert layout("", (640, 480)).reply_size == (640, 480)
    assert layout("scl=1", (2000, 1500)).reply_size == (2000, 1500)
    assert layout("scl=1", (2000, 1500)).scale == (1.0, 1.0)
    unconstrained = RenderConfig(default_pix=(0, 0), max_pix=(0, 0))
    assert layout("", LANDSCAPE, unconstrained).reply_size == LANDSCAPE
    only_width = RenderConfig(default_pix=(1000, 0))
    assert layout("", LANDSCAPE, only_width).reply_size == (1000, 750)


def test_fit_with_one_dimension_keeps_it_exact_and_centres() -> None:
    result = layout("wid=800&fit=fit,0&align=-1,-1", (400, 300))
    assert result.reply_size == (800, 600)
    assert result.view.dest == (200, 150, 600, 450)  # align= is ignored with one dimension
    assert layout("wid=800&fit=constrain,0", (400, 300)).reply_size == (400, 300)
    assert layout("wid=200&fit=crop,0", (400, 300)).reply_size == (200, 150)


def test_fit_needs_wid_or_hei() -> None:
    with pytest.raises(RenderError, match="fit=crop needs wid= and/or hei="):
        layout("fit=crop")


# --- align, fill, rgn, rect -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("align", "dest"),
    [("-1,-1", (0, 0, 500, 375)), ("0,0", (0, 62, 500, 437)), ("1,1", (0, 125, 500, 500))],
)
def test_align_positions_the_image_in_the_whitespace(align, dest) -> None:
    result = layout(f"wid=500&hei=500&align={align}")
    assert result.view.dest == dest
    assert result.view.source == (0.0, 0.0, 4000.0, 3000.0)


@pytest.mark.parametrize(
    ("align", "left", "right"), [("-1,0", 0.0, 3000.0), ("1,0", 1000.0, 4000.0)]
)
def test_align_chooses_what_crop_cuts(align, left, right) -> None:
    result = layout(f"wid=500&hei=500&fit=crop,1&align={align}")
    assert result.view.covers
    # 500x500 of the 667x500 scaled image: 3000 of 4000 composite pixels, give or take the
    # rounding of the scaled width.
    assert result.view.source[0] == pytest.approx(left, abs=2)
    assert result.view.source[2] == pytest.approx(right, abs=2)


def test_scl_with_wid_and_hei_crops_per_align() -> None:
    result = layout("scl=4&wid=500&hei=500&align=-1,-1")
    assert result.view.source == (0.0, 0.0, 2000.0, 2000.0)
    result = layout("scl=4&wid=500&hei=500&align=1,1")
    assert result.view.source == (2000.0, 1000.0, 4000.0, 3000.0)


def test_fill_is_bgc_then_bkg_color_and_transparent_for_alpha_formats() -> None:
    assert layout("wid=500&hei=500").fill == (255, 255, 255)
    assert layout("wid=500&hei=500&bgc=255,0,0,10").fill == (255, 0, 0)  # alpha ignored
    assert layout("wid=500&hei=500&bgc=0x80").fill == (128, 128, 128)
    assert layout("wid=500&hei=500&bgc=255,0,0", alpha=True).fill is None


def test_rgn_is_the_region_the_view_fits() -> None:
    result = layout("rgn=1000,1000,500,500")
    assert result.reply_size == (500, 500)
    assert result.view.source == (1000.0, 1000.0, 1500.0, 1500.0)
    # A wider view shows composite pixels beside the region instead of whitespace.
    result = layout("rgn=1000,1000,500,500&wid=1000&hei=500")
    assert result.view.covers
    assert result.view.source == (750.0, 1000.0, 1750.0, 1500.0)
    # Outside the composite there is nothing but fill.
    result = layout("rgn=3800,2800,400,400")
    assert result.reply_size == (400, 400)
    assert result.view.dest == (0, 0, 200, 200)
    assert result.view.source == (3800.0, 2800.0, 4000.0, 3000.0)


def test_rect_takes_a_tile_of_the_view() -> None:
    result = layout("wid=800&rect=400,300,600,600")
    assert result.view_size == (800, 600)
    assert result.reply_size == (600, 600)
    assert result.window == (400, 300, 800, 600)
    assert result.view.source == (2000.0, 1500.0, 4000.0, 3000.0)
    assert result.rect.dest == (0, 0, 400, 300)


def test_rect_scale_is_drawn_in_the_same_resample() -> None:
    result = layout("wid=800&rect=0,0,400,300,2")
    assert result.scale == (0.4, 0.4)
    assert result.view.source == (0.0, 0.0, 1000.0, 750.0)
    assert result.rect.covers and result.rect.source == (0.0, 0.0, 400.0, 300.0)


def test_rect_outside_the_view_is_all_fill() -> None:
    result = layout("wid=800&rect=900,0,400,300")
    assert result.view.empty and result.rect.empty
    assert result.reply_size == (400, 300)


# --- MaxPix and dpr ---------------------------------------------------------------------------


def test_maxpix_error_names_size_limit_and_commands() -> None:
    assert layout("wid=4000&hei=2000&fit=constrain").reply_size == (2667, 2000)  # under MaxPix
    with pytest.raises(LimitError) as info:
        layout("wid=4000&hei=3000")
    message = str(info.value)
    assert "reply size 4000x3000" in message
    assert "MaxPix 3000x3000" in message
    assert "wid=4000&hei=3000" in message


def test_maxpix_counts_default_pix_replies_and_zero_means_unlimited() -> None:
    with pytest.raises(LimitError, match="DefaultPix 0x0"):
        layout("", LANDSCAPE, RenderConfig(default_pix=(0, 0)))
    assert layout("wid=5000", LANDSCAPE, RenderConfig(max_pix=(0, 0))).reply_size == (5000, 3750)
    assert layout("wid=5000", LANDSCAPE, RenderConfig(max_pix=(0, 4000))).reply_size == (
        5000,
        3750,
    )


def test_rect_tiles_deliver_views_larger_than_maxpix() -> None:
    result = layout("scl=0.5&rect=7000,5000,1000,1000")
    assert result.view_size == (8000, 6000)
    assert result.reply_size == (1000, 1000)
    with pytest.raises(LimitError):
        layout("scl=0.5&rect=0,0,4000,1000")


@pytest.mark.parametrize(
    ("ratio", "reply"),
    [(1, (816, 500)), (2, (1632, 1000)), (3, (2448, 1500))],
)
def test_dpr_multiplies_the_delivered_size(ratio, reply) -> None:
    assert layout(f"wid=816&hei=500&dpr=on,{ratio}", (1632, 1000)).reply_size == reply


def test_dpr_off_and_on_without_value_change_nothing() -> None:
    assert layout("wid=816&hei=500&dpr=off", (1632, 1000)).reply_size == (816, 500)
    assert layout("wid=816&hei=500&dpr=on", (1632, 1000)).reply_size == (816, 500)


def test_dpr_applies_to_scl_default_pix_and_rect() -> None:
    assert layout("scl=8&dpr=on,2").reply_size == (1000, 750)
    assert layout("dpr=on,2", (1000, 500)).reply_size == (2000, 1000)
    assert layout("wid=800&rect=0,0,100,100&dpr=on,2").reply_size == (200, 200)
    assert layout("wid=800&rect=0,0,100,100&dpr=on,2").window == (0, 0, 200, 200)
    assert layout("wid=800&rect=300,200,100,100&dpr=on,2").window == (600, 400, 800, 600)


def test_dpr_over_maxpix_keeps_maxpix_width_and_aspect() -> None:
    result = layout("wid=816&hei=500&dpr=on,4", (1632, 1000))
    assert result.reply_size == (3000, 1838)
    assert result.dpr == pytest.approx(3000 / 816)
    with pytest.raises(LimitError):  # already too large without dpr
        layout("wid=3200&dpr=on,2")


# --- layer transforms -------------------------------------------------------------------------


def test_no_layer_commands_is_the_source() -> None:
    layer = source_transform(LANDSCAPE, parse("wid=100"))
    assert layer.crop == (0, 0, 4000, 3000)
    assert layer.density == 1.0
    assert layer.size == LANDSCAPE


def test_crop_may_reach_outside_the_source() -> None:
    layer = source_transform((300, 200), parse("crop=-50,-20,400,100"))
    assert layer.crop == (-50, -20, 400, 100)
    assert layer.crop_box == (-50, -20, 350, 80)
    assert layer.size == (400, 100)


def test_cropn_is_relative_to_the_source() -> None:
    layer = source_transform((300, 200), parse("cropN=0.1,0.25,0.8,0.5"))
    assert layer.crop == (30, 50, 240, 100)


def test_empty_crop_is_an_error() -> None:
    with pytest.raises(RenderError, match="crop=0,0,0,10: the crop rectangle is 0x10"):
        source_transform((300, 200), parse("crop=0,0,0,10"))


@pytest.mark.parametrize(
    ("modifiers", "density", "size"),
    [
        ("size=200,0", 0.5, (200, 100)),
        ("size=0,50", 0.25, (100, 50)),
        ("size=100,100", 0.25, (100, 50)),  # fits inside, aspect kept
        ("size=800,0", 2.0, (800, 400)),  # and may enlarge
        ("size=0,0", 1.0, (400, 200)),
        ("scale=0.3", 0.3, (120, 60)),
        ("res=36", 0.5, (200, 100)),  # res / 72 without a source DPI
        ("size=200,0&scale=3&res=10", 0.5, (200, 100)),  # size beats scale beats res
        ("scale=3&res=10", 3.0, (1200, 600)),
    ],
)
def test_layer_density(modifiers, density, size) -> None:
    layer = source_transform((400, 200), parse(modifiers))
    assert layer.density == pytest.approx(density)
    assert layer.scaled_size == size


def test_res_divides_by_the_source_resolution() -> None:
    layer = source_transform((400, 200), parse("res=150"), dpi=300)
    assert layer.density == 0.5


def test_size_is_of_the_cropped_source() -> None:
    layer = source_transform((4000, 3000), parse("crop=0,0,1000,500&size=100,0"))
    assert layer.density == 0.1
    assert layer.size == (100, 50)


def test_size_n_needs_a_reference_layer() -> None:
    with pytest.raises(RenderError, match="sizeN=0.5,0 is relative to layer 0"):
        source_transform((400, 200), parse("sizeN=0.5,0"))
    layer = source_transform((400, 200), parse("sizeN=0.5,0"), reference_size=(1000, 1000))
    assert layer.size == (500, 250)


@pytest.mark.parametrize(
    ("degrees", "size"),
    [(0, (400, 200)), (90, (200, 400)), (-90, (200, 400)), (180, (400, 200)),
     (270, (200, 400)), (450, (200, 400)), (30, (448, 374)), (-30, (448, 374)),
     (45, (426, 426))],
)  # fmt: skip
def test_rotation_bounding_size(degrees, size) -> None:
    layer = source_transform((400, 200), parse(f"rotate={degrees}"))
    assert layer.rotation == degrees % 360
    assert layer.rotated_size == size


def test_rotated_size_matches_pillows_expanding_rotation() -> None:
    from PIL import Image

    for width, height, degrees in [(17, 9, 12.5), (100, 3, 33), (64, 64, 45), (5, 77, -101.25)]:
        drawn = Image.new("L", (width, height)).rotate(-degrees, expand=True)
        assert rotated_size((width, height), degrees) == drawn.size


def test_flip_is_recorded() -> None:
    assert source_transform((4, 2), parse("layer=0&flip=lrud")).flip == "lrud"
    assert source_transform((4, 2), parse("wid=4")).flip is None


def test_extend_after_rotation() -> None:
    layer = source_transform((400, 200), parse("rotate=90&extend=10,20,30,-40"))
    assert layer.extend == (10, 20, 30, -40)
    assert layer.size == (200 + 40, 400 - 20)


def test_extend_n_is_relative_to_the_rotated_layer() -> None:
    layer = source_transform((400, 200), parse("rotate=90&extendN=0.1,0.05,0,-0.5"))
    assert layer.extend == (20, 20, 0, -200)
    assert layer.size == (220, 220)


def test_extend_that_removes_everything_is_an_error() -> None:
    with pytest.raises(RenderError, match="extend=-200,0,-200,0 leaves no layer"):
        source_transform((400, 200), parse("extend=-200,0,-200,0"))


def test_all_transforms_in_order() -> None:
    layer = source_transform(
        (4000, 3000), parse("crop=-100,-100,1000,500&size=500,0&rotate=30&extend=10,-5,10,10")
    )
    assert layer.scaled_size == (500, 250)
    assert layer.rotated_size == (560, 468)
    assert layer.size == (580, 473)


# --- placement and decode scale --------------------------------------------------------------


def test_place_clips_to_the_canvas_and_maps_back() -> None:
    placement = place((100, 50), (2.0, 2.0), (-20.0, 10.0), (150, 150))
    assert placement.dest == (0, 10, 150, 110)
    assert placement.source == (10.0, 0.0, 85.0, 50.0)
    assert not placement.covers
    assert place((100, 50), (1.0, 1.0), (200.0, 0.0), (150, 150)).empty


@pytest.mark.parametrize(
    ("modifiers", "expected"),
    [
        ("wid=800", 0.2),
        ("crop=0,0,2000,1500&wid=800", 0.4),
        ("scl=1", 1.0),
        ("size=1000,0&wid=500", 0.125),
        ("wid=8000&fit=fit,1", 1.0),  # never above full resolution
        ("wid=800&dpr=on,2", 0.4),
        ("scl=2&rect=0,0,100,100,0.5", 0.25),
        ("", 0.32),
    ],
)
def test_decode_scale(modifiers, expected) -> None:
    scale = decode_scale(LANDSCAPE, parse(modifiers), RenderConfig(max_pix=(0, 0)), False)
    assert scale == pytest.approx(expected)


def test_decode_scale_raises_maxpix_before_any_decoding() -> None:
    with pytest.raises(LimitError):
        decode_scale(LANDSCAPE, parse("wid=5000"), CONFIG, alpha_output=False)
