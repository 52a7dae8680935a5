"""Layer source transforms with Pillow: crop, size/scale/res, flip, rotate, extend (§3.4).

``engine.geometry`` plans every size in full-resolution units; these operations draw the plan
on an image that may already be smaller (a JPEG decoded at 1/4: ``ctx.scale`` is the image's
pixels per full-resolution pixel). Areas outside the source (crop, rotation corners, extend)
take the layer's ``bgColor=``, or stay transparent without one (the image gains an alpha
channel).

Also the resampling shared with the view transform, chosen by ``resMode=`` (§3.2), and the
drawing of a :class:`~engine.geometry.Placement`.

* ``bilin`` → bilinear, ``bicub`` → bicubic, ``sharp2`` (and the deprecated ``sharp``) →
  Lanczos, all with ``reducing_gap`` :data:`REDUCING_GAP`: big reductions first shrink by an
  integer factor with a box filter, then resample the last ≥3× with the filter; the result is
  indistinguishable from a full resample (Pillow's documentation) at a fraction of the cost.
* ``bisharp`` (Photoshop's "bicubic sharper") → bicubic, then a light unsharp mask
  (:data:`BISHARP_MASK`) when the image was reduced.
* ``trilin`` (IS: trilinear between pyramid levels) → box-reduce to the pyramid level just
  above the target (``reducing_gap`` 1), then bilinear: no blend between two levels.
* Rotation by other angles than multiples of 90° is always bicubic (Pillow's affine transforms
  offer no Lanczos). It first box-filters the image down by the integer factor the view's
  ``reducing_gap`` would use anyway, so a PNG or TIFF (no reduced decode) is not rotated at
  full resolution only to be reduced afterwards.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cache

from PIL import Image, ImageFilter

from engine.config import RenderConfig
from engine.errors import RenderError
from engine.geometry import (
    LayerGeometry,
    Placement,
    check_pixels,
    rotated_size,
    round_half_up,
    source_transform,
    transpose_box,
    view_layout,
)
from engine.hookspecs import hookimpl
from engine.operations import Operation, RenderContext
from engine.plan import Layer, Node, Plan
from engine.registry import Registrar
from engine.stages import Stage

REDUCING_GAP = 3.0
BISHARP_MASK = ImageFilter.UnsharpMask(radius=0.8, percent=60, threshold=1)
TRANSPARENT = (0, 0, 0, 0)

_R = Image.Resampling
#: resMode → (filter, reducing_gap)
_RESAMPLING = {
    "bilin": (_R.BILINEAR, REDUCING_GAP),
    "bicub": (_R.BICUBIC, REDUCING_GAP),
    "sharp2": (_R.LANCZOS, REDUCING_GAP),
    "sharp": (_R.LANCZOS, REDUCING_GAP),
    "bisharp": (_R.BICUBIC, REDUCING_GAP),
    "trilin": (_R.BILINEAR, 1.0),
}
_ALPHA_MODES = {"RGB": "RGBA", "RGBA": "RGBA", "L": "LA", "LA": "LA"}
_EPSILON = 1e-6


# --- shared pixel helpers ------------------------------------------------------------------


def res_mode(plan: Plan, config: RenderConfig) -> str:
    """The request's ``resMode=``, else the configured default."""
    mode = plan.arg("resMode", "mode", config.res_mode)
    if mode not in _RESAMPLING:
        raise RenderError(
            f"resMode {mode!r} (configured default) is unknown; expected one of "
            + "|".join(_RESAMPLING)
        )
    return mode


def resize(
    image: Image.Image,
    size: tuple[int, int],
    box: tuple[float, float, float, float] | None,
    mode: str,
) -> Image.Image:
    """Crop ``box`` (default: everything) and scale it to ``size`` in one resample."""
    resample, gap = _RESAMPLING[mode]
    result = image.resize(size, resample, box=box, reducing_gap=gap)
    if mode == "bisharp" and _reduced(image, size, box):
        result = result.filter(BISHARP_MASK)
    return result


def _reduced(image: Image.Image, size: tuple[int, int], box: tuple[float, ...] | None) -> bool:
    left, top, right, bottom = box or (0, 0, *image.size)
    return size[0] < right - left or size[1] < bottom - top


def layer_fill(plan: Plan, layer: Layer | None) -> tuple[int, int, int, int]:
    """RGBA of a layer's uncovered areas: ``bgColor=`` (alpha kept), else transparent."""
    node = plan.get("bgColor", layer)
    return node.arg("color").to_rgba8() if node is not None else TRANSPARENT


def with_alpha(image: Image.Image) -> Image.Image:
    """The image in the alpha-carrying variant of its mode (RGB → RGBA, L → LA)."""
    mode = _ALPHA_MODES.get(image.mode, "RGBA")
    return image if image.mode == mode else image.convert(mode)


def prepare_fill(
    image: Image.Image, rgba: tuple[int, int, int, int]
) -> tuple[Image.Image, float | tuple[int, ...]]:
    """The image (with alpha if the fill is not opaque) and the fill value in its mode."""
    if rgba[3] < 255:
        image = with_alpha(image)
    value = Image.new("RGBA", (1, 1), rgba).convert(image.mode).getpixel((0, 0))
    return image, value  # type: ignore[return-value]


def cut(
    image: Image.Image, box: tuple[int, int, int, int], rgba: tuple[int, int, int, int]
) -> Image.Image:
    """The ``box`` of the image (it may reach outside; that part is filled with ``rgba``)."""
    if box == (0, 0, *image.size):
        return image
    left, top, right, bottom = box
    if left >= 0 and top >= 0 and right <= image.width and bottom <= image.height:
        return image.crop(box)
    image, value = prepare_fill(image, rgba)
    canvas = Image.new(image.mode, (right - left, bottom - top), value)  # type: ignore[arg-type]
    canvas.paste(image, (-left, -top))
    return canvas


def draw(
    image: Image.Image,
    placement: Placement,
    to_image: tuple[float, float],
    rgba: tuple[int, int, int, int],
    mode: str,
    origin: tuple[float, float] = (0.0, 0.0),
) -> Image.Image:
    """Render a placement: its source box (``to_image`` maps source units to image pixels from
    ``origin``) in one resample onto a canvas filled with ``rgba``; the same image when
    nothing changes."""
    if placement.empty:
        image, value = prepare_fill(image, rgba)
        return Image.new(image.mode, placement.canvas, value)  # type: ignore[arg-type]
    left, top, right, bottom = placement.dest
    fx, fy = to_image
    ox, oy = origin
    sl, st, sr, sb = placement.source
    box = (
        ox + sl * fx,
        oy + st * fy,
        min(ox + sr * fx, image.width),
        min(oy + sb * fy, image.height),
    )
    part = _resample(image, (right - left, bottom - top), box, mode)
    if placement.covers:
        return part
    part, value = prepare_fill(part, rgba)
    canvas = Image.new(part.mode, placement.canvas, value)  # type: ignore[arg-type]
    canvas.paste(part, (left, top))
    return canvas


def _resample(
    image: Image.Image,
    size: tuple[int, int],
    box: tuple[float, float, float, float],
    mode: str,
) -> Image.Image:
    whole = box[2] - box[0], box[3] - box[1]
    same_size = abs(whole[0] - size[0]) < _EPSILON and abs(whole[1] - size[1]) < _EPSILON
    if same_size and all(abs(v - round(v)) < _EPSILON for v in box):
        return cut(image, tuple(round(v) for v in box), TRANSPARENT)  # type: ignore[arg-type]
    return resize(image, size, box, mode)


# --- the layer operations ------------------------------------------------------------------


def _layer(nodes: Mapping[str, Node]) -> Layer | None:
    return next(iter(nodes.values())).layer


def _command(nodes: Mapping[str, Node]) -> str:
    """The request's spelling of the (one) command an operation draws, for messages."""
    return "&".join(node.to_modifier() for node in nodes.values())


def _geometry(nodes: Mapping[str, Node], ctx: RenderContext) -> LayerGeometry:
    return source_transform(ctx.source_size, ctx.plan, layer=_layer(nodes) or 0, dpi=ctx.source_dpi)


def _crop(image: Image.Image, nodes: Mapping[str, Node], ctx: RenderContext) -> Image.Image:
    geometry = _geometry(nodes, ctx)
    # The image is the whole source decoded at ctx.scale, from the content box's corner.
    ox, oy = ctx.content[:2] if ctx.content is not None else (0.0, 0.0)
    left, top, right, bottom = geometry.crop_box
    exact = (ox + left * ctx.scale, oy + top * ctx.scale,
             ox + right * ctx.scale, oy + bottom * ctx.scale)  # fmt: skip
    # Whole pixels covering the exact box; the content box keeps the fractions for the view.
    x0, y0 = math.floor(exact[0] + _EPSILON), math.floor(exact[1] + _EPSILON)
    x1 = max(x0 + 1, math.ceil(exact[2] - _EPSILON))
    y1 = max(y0 + 1, math.ceil(exact[3] - _EPSILON))
    box = (x0, y0, x1, y1)
    check_pixels((x1 - x0, y1 - y0), ctx.config, _command(nodes))
    image = cut(image, box, layer_fill(ctx.plan, _layer(nodes)))
    content = (exact[0] - x0, exact[1] - y0, exact[2] - x0, exact[3] - y0)
    ctx.content = None if _whole(content, image.size) else content
    return image


def _whole(box: tuple[float, float, float, float], size: tuple[int, int]) -> bool:
    return all(abs(a - b) < _EPSILON for a, b in zip(box, (0, 0, *size), strict=True))


def _size(image: Image.Image, nodes: Mapping[str, Node], ctx: RenderContext) -> Image.Image:
    geometry = _geometry(nodes, ctx)
    if ctx.scale <= geometry.density * (1 + _EPSILON):
        return image  # already no denser than the layer: the view transform scales the rest
    image = resize(image, geometry.scaled_size, ctx.content, res_mode(ctx.plan, ctx.config))
    ctx.scale = geometry.density
    ctx.content = None
    return image


_FLIPS = {
    "lr": Image.Transpose.FLIP_LEFT_RIGHT,
    "ud": Image.Transpose.FLIP_TOP_BOTTOM,
    "lrud": Image.Transpose.ROTATE_180,
}
#: Clockwise quarter turns (IS) as Pillow's counter-clockwise transposes.
_QUARTER_TURNS = {
    90.0: Image.Transpose.ROTATE_270,
    180.0: Image.Transpose.ROTATE_180,
    270.0: Image.Transpose.ROTATE_90,
}


@cache
def _composed(first: Image.Transpose, then: Image.Transpose) -> Image.Transpose | None:
    """The single transpose equal to ``first`` followed by ``then`` (None: the identity).

    Found by applying both to a tiny image with distinct pixels, so no table can be wrong.
    """
    probe = Image.frombytes("L", (3, 2), bytes(range(6)))
    target = probe.transpose(first).transpose(then)
    if target.tobytes() == probe.tobytes():
        return None
    return next(
        t
        for t in Image.Transpose
        if probe.transpose(t).tobytes() == target.tobytes()
        and probe.transpose(t).size == target.size
    )


def _transpose(image: Image.Image, method: Image.Transpose, ctx: RenderContext) -> Image.Image:
    if ctx.content is not None:
        ctx.content = transpose_box(ctx.content, image.size, method)
    return image.transpose(method)


def _orient(image: Image.Image, nodes: Mapping[str, Node], ctx: RenderContext) -> Image.Image:
    """flip= then rotate= (IS's order); a flip and a quarter turn become one transpose."""
    flip = _FLIPS[nodes["flip"].arg("mode")] if "flip" in nodes else None
    angle = nodes["rotate"].arg("degrees") % 360.0 if "rotate" in nodes else 0.0
    turn = _QUARTER_TURNS.get(angle)
    if flip is not None and turn is not None:
        combined = _composed(flip, turn)
        return image if combined is None else _transpose(image, combined, ctx)
    if flip is not None:
        image = _transpose(image, flip, ctx)
    if turn is not None:
        return _transpose(image, turn, ctx)
    if angle == 0.0:
        return image
    image = _reduce_for_view(image, nodes, ctx)
    check_pixels(rotated_size(image.size, angle), ctx.config, nodes["rotate"].to_modifier())
    ctx.content = None  # a partly covered edge left unreduced is rotated as it is
    image, value = prepare_fill(image, layer_fill(ctx.plan, _layer(nodes)))
    return image.rotate(-angle, resample=_R.BICUBIC, expand=True, fillcolor=value)


def _reduce_for_view(
    image: Image.Image, nodes: Mapping[str, Node], ctx: RenderContext
) -> Image.Image:
    """Box-filter by the integer factor that the view's resample would reduce by anyway
    (``reducing_gap``), so that an expensive rotation works on no more pixels than needed:
    sources without a reduced decode (PNG, TIFF) would otherwise rotate at full resolution.
    A box resize to the rounded size keeps the whole image on the whole canvas (``reduce``
    would add a partial last pixel and shift what follows)."""
    geometry = _geometry(nodes, ctx)
    layout = view_layout(geometry.size, ctx.plan, ctx.config, alpha_output=False)
    factor = int(ctx.scale / (geometry.density * layout.density) / REDUCING_GAP)
    if factor < 2:
        return image
    ctx.scale /= factor
    size = (
        max(1, round_half_up(image.width / factor)),
        max(1, round_half_up(image.height / factor)),
    )
    return image.resize(size, _R.BOX, box=ctx.content)


def _extend(image: Image.Image, nodes: Mapping[str, Node], ctx: RenderContext) -> Image.Image:
    # Wide margins under a small reply: draw them no finer than the view will keep.
    image = _reduce_for_view(image, nodes, ctx)
    geometry = _geometry(nodes, ctx)
    per_layer_pixel = ctx.scale / geometry.density  # image pixels per layer pixel
    left, top, right, bottom = (round_half_up(m * per_layer_pixel) for m in geometry.extend)
    box = (-left, -top, image.width + right, image.height + bottom)
    box = (box[0], box[1], max(box[0] + 1, box[2]), max(box[1] + 1, box[3]))
    check_pixels((box[2] - box[0], box[3] - box[1]), ctx.config, _command(nodes))
    ctx.content = None  # margins are whole pixels; a partly covered edge stays as it is
    return cut(image, box, layer_fill(ctx.plan, _layer(nodes)))


OPERATIONS = (
    Operation("crop", Stage.CROP, _crop, ("crop", "cropN"),
              description="crop=/cropN=: cut the source; outside it bgColor or transparent"),
    Operation("size", Stage.SIZE, _size, ("size", "scale", "res"),
              description="size=/scale=/res=: the layer's resolution (res= over source DPI)"),
    Operation("orient", Stage.FLIP, _orient, ("flip", "rotate"),
              description="flip=lr|ud|lrud, then rotate= clockwise, any angle, canvas grows"),
    Operation("extend", Stage.EXTEND, _extend, ("extend", "extendN"),
              description="extend=/extendN=: margins in bgColor or transparent; negative crops"),
)  # fmt: skip


@hookimpl
def isrender_register_operations(register: Registrar) -> None:
    for operation in OPERATIONS:
        register.operation(operation)
