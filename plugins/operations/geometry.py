"""Layer source transforms with Pillow: crop, size/scale/res, flip, rotate, extend (§3.4).

``ctx.geometry`` (planned by the renderer, in full-resolution units) says where each transform
takes the layer; these operations draw it on an image that may already be smaller (a JPEG
decoded at 1/4: ``ctx.scale`` is the image's pixels per full-resolution pixel). Areas outside
the source (crop, rotation corners, extend) take the layer's ``bgColor=``, or stay
transparent without one (the image gains an alpha channel).

Rotation by other angles than multiples of 90° is always bicubic (Pillow's affine transforms
offer no Lanczos). It first box-filters the image down by the integer factor the view's
``reducing_gap`` would use anyway, so a PNG or TIFF (no reduced decode) is not rotated at
full resolution only to be reduced afterwards; ``extend=`` does the same for its margins.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING

from PIL import Image

from engine.geometry import check_pixels, rotated_size, round_half_up, transpose_box
from engine.hookspecs import hookimpl
from engine.operations import Operation, RenderContext
from engine.pixels import REDUCING_GAP, cut, prepare_fill, resize
from engine.plan import Node
from engine.stages import Stage

if TYPE_CHECKING:
    from engine.registry import Registrar

_R = Image.Resampling
_EPSILON = 1e-6

# --- the layer operations ------------------------------------------------------------------


def _command(nodes: Mapping[str, Node]) -> str:
    """The request's spelling of the (one) command an operation draws, for messages."""
    return "&".join(node.to_modifier() for node in nodes.values())


def _crop(image: Image.Image, nodes: Mapping[str, Node], ctx: RenderContext) -> Image.Image:
    geometry = ctx.geometry
    # The image is the whole source decoded at ctx.scale, from the content box's corner.
    ox, oy = ctx.content[:2] if ctx.content is not None else (0.0, 0.0)
    left, top, right, bottom = geometry.crop_box
    exact = (ox + left * ctx.scale, oy + top * ctx.scale,
             ox + right * ctx.scale, oy + bottom * ctx.scale)  # fmt: skip
    # When the crop is the layer's last transform, draw only what the render keeps of it.
    last = (
        geometry.density == 1.0
        and geometry.flip is None
        and geometry.rotation == 0.0
        and geometry.extend == (0, 0, 0, 0)
    )
    return _draw_extent(image, exact, ctx.keep if last else None, nodes, ctx)


def _draw_extent(
    image: Image.Image,
    exact: tuple[float, float, float, float],
    keep: tuple[float, float, float, float] | None,
    nodes: Mapping[str, Node],
    ctx: RenderContext,
) -> Image.Image:
    """Cut the layer whose full extent is ``exact`` (image pixels; it may reach outside the
    image, that part takes the fill): whole pixels covering all of it, or only the ``keep``
    window of it (layer pixels). ``ctx.content`` keeps the fractions and the offset."""
    target = exact
    if keep is not None:
        width, height = ctx.geometry.size
        fx, fy = (exact[2] - exact[0]) / width, (exact[3] - exact[1]) / height
        target = (exact[0] + keep[0] * fx, exact[1] + keep[1] * fy,
                  exact[0] + keep[2] * fx, exact[1] + keep[3] * fy)  # fmt: skip
    x0, y0 = math.floor(target[0] + _EPSILON), math.floor(target[1] + _EPSILON)
    x1 = max(x0 + 1, math.ceil(target[2] - _EPSILON))
    y1 = max(y0 + 1, math.ceil(target[3] - _EPSILON))
    check_pixels((x1 - x0, y1 - y0), ctx.config, _command(nodes))
    image = cut(image, (x0, y0, x1, y1), ctx.fill)
    content = (exact[0] - x0, exact[1] - y0, exact[2] - x0, exact[3] - y0)
    ctx.content = None if _whole(content, image.size) else content
    return image


def _whole(box: tuple[float, float, float, float], size: tuple[int, int]) -> bool:
    return all(abs(a - b) < _EPSILON for a, b in zip(box, (0, 0, *size), strict=True))


def _size(image: Image.Image, nodes: Mapping[str, Node], ctx: RenderContext) -> Image.Image:
    geometry = ctx.geometry
    if ctx.scale <= geometry.density * (1 + _EPSILON):
        return image  # already no denser than the layer: the view transform scales the rest
    image = resize(image, geometry.scaled_size, ctx.content, ctx.res_mode)
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
    image, value = prepare_fill(image, ctx.fill)
    return image.rotate(-angle, resample=_R.BICUBIC, expand=True, fillcolor=value)


def _reduce_for_view(
    image: Image.Image, nodes: Mapping[str, Node], ctx: RenderContext
) -> Image.Image:
    """Box-filter by the integer factor that the view's resample would reduce by anyway
    (``reducing_gap``), so that an expensive rotation works on no more pixels than needed:
    sources without a reduced decode (PNG, TIFF) would otherwise rotate at full resolution.
    A box resize to the rounded size keeps the whole image on the whole canvas (``reduce``
    would add a partial last pixel and shift what follows)."""
    factor = int(ctx.scale / (ctx.geometry.density * ctx.view.density) / REDUCING_GAP)
    if factor < 2:
        return image
    ctx.scale /= factor
    size = (
        max(1, round_half_up(image.width / factor)),
        max(1, round_half_up(image.height / factor)),
    )
    return image.resize(size, _R.BOX, box=ctx.content)


def _extend(image: Image.Image, nodes: Mapping[str, Node], ctx: RenderContext) -> Image.Image:
    # Wide margins under a small reply: draw them no finer than the view will keep, and no
    # more of them than the render keeps (ctx.keep).
    image = _reduce_for_view(image, nodes, ctx)
    geometry = ctx.geometry
    per_layer_pixel = ctx.scale / geometry.density  # image pixels per layer pixel
    left, top, right, bottom = (round_half_up(m * per_layer_pixel) for m in geometry.extend)
    box = (-left, -top, image.width + right, image.height + bottom)
    box = (box[0], box[1], max(box[0] + 1, box[2]), max(box[1] + 1, box[3]))
    # Margins are whole pixels; a partly covered edge of the image stays as it is.
    return _draw_extent(image, tuple(map(float, box)), ctx.keep, nodes, ctx)  # type: ignore[arg-type]


OPERATIONS = (
    Operation("crop", Stage.CROP, _crop, ("crop", "cropN"),
              description="crop=/cropN=: cut the source; outside it bgColor or transparent"),
    Operation("size", Stage.SIZE, _size, ("size", "sizeN", "scale", "res"),
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
