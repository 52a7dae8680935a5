"""``op_blur``: Gaussian blur of the colour channels.

``op_blur=radius`` blurs with a Gaussian whose standard deviation is ``radius`` pixels (Pillow's
``GaussianBlur``, three extended box passes; edges are extended).

IS gives the radius in pixels of the composite image: layer 0 after its own ``crop``,
``size``/``scale``/``res`` and so on. The renderer may decode the source reduced (JPEG draft)
when the reply is small, so the image seen here can have fewer pixels than the composite; the
radius is therefore multiplied by ``ctx.layer_scale``, which is 1 unless that happened.
(``ctx.scale`` alone would wrongly shrink the blur of a layer scaled on purpose by ``scale=``.)

Alpha is left untouched. Colour is blurred premultiplied by alpha and divided by the blurred
alpha afterwards (Pillow's ``RGBa``/``La`` modes), so the colour of transparent pixels does
not bleed into visible ones as a dark fringe.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from PIL import Image, ImageFilter

from engine.hookspecs import hookimpl
from engine.operations import Operation, RenderContext
from engine.plan import Node
from engine.stages import Stage

if TYPE_CHECKING:
    from engine.registry import Registrar

_PREMULTIPLIED = {"LA": "La", "RGBA": "RGBa"}


def _blur(image: Image.Image, nodes: Mapping[str, Node], ctx: RenderContext) -> Image.Image:
    radius = nodes["op_blur"].arg("radius") * ctx.layer_scale
    if radius <= 0:
        return image
    gaussian = ImageFilter.GaussianBlur(radius)
    premultiplied = _PREMULTIPLIED.get(image.mode)
    if premultiplied is None:
        return image.filter(gaussian)
    blurred = image.convert(premultiplied).filter(gaussian).convert(image.mode)
    blurred.putalpha(image.getchannel("A"))
    return blurred


def _reach(nodes: Mapping[str, Node], ctx: RenderContext) -> float:
    """Pillow's Gaussian (three box passes) reads about 3 standard deviations far."""
    return 3.0 * nodes["op_blur"].arg("radius") + 2.0


@hookimpl
def isrender_register_operations(register: Registrar) -> None:
    register.operation(
        Operation(
            name="op_blur",
            stage=Stage.FILTER,
            apply=_blur,
            reach=_reach,
            description="Gaussian blur; radius = standard deviation in composite pixels",
        )
    )
