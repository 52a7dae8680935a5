"""``op_grow``: morphological dilation or erosion of the colour channels.

``op_grow=amount`` with ``amount > 0`` replaces each colour value by the maximum over the
``(2r+1)×(2r+1)`` square around it (dilation, Pillow's ``MaxFilter(2r+1)``), ``amount < 0`` by
the minimum (erosion, ``MinFilter``), with ``r = |amount|`` pixels; each channel is processed
independently and the image edges are extended. Alpha is left untouched.

Like ``op_blur``'s, the radius is in composite pixels: it is multiplied by
``ctx.layer_scale`` (1 unless the source was decoded reduced) and
rounded half up; a radius that rounds to 0 changes nothing.

The work is ``engine.pixels.square_extreme``: a square window is separable, so it is a 1-D
running maximum along each axis, each in O(log r) vectorised passes, where Pillow's rank filter
sorts (2r+1)² values per pixel.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from engine.hookspecs import hookimpl
from engine.operations import Operation, RenderContext
from engine.pixels import square_extreme
from engine.plan import Node
from engine.stages import Stage

if TYPE_CHECKING:
    from engine.registry import Registrar


def _grow(image: Image.Image, nodes: Mapping[str, Node], ctx: RenderContext) -> Image.Image:
    amount = nodes["op_grow"].arg("amount")
    radius = math.floor(abs(amount) * ctx.layer_scale + 0.5)
    if not radius:
        return image
    width, height = image.size
    bands = len(image.getbands())
    colour = bands - (image.mode in ("LA", "RGBA"))  # the alpha band, if any, is last
    pixels = np.array(image).reshape(height, width, bands)
    pixels[..., :colour] = square_extreme(pixels[..., :colour], radius, grow=amount > 0)
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
