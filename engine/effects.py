"""Layer effects (``effect=``, ``r-layer-effects.md``): shadows, glows and borders drawn from
their parent layer's shape.

An effect layer has no content of its own. Its shape is the parent's alpha (``maskUse=invert``:
the rest of the parent's rect; ``off``: the whole rect), moved by ``pos=``, grown or shrunk by
``op_grow=``, softened by ``op_blur=`` and dithered by ``op_noise=`` (in composite pixels); it is
filled with ``color=`` and drawn with its ``blendMode=``. Outer effects (``effect=-n``) lie
behind the parent, inner ones (``effect=n``) on top of it, visible only where the parent is
opaque; an inner effect starts from the parent's outside (so ``effect=1&op_grow=3`` is a border
on the inside edge, as the page says, and a shifted one an inner shadow). Among them higher
numbers are drawn later.

The effect mask (``effectMask=``, company attribute ``ApplyEffectMask``; on by default,
``r-effectmask.md``, ``r-applyeffectmask.md``) masks out where an effect and its parent
overlap: with it, an outer effect is cut away under the parent's shape (a shadow does not show
through a half-transparent or faded parent) and an inner effect stays within the shape. With
``effectMask=0`` no shape masks the effects: an outer effect lies whole behind the parent and
shows through its translucent areas, and an inner effect covers the parent's rect (our
decision: the page names no other bound, and an inner effect drawn beyond its parent's rect
would have none). Their opacity is the parent's opacity times
their own (``r-opac.md``; the parent's fill opacity does not apply). Every other command in an
effect segment is ignored, as the page says.

Adobe's default catalog provides ``$shadow$`` and ``$glow$`` without publishing them; ours
(:data:`EFFECT_MACROS`, used when the caller's macros do not define those names) follow
Photoshop's defaults for a drop shadow and an outer glow:

* ``$shadow$`` = ``color=0,0,0&opac=75&pos=5,5&op_blur=3&blendMode=mult``
* ``$glow$`` = ``color=255,255,190&opac=75&op_grow=1&op_blur=4&blendMode=screen``
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageChops, ImageFilter

from engine.errors import RenderError
from engine.pixels import square_extreme
from engine.plan import Layer, Plan, effect_parent

EFFECT_MACROS = {
    "shadow": "color=0,0,0&opac=75&pos=5,5&op_blur=3&blendMode=mult",
    "glow": "color=255,255,190&opac=75&op_grow=1&op_blur=4&blendMode=screen",
}

#: Draws an RGBA image onto the canvas at a position with a blend mode.
Blend = Callable[[Image.Image, Image.Image, tuple[int, int], str], Image.Image]


def effects_of(plan: Plan, parent: Layer) -> tuple[list[Layer], list[Layer]]:
    """The outer and the inner effect layers of ``parent``, each bottom to top."""
    found = []
    for layer in plan.layers:
        effect = effect_parent(layer)
        if effect is not None and effect[0] == parent:
            found.append((effect[1], layer))
    found.sort()
    return [lay for n, lay in found if n < 0], [lay for n, lay in found if n > 0]


def draw_with_effects(
    canvas: Image.Image,
    part: Image.Image,
    at: tuple[int, int],
    *,
    plan: Plan,
    parent: Layer,
    shape: Image.Image,
    opacity: float,
    scale: tuple[float, float],
    blend: Blend,
    mode: str,
) -> Image.Image:
    """Draw the parent's ``part`` (RGBA, at ``at``) with its effects: outer ones, the part,
    inner ones. ``shape`` is the parent's alpha before ``opac=`` (size of ``part``);
    ``opacity`` the parent's opacity (0..1); ``scale`` canvas pixels per composite pixel."""
    outer, inner = effects_of(plan, parent)
    for effect in outer:
        image, where = _effect(plan, effect, shape, at, canvas.size, opacity, scale, inner=False)
        canvas = blend(canvas, image, where, _mode(plan, effect))
    canvas = blend(canvas, part, at, mode)
    for effect in inner:
        image, where = _effect(plan, effect, shape, at, canvas.size, opacity, scale, inner=True)
        canvas = blend(canvas, image, where, _mode(plan, effect))
    return canvas


def _mode(plan: Plan, layer: Layer) -> str:
    node = plan.get("blendMode", layer)
    return node.arg("mode") if node is not None else "norm"


def _effect(
    plan: Plan,
    layer: Layer,
    shape: Image.Image,
    at: tuple[int, int],
    canvas_size: tuple[int, int],
    opacity: float,
    scale: tuple[float, float],
    *,
    inner: bool,
) -> tuple[Image.Image, tuple[int, int]]:
    """One effect as an RGBA image and where it goes on the canvas."""
    color = plan.get("color", layer)
    if color is None:
        parent, number = effect_parent(layer) or (layer, 0)
        raise RenderError(
            f"effect layer {number} of layer {parent} needs color= (or a macro such as "
            "$shadow$ or $glow$ that sets it)"
        )
    grow = plan.arg("op_grow", "amount", 0, layer=layer)
    blur = plan.arg("op_blur", "radius", 0.0, layer=layer)
    radius = math.floor(abs(grow) * max(scale) + 0.5)
    sigma = blur * max(scale)
    dx, dy = _shift(plan, layer, scale)
    margin = radius + math.ceil(3 * sigma) + 2 + max(abs(dx), abs(dy))
    # The working area: the parent's box widened by everything the effect may reach.
    left, top = max(0, at[0] - margin), max(0, at[1] - margin)
    right = min(canvas_size[0], at[0] + shape.width + margin)
    bottom = min(canvas_size[1], at[1] + shape.height + margin)
    if right <= left or bottom <= top:
        return Image.new("RGBA", (1, 1), (0, 0, 0, 0)), (0, 0)
    size = (right - left, bottom - top)
    # Outer effects grow from the parent's shape outwards; inner ones from its outside inwards
    # (Photoshop's inner shadow and glow), then stay within the parent.
    mask = _use(plan, layer, shape)
    alpha = Image.new("L", size, 255 if inner else 0)
    alpha.paste(ImageChops.invert(mask) if inner else mask, (at[0] - left + dx, at[1] - top + dy))
    if radius:
        grown = square_extreme(np.asarray(alpha), radius, grow=grow > 0)
        alpha = Image.fromarray(np.ascontiguousarray(grown), "L")
    if sigma > 0:
        alpha = alpha.filter(ImageFilter.GaussianBlur(sigma))
    alpha = _noise(alpha, plan, layer)
    rgba = color.arg("color").to_rgba8()
    factor = opacity * plan.arg("opac", "opacity", 100, layer=layer) / 100 * rgba[3] / 255
    alpha = alpha.point(lambda a: round(a * factor))
    clip = _clip(plan, shape, (at[0] - left, at[1] - top), size, inner=inner)
    if clip is not None:
        alpha = ImageChops.multiply(alpha, clip)
    image = Image.new("RGBA", size, rgba)
    image.putalpha(alpha)
    return image, (left, top)


def _clip(
    plan: Plan, shape: Image.Image, at: tuple[int, int], size: tuple[int, int], *, inner: bool
) -> Image.Image | None:
    """What limits an effect (``at``: the parent's place in the effect's ``size``): with the
    effect mask the parent's shape (inner) or all but it (outer); without, the parent's rect
    (inner) or nothing (outer)."""
    node = plan.get("effectMask")
    masked = node is None or bool(node.arg("enabled"))
    if not masked and not inner:
        return None
    clip = Image.new("L", size, 0)
    if masked:
        clip.paste(shape, at)
        return clip if inner else ImageChops.invert(clip)
    clip.paste(255, (*at, at[0] + shape.width, at[1] + shape.height))
    return clip


def _shift(plan: Plan, layer: Layer, scale: tuple[float, float]) -> tuple[int, int]:
    """``pos=`` of an effect: its offset from the parent, in canvas pixels."""
    node = plan.get("pos", layer)
    if node is None:
        return (0, 0)
    return (round(node.args[0] * scale[0]), round(node.args[1] * scale[1]))


def _use(plan: Plan, layer: Layer, shape: Image.Image) -> Image.Image:
    """``maskUse=`` of an effect: the parent's shape, the rest of its rect, or the rect."""
    mode = plan.arg("maskUse", "mode", "norm", layer=layer)
    if mode == "invert":
        return ImageChops.invert(shape)
    if mode == "off":
        return Image.new("L", shape.size, 255)
    return shape


def _noise(alpha: Image.Image, plan: Plan, layer: Layer) -> Image.Image:
    amount = plan.arg("op_noise", "amount", 0.0, layer=layer)
    if not amount:
        return alpha
    values = np.asarray(alpha, dtype=np.float32)
    rng = np.random.default_rng([zlib.crc32(str(layer).encode()), *alpha.size])
    noise = (rng.random(values.shape, dtype=np.float32) * 2 - 1) * np.float32(2.55 * amount)
    values = np.where(values > 0, np.clip(values + noise, 0, 255), 0)
    return Image.fromarray(np.rint(values).astype(np.uint8), "L")
