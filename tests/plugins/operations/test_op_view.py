"""The view transform and rect= drawn with Pillow: sizes, placement, fill, tiles, resampling."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from engine import LimitError, RenderConfig, RenderContext, get_registry, parse
from engine.stages import Stage

#: Small limits keep the images of these tests small.
CONFIG = RenderConfig(default_pix=(200, 200), max_pix=(2000, 2000))
RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)


def render(
    image: Image.Image,
    modifiers: str,
    *,
    config: RenderConfig = CONFIG,
    scale: float = 1.0,
    source_size: tuple[int, int] | None = None,
) -> tuple[Image.Image, RenderContext]:
    """The renderer's geometry path: layer-0 transforms, the view (always), then rect=."""
    plan = parse(modifiers)
    alpha = get_registry().formats[plan.arg("fmt", "format", "jpeg")].alpha
    ctx = RenderContext(
        plan=plan,
        config=config,
        source_size=source_size or image.size,
        scale=scale,
        alpha_output=alpha,
    )
    operations = get_registry().operations
    for stage in (Stage.CROP, Stage.SIZE, Stage.FLIP, Stage.ROTATE, Stage.EXTEND):
        nodes = {n.command: n for n in plan if n.stage == stage and n.layer == 0}
        if nodes:
            image = operations[next(iter(nodes)).lower()].apply(image, nodes, ctx)
    view = {n.command: n for n in plan if n.stage == Stage.VIEW}
    image = operations["wid"].apply(image, view, ctx)
    if plan.get("rect") is not None:
        image = operations["rect"].apply(image, {"rect": plan.get("rect")}, ctx)
    return image, ctx


def solid(size: tuple[int, int], color=BLUE, mode: str = "RGB") -> Image.Image:
    return Image.new(mode, size, color)


def smooth(size: tuple[int, int]) -> Image.Image:
    width, height = size
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    planes = np.stack(
        [127 + 100 * np.sin(x / 23), 127 + 100 * np.cos(y / 19), 127 + 90 * np.sin((x + y) / 31)],
        axis=-1,
    )
    return Image.fromarray(np.rint(planes).astype(np.uint8))


def quadrants(size: tuple[int, int] = (400, 300)) -> Image.Image:
    """Red top-left, green top-right, blue bottom-left, white bottom-right."""
    width, height = size
    image = Image.new("RGB", size, WHITE)
    image.paste(RED, (0, 0, width // 2, height // 2))
    image.paste(GREEN, (width // 2, 0, width, height // 2))
    image.paste(BLUE, (0, height // 2, width // 2, height))
    return image


# --- reply sizes ------------------------------------------------------------------------------

FIT_SIZES = [  # mode, wid=hei=100 on 400x300, wid=hei=800 upscale 0, upscale 1
    ("fit", (100, 100), (800, 800), (800, 800)),
    ("constrain", (100, 75), (400, 300), (800, 600)),
    ("crop", (100, 100), (800, 800), (800, 800)),
    ("wrap", (133, 100), (400, 300), (1067, 800)),
    ("stretch", (100, 100), (400, 300), (800, 800)),
    ("hfit", (100, 100), (800, 800), (800, 800)),
    ("vfit", (100, 100), (800, 800), (800, 800)),
]


@pytest.mark.parametrize(("mode", "down", "capped", "upscaled"), FIT_SIZES)
def test_fit_mode_reply_sizes(mode, down, capped, upscaled) -> None:
    # Portrait sources mirror the landscape sizes.
    flip = tuple(tuple(reversed(size)) for size in (down, capped, upscaled))
    for source, (d, c, u) in (((400, 300), (down, capped, upscaled)), ((300, 400), flip)):
        image = solid(source)
        assert render(image, f"wid=100&hei=100&fit={mode}")[0].size == d
        assert render(image, f"wid=800&hei=800&fit={mode},0")[0].size == c
        assert render(image, f"wid=800&hei=800&fit={mode},1")[0].size == u


@pytest.mark.parametrize(
    ("modifiers", "landscape", "portrait"),
    [
        ("wid=100", (100, 75), (100, 133)),
        ("hei=60", (80, 60), (45, 60)),
        ("scl=4", (100, 75), (75, 100)),
        ("", (200, 150), (150, 200)),  # DefaultPix 200x200
        ("wid=800&hei=800", (800, 800), (800, 800)),  # upscales without fit=
        ("scl=2&hei=100", (200, 100), (150, 100)),
    ],
)
def test_reply_sizes_without_fit(modifiers, landscape, portrait) -> None:
    assert render(solid((400, 300)), modifiers)[0].size == landscape
    assert render(solid((300, 400)), modifiers)[0].size == portrait


def test_crop_mode_keeps_the_middle() -> None:
    result, _ = render(quadrants(), "wid=100&hei=100&fit=crop")
    assert result.getpixel((2, 2)) == RED and result.getpixel((97, 97)) == WHITE


def test_stretch_changes_the_aspect_ratio() -> None:
    result, _ = render(quadrants(), "wid=100&hei=200&fit=stretch")
    assert result.getpixel((25, 50)) == RED and result.getpixel((75, 150)) == WHITE
    assert result.getpixel((25, 150)) == BLUE and result.getpixel((75, 50)) == GREEN


# --- placement and fill -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("align", "image_rows", "fill_rows"),
    [("-1,-1", (2, 72), (78, 97)), ("1,1", (28, 97), (2, 22)), ("0,0", (15, 85), (2, 97))],
)
def test_align_and_bgc_read_back(align, image_rows, fill_rows) -> None:
    result, _ = render(solid((400, 300)), f"wid=100&hei=100&align={align}&bgc=255,0,0")
    assert result.size == (100, 100)
    for row in image_rows:
        assert result.getpixel((50, row)) == BLUE
    for row in fill_rows:
        assert result.getpixel((50, row)) == RED


def test_align_moves_whitespace_horizontally() -> None:
    result, _ = render(solid((300, 400)), "wid=100&hei=100&align=1,0&bgc=0,255,0")
    assert result.getpixel((10, 50)) == GREEN and result.getpixel((90, 50)) == BLUE


def test_default_fill_is_the_configured_bkg_color() -> None:
    result, _ = render(solid((400, 300)), "wid=100&hei=100")
    assert result.getpixel((50, 2)) == WHITE
    gray = RenderConfig(default_pix=(200, 200), bkg_color=parse("bgc=0x40").get("bgc").args[0])
    result, _ = render(solid((400, 300)), "wid=100&hei=100", config=gray)
    assert result.getpixel((50, 2)) == (64, 64, 64)


def test_bgc_ignores_alpha_and_follows_the_image_mode() -> None:
    result, _ = render(solid((400, 300), 200, "L"), "wid=100&hei=100&bgc=0x80")
    assert result.mode == "L"
    assert result.getpixel((50, 2)) == 128 and result.getpixel((50, 50)) == 200
    result, _ = render(solid((400, 300)), "wid=100&hei=100&bgc=255,0,0,0")
    assert result.mode == "RGB" and result.getpixel((50, 2)) == RED


def test_alpha_formats_leave_uncovered_areas_transparent() -> None:
    result, _ = render(solid((400, 300)), "wid=100&hei=100&bgc=255,0,0&fmt=png-alpha")
    assert result.mode == "RGBA"
    assert result.getpixel((50, 2))[3] == 0 and result.getpixel((50, 50)) == (*BLUE, 255)
    result, _ = render(solid((400, 300), 90, "L"), "wid=100&hei=100&fmt=png-alpha")
    assert result.mode == "LA" and result.getpixel((50, 2))[1] == 0


def test_crop_transparency_stays_for_alpha_formats() -> None:
    result, _ = render(solid((100, 100)), "crop=-100,0,200,100&fmt=png-alpha")
    assert result.size == (200, 100)
    assert result.getpixel((10, 50))[3] == 0 and result.getpixel((150, 50)) == (*BLUE, 255)


# --- rgn ---------------------------------------------------------------------------------------


def test_rgn_selects_the_region_the_view_shows() -> None:
    result, _ = render(quadrants(), "rgn=200,150,200,150")
    assert result.size == (200, 150)
    assert np.all(np.asarray(result) == WHITE)


def test_rgn_shows_neighbouring_composite_pixels_when_the_view_is_wider() -> None:
    result, _ = render(quadrants(), "rgn=200,150,100,100&wid=200&hei=100")
    assert result.size == (200, 100)
    assert result.getpixel((20, 50)) == BLUE  # composite x 170: left of the region
    assert result.getpixel((120, 50)) == WHITE


def test_rgn_outside_the_composite_is_filled() -> None:
    result, _ = render(quadrants(), "rgn=300,200,200,200&bgc=0,255,0")
    assert result.size == (200, 200)
    assert result.getpixel((50, 50)) == WHITE and result.getpixel((150, 150)) == GREEN


# --- rect -------------------------------------------------------------------------------------


def test_rect_tiles_reassemble_into_the_view() -> None:
    image = smooth((400, 300))
    full, _ = render(image, "wid=300")
    assert full.size == (300, 225)
    canvas = Image.new("RGB", (300, 240))
    for x in (0, 150):
        for y in (0, 120):
            tile, _ = render(image, f"wid=300&rect={x},{y},150,120")
            assert tile.size == (150, 120)
            canvas.paste(tile, (x, y))
    assert np.array_equal(np.asarray(canvas)[:225], np.asarray(full))
    assert np.all(np.asarray(canvas)[225:] == WHITE)  # below the view: bgc


def test_rect_scale_renders_at_that_resolution() -> None:
    image = smooth((400, 300))
    tile, ctx = render(image, "wid=300&rect=100,50,120,80,2")
    larger, _ = render(image, "wid=600")
    assert tile.size == (120, 80)
    # The same mapping; Pillow's fixed-point filter weights may round one level apart.
    difference = np.asarray(tile, np.int16) - np.asarray(larger, np.int16)[50:130, 100:220]
    assert np.abs(difference).max() <= 1
    assert ctx.scale == 1.5


def test_rect_outside_the_view_is_fill_or_transparent() -> None:
    result, _ = render(solid((400, 300)), "wid=100&rect=80,0,40,40&bgc=255,0,0")
    assert result.getpixel((10, 10)) == BLUE and result.getpixel((30, 10)) == RED
    result, _ = render(solid((400, 300)), "wid=100&rect=500,500,40,40&fmt=png-alpha")
    assert result.size == (40, 40) and result.getpixel((20, 20))[3] == 0


def test_rect_delivers_tiles_of_views_larger_than_maxpix() -> None:
    small_limit = RenderConfig(default_pix=(200, 200), max_pix=(300, 300))
    with pytest.raises(LimitError, match="reply size 400x300 exceeds MaxPix 300x300"):
        render(solid((400, 300)), "scl=1", config=small_limit)
    tile, _ = render(solid((400, 300)), "scl=1&rect=200,100,200,200", config=small_limit)
    assert tile.size == (200, 200)


# --- MaxPix, dpr, density ----------------------------------------------------------------------


def test_maxpix_is_a_limit_error() -> None:
    with pytest.raises(LimitError, match=r"reply size 2400x1800 .* \(composite 400x300 with wid"):
        render(solid((400, 300)), "wid=2400")


def test_dpr_multiplies_the_reply() -> None:
    result, ctx = render(smooth((400, 300)), "wid=100&hei=100&dpr=on,2")
    assert result.size == (200, 200)
    assert ctx.scale == 0.5


def test_dpr_is_capped_by_maxpix_keeping_the_aspect_ratio() -> None:
    config = RenderConfig(max_pix=(300, 300))
    result, _ = render(smooth((400, 300)), "wid=200&dpr=on,3", config=config)
    assert result.size == (300, 225)


def test_view_sets_the_reply_density() -> None:
    _, ctx = render(smooth((400, 300)), "wid=100")
    assert ctx.scale == 0.25
    _, ctx = render(smooth((400, 300)), "size=200,0&wid=40")  # layer 200x150, view 40x30
    assert ctx.scale == 0.1


# --- no copies when nothing changes ------------------------------------------------------------


@pytest.mark.parametrize("modifiers", ["scl=1", "wid=400", "hei=300", "", "wid=400&hei=300"])
def test_unchanged_views_return_the_same_image(modifiers) -> None:
    image = smooth((400, 300)) if modifiers else smooth((160, 120))
    result, ctx = render(image, modifiers)
    assert result is image
    assert ctx.scale == 1.0


def test_whole_pixel_crops_do_not_resample() -> None:
    image = smooth((400, 300))
    result, _ = render(image, "scl=1&wid=100&hei=100&align=-1,-1")
    assert np.array_equal(np.asarray(result), np.asarray(image)[:100, :100])


# --- reduced decodes and resampling ----------------------------------------------------------


@pytest.mark.parametrize(
    "modifiers", ["wid=100", "crop=40,20,300,200&rotate=90&wid=80&hei=80", "hei=100&fit=crop"]
)
def test_a_reduced_source_gives_the_same_reply(modifiers) -> None:
    full = smooth((400, 300))
    half = full.resize((200, 150), Image.Resampling.LANCZOS)
    at_full, ctx_full = render(full, modifiers)
    at_half, ctx_half = render(half, modifiers, scale=0.5, source_size=(400, 300))
    assert at_half.size == at_full.size
    assert ctx_half.scale == ctx_full.scale
    difference = np.abs(np.asarray(at_half, np.int16) - np.asarray(at_full, np.int16))
    assert difference.mean() < 1.5


@pytest.mark.parametrize(
    ("mode", "resample"),
    [("bilin", Image.Resampling.BILINEAR), ("bicub", Image.Resampling.BICUBIC),
     ("sharp2", Image.Resampling.LANCZOS), ("sharp", Image.Resampling.LANCZOS)],
)  # fmt: skip
def test_res_mode_selects_the_filter(mode, resample) -> None:
    image = smooth((400, 300))
    result, _ = render(image, f"wid=60&resMode={mode}")
    expected = image.resize((60, 45), resample, reducing_gap=3.0)
    assert np.array_equal(np.asarray(result), np.asarray(expected))


def test_res_mode_defaults_to_the_configuration() -> None:
    image = smooth((400, 300))
    result, _ = render(image, "wid=60", config=RenderConfig(res_mode="bilin"))
    expected = image.resize((60, 45), Image.Resampling.BILINEAR, reducing_gap=3.0)
    assert np.array_equal(np.asarray(result), np.asarray(expected))


def test_bisharp_sharpens_reductions_and_trilin_reduces_by_pyramid_level() -> None:
    image = smooth((400, 300))
    bicub = np.asarray(render(image, "wid=60&resMode=bicub")[0], np.int16)
    bisharp = np.asarray(render(image, "wid=60&resMode=bisharp")[0], np.int16)
    assert bisharp.shape == bicub.shape and np.abs(bisharp - bicub).max() > 0
    trilin = render(image, "wid=60&resMode=trilin")[0]
    expected = image.resize((60, 45), Image.Resampling.BILINEAR, reducing_gap=1.0)
    assert np.array_equal(np.asarray(trilin), np.asarray(expected))


def test_reducing_before_a_rotation_keeps_the_reply() -> None:
    image = smooth((400, 300))
    result, _ = render(image, "rotate=30&wid=50&bgColor=255,255,255")
    white = (255, 255, 255)
    rotated = image.rotate(-30, Image.Resampling.BICUBIC, expand=True, fillcolor=white)
    expected = rotated.resize(result.size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    assert result.size == (50, 46)
    # Inside the rotated rectangle (its edges run diagonally through the reply).
    centre = (slice(13, 33), slice(15, 35))
    got, want = np.asarray(result, np.int16)[centre], np.asarray(expected, np.int16)[centre]
    assert np.abs(got - want).mean() < 2
