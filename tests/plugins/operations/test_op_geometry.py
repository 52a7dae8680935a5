"""Layer source transforms drawn with Pillow: crop, size/scale/res, flip, rotate, extend."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image

from engine import RenderConfig, RenderContext, get_registry, parse
from engine.stages import Stage

LAYER_STAGES = (Stage.CROP, Stage.SIZE, Stage.FLIP, Stage.ROTATE, Stage.EXTEND)


def transform(
    image: Image.Image,
    modifiers: str,
    *,
    scale: float = 1.0,
    source_size: tuple[int, int] | None = None,
    source_dpi: float | None = None,
) -> tuple[Image.Image, RenderContext]:
    """Run the layer-0 source transforms of ``modifiers`` stage by stage, as the renderer does.

    ``scale`` is ``ctx.scale``: the image is the source decoded at that fraction of
    ``source_size`` (default: the image's own size).
    """
    plan = parse(modifiers)
    ctx = RenderContext(
        plan=plan,
        config=RenderConfig(),
        source_size=source_size or image.size,
        scale=scale,
        source_dpi=source_dpi,
    )
    operations = get_registry().operations
    for stage in LAYER_STAGES:
        nodes = {n.command: n for n in plan if n.stage == stage and n.layer == 0}
        if nodes:
            image = operations[next(iter(nodes)).lower()].apply(image, nodes, ctx)
    return image, ctx


def noise(size: tuple[int, int], mode: str = "RGB", seed: int = 3) -> Image.Image:
    width, height = size
    values = np.random.default_rng(seed).integers(0, 256, (height, width, len(mode)), np.uint8)
    return Image.fromarray(values[..., 0] if len(mode) == 1 else values)


def array(image: Image.Image) -> np.ndarray:
    return np.asarray(image)


# --- flip and quarter turns: exact ----------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "expected"),
    [("lr", np.fliplr), ("ud", np.flipud), ("lrud", lambda a: np.flipud(np.fliplr(a)))],
)
def test_flip_matches_numpy(mode, expected) -> None:
    image = noise((7, 5))
    result, _ = transform(image, f"layer=0&flip={mode}")
    assert np.array_equal(array(result), expected(array(image)))


@pytest.mark.parametrize(("degrees", "turns"), [(90, -1), (180, -2), (270, -3), (-90, 1)])
def test_quarter_turns_are_clockwise_and_exact(degrees, turns) -> None:
    image = noise((7, 5), "RGBA")
    result, _ = transform(image, f"rotate={degrees}")
    assert result.mode == "RGBA"
    assert np.array_equal(array(result), np.rot90(array(image), turns))


def test_flip_comes_before_rotate() -> None:
    image = noise((6, 4))
    result, _ = transform(image, "layer=0&rotate=90&flip=lr")
    assert np.array_equal(array(result), np.rot90(np.fliplr(array(image)), -1))


_NUMPY_FLIPS = {"lr": np.fliplr, "ud": np.flipud, "lrud": lambda a: np.flipud(np.fliplr(a))}


@pytest.mark.parametrize("flip", sorted(_NUMPY_FLIPS))
@pytest.mark.parametrize("degrees", [0, 90, 180, 270, -90, 450])
def test_every_flip_and_quarter_turn_pair_is_one_exact_transpose(flip, degrees) -> None:
    image = noise((7, 4))
    result, _ = transform(image, f"layer=0&flip={flip}&rotate={degrees}")
    expected = np.rot90(_NUMPY_FLIPS[flip](array(image)), -(degrees // 90))
    assert np.array_equal(array(result), expected)


def test_rotate_zero_returns_the_image() -> None:
    image = noise((6, 4))
    result, _ = transform(image, "rotate=360")
    assert result is image


# --- any angle ----------------------------------------------------------------------------------


def _plane(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Three linear colour planes: sampling them anywhere inside is exact for any filter."""
    return np.stack([40 + 3 * x, 30 + 4 * y, 200 - 1.5 * x - y], axis=-1)


def test_rotate_30_degrees_clockwise_pixelwise() -> None:
    width, height = 60, 40
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    image = Image.fromarray(np.rint(_plane(x, y)).astype(np.uint8))
    result, _ = transform(image, "rotate=30")
    assert result.size == (72, 66)  # the bounding box of the rotated 60x40 rectangle
    assert result.mode == "RGBA"  # corners are transparent without bgColor
    # Map every output pixel centre back into the source: a clockwise turn on screen (y down)
    # means the source point is the output point turned counter-clockwise about the centres.
    theta = math.radians(30)
    v, u = np.mgrid[0 : result.height, 0 : result.width] + 0.5
    du, dv = u - result.width / 2, v - result.height / 2
    sx = math.cos(theta) * du + math.sin(theta) * dv + width / 2
    sy = -math.sin(theta) * du + math.cos(theta) * dv + height / 2
    inside = (sx > 2) & (sx < width - 2) & (sy > 2) & (sy < height - 2)
    outside = (sx < -1) | (sx > width + 1) | (sy < -1) | (sy > height + 1)
    expected = _plane(sx[inside] - 0.5, sy[inside] - 0.5)
    out = array(result).astype(np.float64)
    assert inside.sum() > 1500 and outside.sum() > 500
    assert np.abs(out[inside][:, :3] - expected).max() <= 1.5
    assert (out[inside][:, 3] == 255).all()
    assert (out[outside][:, 3] == 0).all()


def test_rotation_corners_take_bgcolor() -> None:
    image = Image.new("RGB", (40, 20), (0, 0, 255))
    result, _ = transform(image, "rotate=45&bgColor=255,0,0")
    assert result.mode == "RGB"
    assert result.getpixel((0, 0)) == (255, 0, 0)
    assert result.getpixel((result.width // 2, result.height // 2)) == (0, 0, 255)


def test_rotating_gray_adds_gray_alpha() -> None:
    result, _ = transform(Image.new("L", (40, 20), 200), "rotate=10")
    assert result.mode == "LA"
    assert result.getpixel((0, 0))[1] == 0
    assert result.getpixel((result.width // 2, result.height // 2)) == (200, 255)


# --- crop -----------------------------------------------------------------------------------------


def test_crop_inside_is_a_slice() -> None:
    image = noise((30, 20))
    result, _ = transform(image, "crop=5,3,10,12")
    assert np.array_equal(array(result), array(image)[3:15, 5:15])


def test_crop_n_is_normalised() -> None:
    image = noise((30, 20))
    result, _ = transform(image, "cropN=0.1,0.25,0.5,0.5")
    assert np.array_equal(array(result), array(image)[5:15, 3:18])


def test_full_crop_returns_the_image() -> None:
    image = noise((30, 20))
    result, _ = transform(image, "crop=0,0,30,20")
    assert result is image


def test_crop_outside_the_source_is_transparent() -> None:
    image = noise((30, 20))
    result, _ = transform(image, "crop=-10,-5,45,30")
    assert result.size == (45, 30) and result.mode == "RGBA"
    pixels = array(result)
    assert np.array_equal(pixels[5:25, 10:40, :3], array(image))
    assert (pixels[5:25, 10:40, 3] == 255).all()
    assert (pixels[:5, :, 3] == 0).all() and (pixels[25:, :, 3] == 0).all()
    assert (pixels[:, :10, 3] == 0).all() and (pixels[:, 40:, 3] == 0).all()


def test_crop_outside_the_source_takes_bgcolor() -> None:
    image = noise((30, 20))
    result, _ = transform(image, "crop=-10,-5,45,30&bgColor=255,0,0")
    assert result.mode == "RGB"
    pixels = array(result)
    assert np.array_equal(pixels[5:25, 10:40], array(image))
    assert (pixels[:5] == (255, 0, 0)).all() and (pixels[:, 40:] == (255, 0, 0)).all()


def test_translucent_bgcolor_keeps_its_alpha() -> None:
    result, _ = transform(noise((10, 10)), "crop=-2,0,12,10&bgColor=0,255,0,128")
    assert result.mode == "RGBA"
    assert result.getpixel((0, 5)) == (0, 255, 0, 128)


# --- extend ---------------------------------------------------------------------------------


def test_extend_adds_bgcolor_margins() -> None:
    image = noise((30, 20))
    result, _ = transform(image, "extend=1,2,3,4&bgColor=0,0,0")
    assert result.size == (34, 26)
    pixels = array(result)
    assert np.array_equal(pixels[2:22, 1:31], array(image))
    assert (pixels[:2] == 0).all() and (pixels[22:] == 0).all()
    assert (pixels[:, :1] == 0).all() and (pixels[:, 31:] == 0).all()


def test_extend_without_bgcolor_is_transparent() -> None:
    result, _ = transform(noise((30, 20), "L"), "extend=5,0,0,0")
    assert result.mode == "LA" and result.size == (35, 20)
    assert (array(result)[:, :5, 1] == 0).all() and (array(result)[:, 5:, 1] == 255).all()


def test_negative_extend_crops() -> None:
    image = noise((30, 20))
    result, _ = transform(image, "extend=-3,-2,-5,-1")
    assert result.mode == "RGB"
    assert np.array_equal(array(result), array(image)[2:19, 3:25])


def test_extend_n_is_relative_to_the_rotated_layer() -> None:
    image = noise((40, 20))
    result, _ = transform(image, "rotate=90&extendN=0.5,0,0,-0.25&bgColor=0,0,0")
    assert result.size == (30, 30)
    assert np.array_equal(array(result)[:, 10:], np.rot90(array(image), -1)[:30])


# --- size, scale, res -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("modifiers", "size", "density"),
    [("size=100,0", (100, 50), 0.5), ("size=100,100", (100, 50), 0.5),
     ("scale=0.25", (50, 25), 0.25), ("res=36", (100, 50), 0.5)],
)  # fmt: skip
def test_size_scale_res_resize_and_update_the_scale(modifiers, size, density) -> None:
    result, ctx = transform(noise((200, 100)), modifiers)
    assert result.size == size
    assert ctx.scale == density


def test_res_uses_the_source_dpi() -> None:
    result, ctx = transform(noise((200, 100)), "res=75", source_dpi=300.0)
    assert result.size == (50, 25)
    assert ctx.scale == 0.25


def test_size_applies_to_the_cropped_source() -> None:
    result, ctx = transform(noise((200, 100)), "crop=0,0,100,100&size=50,0")
    assert result.size == (50, 50)
    assert ctx.scale == 0.5


def test_size_leaves_images_at_or_below_the_layer_density_alone() -> None:
    # Decoded at 1/4 already; the layer wants 1/2: the view transform scales the rest.
    image = noise((50, 25))
    result, ctx = transform(image, "size=100,0", scale=0.25, source_size=(200, 100))
    assert result is image
    assert ctx.scale == 0.25
    enlarged, ctx = transform(image, "scale=2")
    assert enlarged is image and ctx.scale == 1.0


# --- reduced decodes: the same layout at ctx.scale 0.5 -------------------------------------------


def _blocks(size: tuple[int, int], block: int = 4) -> Image.Image:
    """Solid ``block``-pixel squares, so halving with a box filter is exact."""
    width, height = size
    cells = noise((width // block, height // block))
    return cells.resize(size, Image.Resampling.NEAREST)


@pytest.mark.parametrize(
    "modifiers",
    [
        "crop=20,8,120,60",
        "crop=-20,-8,160,60&bgColor=255,0,0",
        "crop=20,8,120,60&rotate=90&extend=8,4,12,-8&bgColor=0,0,255",
        "layer=0&flip=lr&extend=-8,-4,16,0",
    ],
)
def test_reduced_source_gives_the_same_layout(modifiers) -> None:
    full = _blocks((200, 100))
    half = full.reduce(2)
    at_full, ctx_full = transform(full, modifiers)
    at_half, ctx_half = transform(half, modifiers, scale=0.5, source_size=full.size)
    assert at_half.size == (at_full.width // 2, at_full.height // 2)
    assert ctx_half.scale == 0.5 and ctx_full.scale == 1.0
    assert np.array_equal(array(at_half), array(at_full.reduce(2)))


def test_rotation_works_on_no_more_pixels_than_the_view_needs() -> None:
    image = noise((400, 300))
    result, ctx = transform(image, "rotate=30&wid=50")  # the reply needs 1/10 of the pixels
    assert ctx.scale == pytest.approx(1 / 3)  # box-reduced by 3 = 10 // reducing_gap 3
    assert result.size == Image.new("L", (133, 100)).rotate(-30, expand=True).size
    untouched, ctx = transform(image, "rotate=30&wid=200")
    assert ctx.scale == 1.0 and untouched.size == (498, 460)
