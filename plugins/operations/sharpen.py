"""``op_sharpen``, ``op_usm`` and ``op_usmR``: sharpening of the colour channels.

They run at the sharpening stage, which for the composite comes after the view transform.

* ``op_sharpen=1``: Pillow's ``SHARPEN`` 3×3 kernel (32 at the centre, −2 around, sum 16).
* ``op_usm=amount[,radius[,threshold[,monochrome]]]``: Pillow's ``UnsharpMask``. With
  ``b`` the Gaussian blur of ``v`` (standard deviation ``radius``) and ``d = v − b``: where
  ``|d| > threshold`` the value becomes ``v + d·round(100·amount)/100`` (integer division
  truncating towards zero), clipped to 0..255; elsewhere it is kept.
  Its parameters refer to the full-resolution image, so the radius is multiplied by
  ``ctx.scale`` (0.5 when the image has been halved, also > 1 when enlarged). ``threshold`` is
  a difference of levels and ``amount`` a factor: neither depends on resolution, so neither
  is scaled. A radius of 0 (the default) or an amount of 0 leaves the image unchanged.
* ``op_usmR``: the same with the parameters applied as given.
* ``monochrome=1``: only the luminance is sharpened: ``Y`` (Rec. 601) is unsharp-masked into
  ``Y'`` and ``Y' − Y`` is added to every colour channel (clipped), so colours do not fringe.
  It is ignored for gray images, where it is the same thing.

When several are present they run in the order ``op_sharpen``, ``op_usm``, ``op_usmR``.
Alpha is left untouched (IS documents that it also sharpens the mask; we do not).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageFilter

from engine.hookspecs import hookimpl
from engine.operations import Operation, RenderContext
from engine.plan import Node
from engine.stages import Stage

if TYPE_CHECKING:
    from engine.registry import Registrar

COMMANDS = ("op_sharpen", "op_usm", "op_usmR")
_WITH_ALPHA = ("LA", "RGBA")

Step = Callable[[Image.Image], Image.Image]


def _kernel_sharpen(image: Image.Image) -> Image.Image:
    return image.filter(ImageFilter.SHARPEN)


def _unsharp(mask: ImageFilter.UnsharpMask, monochrome: bool, image: Image.Image) -> Image.Image:
    if not monochrome or image.mode == "L":
        return image.filter(mask)
    luma = image.convert("L")
    delta = np.asarray(luma.filter(mask), dtype=np.int16) - np.asarray(luma, dtype=np.int16)
    sharpened = np.asarray(image, dtype=np.int16) + delta[..., None]
    return Image.fromarray(np.clip(sharpened, 0, 255).astype(np.uint8))


def _usm_step(node: Node, scale: float) -> Step | None:
    radius = node.arg("radius") * scale
    percent = round(100 * node.arg("amount"))
    if radius <= 0 or percent <= 0:
        return None
    mask = ImageFilter.UnsharpMask(radius, percent, node.arg("threshold"))
    return partial(_unsharp, mask, bool(node.arg("monochrome")))


def _steps(nodes: Mapping[str, Node], ctx: RenderContext) -> list[Step]:
    steps: list[Step] = []
    sharpen = nodes.get("op_sharpen")
    if sharpen is not None and sharpen.arg("sharpen"):
        steps.append(_kernel_sharpen)
    for command, scale in (("op_usm", ctx.scale), ("op_usmR", 1.0)):
        node = nodes.get(command)
        step = _usm_step(node, scale) if node is not None else None
        if step is not None:
            steps.append(step)
    return steps


def _sharpen(image: Image.Image, nodes: Mapping[str, Node], ctx: RenderContext) -> Image.Image:
    steps = _steps(nodes, ctx)
    if not steps:
        return image
    alpha = image.getchannel("A") if image.mode in _WITH_ALPHA else None
    colour = image.convert(image.mode[:-1]) if alpha is not None else image
    for step in steps:
        colour = step(colour)
    if alpha is not None:
        colour.putalpha(alpha)
    return colour


@hookimpl
def isrender_register_operations(register: Registrar) -> None:
    register.operation(
        Operation(
            name="sharpen",
            stage=Stage.SHARPEN,
            apply=_sharpen,
            commands=COMMANDS,
            description="sharpen kernel and unsharp mask (op_usm scaled to full resolution)",
        )
    )
