"""The view transform (wid hei scl fit align rgn bgc dpr resMode, §3.1) and ``rect=``.

``engine.geometry.view_layout`` plans the reply; the view step draws it with one resample
(crop, scale and the ``rect=`` scale together, ``resize(box=...)``) and pastes onto a
background only when the reply shows fill. When nothing changes (``scl=1``, or the image
already has the reply's size) the image passes through untouched. Afterwards ``ctx.scale``
is the reply's density, so sharpening scales its full-resolution radius.

Fill is ``bgc=`` (alpha and the ``s`` suffix ignored), else the configured ``BkgColor``; for
output formats with alpha the uncovered areas are transparent instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from PIL import Image

from engine.geometry import ViewLayout
from engine.hookspecs import hookimpl
from engine.operations import Operation, RenderContext
from engine.pixels import TRANSPARENT, draw
from engine.plan import Node
from engine.stages import Stage

if TYPE_CHECKING:
    from engine.registry import Registrar

VIEW_COMMANDS = ("wid", "hei", "scl", "fit", "align", "rgn", "bgc", "dpr", "resMode")


def _fill(layout: ViewLayout) -> tuple[int, int, int, int]:
    return (*layout.fill, 255) if layout.fill is not None else TRANSPARENT


def _view(image: Image.Image, nodes: Mapping[str, Node], ctx: RenderContext) -> Image.Image:
    layout = ctx.view
    width, height = ctx.geometry.size  # the composite's
    # The composite spans the content box (a reduced JPEG decode covers its last row and
    # column only partly; a window of the composite lies inside it), else the whole image.
    left, top, right, bottom = ctx.content or (0, 0, image.width, image.height)
    to_image = ((right - left) / width, (bottom - top) / height)
    image = draw(image, layout.view, to_image, _fill(layout), ctx.res_mode, (left, top))
    ctx.content = None
    ctx.scale = ctx.geometry.density * layout.density
    return image


def _rect(image: Image.Image, nodes: Mapping[str, Node], ctx: RenderContext) -> Image.Image:
    layout = ctx.view
    if layout.rect is None:
        return image
    # The view step drew exactly the window at reply resolution: place it, no resampling.
    return draw(image, layout.rect, (1.0, 1.0), _fill(layout), ctx.res_mode)


OPERATIONS = (
    Operation("view", Stage.VIEW, _view, VIEW_COMMANDS, always=True,
              description="view transform: wid/hei/scl/fit/align/rgn/bgc/dpr, DefaultPix, "
                          "MaxPix; resampling by resMode"),
    Operation("rect", Stage.RECT, _rect,
              description="rect=: the reply is a tile of the view image"),
)  # fmt: skip


@hookimpl
def isrender_register_operations(register: Registrar) -> None:
    for operation in OPERATIONS:
        register.operation(operation)
