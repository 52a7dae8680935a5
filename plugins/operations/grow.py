"""``op_grow``: morphological dilation or erosion of the colour channels.

``op_grow=amount`` with ``amount > 0`` replaces each colour value by the maximum over the
``(2r+1)×(2r+1)`` square around it (dilation, Pillow's ``MaxFilter(2r+1)``), ``amount < 0`` by
the minimum (erosion, ``MinFilter``), with ``r = |amount|`` pixels; each channel is processed
independently and the image edges are extended. Alpha is left untouched.

Like ``op_blur``'s, the radius is in composite pixels: it is multiplied by
``ctx.layer_scale`` (1 unless the source was decoded reduced) and
rounded half up; a radius that rounds to 0 changes nothing.

A square window is separable, so this is a 1-D running maximum along each axis; each one takes
O(log r) vectorised passes (windows doubled in width, then two overlapping ones combined), where
Pillow's rank filter sorts (2r+1)² values per pixel.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from engine.hookspecs import hookimpl
from engine.operations import Operation, RenderContext
from engine.plan import Node
from engine.stages import Stage

if TYPE_CHECKING:
    from engine.registry import Registrar

Extreme = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _running_extreme(values: np.ndarray, radius: int, pick: Extreme) -> np.ndarray:
    """``pick`` (np.maximum or np.minimum) over windows of ``2·radius+1`` along axis 0."""
    count = values.shape[0]
    width = 2 * radius + 1
    padding = [(radius, radius)] + [(0, 0)] * (values.ndim - 1)
    span, windows = 1, np.pad(values, padding, mode="edge")
    while 2 * span <= width:  # windows[i] = pick over padded[i : i + span]
        windows = pick(windows[:-span], windows[span:])
        span *= 2
    # span <= width < 2·span: two windows of ``span`` cover [i, i + width) exactly.
    return pick(windows[:count], windows[width - span : width - span + count])


def _grow(image: Image.Image, nodes: Mapping[str, Node], ctx: RenderContext) -> Image.Image:
    amount = nodes["op_grow"].arg("amount")
    radius = math.floor(abs(amount) * ctx.layer_scale + 0.5)
    if not radius:
        return image
    pick: Extreme = np.maximum if amount > 0 else np.minimum
    width, height = image.size
    bands = len(image.getbands())
    colour = bands - (image.mode in ("LA", "RGBA"))  # the alpha band, if any, is last
    pixels = np.array(image).reshape(height, width, bands)
    grown = _running_extreme(pixels[..., :colour], radius, pick)
    grown = _running_extreme(grown.swapaxes(0, 1), radius, pick).swapaxes(0, 1)
    pixels[..., :colour] = grown
    return Image.fromarray(pixels[..., 0] if bands == 1 else pixels)


def _reach(nodes: Mapping[str, Node], ctx: RenderContext) -> float:
    return abs(nodes["op_grow"].arg("amount")) + 1.0


@hookimpl
def isrender_register_operations(register: Registrar) -> None:
    register.operation(
        Operation(
            name="op_grow",
            stage=Stage.FILTER,
            apply=_grow,
            reach=_reach,
            description="dilate (> 0) or erode (< 0) by |amount| composite pixels",
        )
    )
