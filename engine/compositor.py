"""Layers and the composite (reference §3.4; Adobe's layering pages).

Layer 0 is the canvas: its pipeline has run when :func:`composite_layers` is called, and the
other layers are drawn onto it in ascending number (z-order), each clipped to it
(``c-compositing-canvas.md``). For each visible layer:

1. its content: ``src=`` (an object the caller's resolver turns into image data), ``color=``
   with a full ``size=`` (or a ``mask=``: a solid layer), or ``text=``/``textPs=`` (drawn at
   the canvas's scale, as a JPEG is decoded reduced, unless ``size=`` or a resize fixes its
   pixels);
2. ``mask=``/``maskUse=`` replace or invert its alpha, ``op_growMask=``/``op_growMaskR=``
   grow or shrink it; ``color=`` on an image layer fills its transparent areas (before the
   transforms, ``r-color-commandref.md``);
3. its own pipeline: crop, size/scale/res, flip, rotate, extend, then its ``op_*`` filters,
   drawn no finer than the canvas and no larger than the part of it the canvas shows;
4. placement: its origin on layer 0's origin, offset by ``pos=``/``posN=`` (by default the
   centres coincide, ``r-pos.md``); with ``perspective=`` instead its whole image is warped
   onto a quadrilateral of the composite (:mod:`engine.perspective`);
5. ``opac=``: the content's alpha times opacity × fill opacity / 100 (``r-opac.md``), then
   ``bgColor=`` under it (after ``opac=``, ``r-bgcolor.md``), then blending onto the canvas
   with ``blendMode=`` (ignored for layer 0, ``r-blendmode.md``).

Afterwards ``opac=`` of the composite (under ``layer=comp``) fades the whole; the
composite's own commands (``flip=``, filters, the view) follow in the renderer.

Decisions where Adobe's pages are silent: blend modes are the W3C compositing formulas
(``mult`` = multiply, ``screen``, ``lighten``, ``darken``; ``dissolve`` shows each pixel fully
or not at all, with probability its alpha, from a noise seeded by ``RenderConfig.noise_seed``
and the layer number). A ``mask=`` of another size than its image is scaled to it. ``color=``
on an image layer fills the source's transparency before ``crop=``, so areas a crop or
rotation adds stay transparent (or ``bgColor=``).
"""

from __future__ import annotations

import math
import os
import zlib
from collections.abc import Callable
from contextlib import ExitStack
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageChops

from engine.clipping import check_self_sizing_solid, clip_layer, self_sized_extent, with_path_crop
from engine.config import RenderConfig
from engine.effects import Blend, draw_with_effects, effects_of
from engine.errors import RenderError, SourceError
from engine.geometry import (
    Box,
    LayerGeometry,
    layer_offset,
    layer_position,
    place,
    round_half_up,
    source_transform,
)
from engine.operations import RenderContext
from engine.perspective import (
    layer_quad,
    perspective_node,
    source_scale,
    warp,
    without_resizing,
)
from engine.pipeline import Step, steps
from engine.pixels import TRANSPARENT, resample, square_extreme
from engine.plan import COMP, Layer, Node, Plan
from engine.registry import Registry
from engine.source import SourceImage, open_source
from engine.stages import Stage

Source = str | os.PathLike[str] | bytes | BinaryIO | Image.Image
#: Turns the object name of ``src=``/``mask=`` into image data (a path, bytes, a binary file
#: or a PIL image); raises :class:`~engine.errors.SourceError` for an unknown name.
Resolver = Callable[[str], Source]

#: A reduced JPEG decode of a layer leaves the final resample at least this much to reduce.
DRAFT_MARGIN = 1.25
_RESAMPLE_SUPPORT = 3.0
#: Layer pixels per canvas pixel this close to 1 are the canvas's size (float noise).
_SAME_SCALE = 1e-6
_CONTENT = ("src", "color", "text", "textPs")
#: Commands that change a layer's size (its density) or wrap its text in a box.
_RESIZING = ("size", "sizeN", "scale", "res")


def layer_numbers(plan: Plan) -> list[int]:
    """The numbered layers above the canvas that the request defines, bottom to top."""
    return sorted(n for n in plan.layers if isinstance(n, int) and n > 0)


def opened_source(
    plan: Plan,
    layer: int,
    resolver: Resolver | None,
    config: RenderConfig,
    stack: ExitStack,
    scale: float = 1.0,
) -> SourceImage | None:
    """The content of a layer as an opened source, or None when it has none of its own
    (layer 0 then shows the request's object). A text layer is drawn at ``scale`` of its
    size, like a reduced JPEG decode (see :func:`text_scale`)."""
    src = plan.get("src", layer)
    if src is not None:
        name = src.arg("object")
        return stack.enter_context(open_source(resolve(name, "src", resolver), config=config))
    text = text_layer(plan, layer, config, scale)
    if text is not None:
        image, anchor = text
        source = stack.enter_context(open_source(image, config=config))
        source.load()
        if scale < 1.0:  # the layer keeps its full size; the pixels cover it reduced
            width, height = (max(1, round(side / scale)) for side in image.size)
            source.size, source.scale = (width, height), scale
            source.content = (0.0, 0.0, width * scale, height * scale)
            if anchor is not None:
                anchor = (anchor[0] / scale, anchor[1] / scale)
        source.anchor = anchor
        return source
    color = plan.get("color", layer)
    if color is None:
        if layer == 0:
            return None
        raise RenderError(
            f"layer {layer} has no content; expected src=, text=, or color= with size="
        )
    solid = _solid(plan, layer, color.arg("color").to_rgba8(), resolver, config)
    source = stack.enter_context(open_source(solid))
    extent = self_sized_extent(plan, layer)
    source.anchor = extent[1] if extent is not None else None
    return source


def text_scale(plan: Plan, layer: Layer, canvas_scale: float) -> float:
    """The scale to draw a text layer at, on a canvas of ``canvas_scale`` pixels per
    composite pixel: the canvas's own when the layer sizes itself to its text and nothing
    resizes it (FreeType draws the glyphs at that size, and the layer is then pasted on whole
    canvas pixels, not resampled), else full size (a ``size=`` box wraps and fits in
    full-size pixels)."""
    if any(plan.get(command, layer) is not None for command in _RESIZING):
        return 1.0
    if self_sized_extent(plan, layer) is not None:  # clipPath= gives the text box
        return 1.0
    return min(1.0, canvas_scale)


def text_layer(
    plan: Plan, layer: Layer, config: RenderConfig, scale: float = 1.0
) -> tuple[Image.Image, tuple[float, float] | None] | None:
    """A ``text=``/``textPs=`` layer's image (one :func:`engine.text.render_text` call with
    the layer's ``size=`` and ``textAttr=``) and its anchor, or None for another layer.

    The anchor is set for ``textPs=`` point text (no ``size=``): its first line sits just
    above the layer origin (``r-text-layers.md``). ``textAngle=`` (``textPs=`` only, not for
    text on or in a path) lays the text out along the angle in the box
    (:mod:`engine.text.angle`).
    """
    from engine.text import default_font_map, render_text  # loaded on first need
    from engine.text.angle import centred, text_frame, turned

    node = next((n for n in reversed(plan.nodes) if n.layer == layer and n.command.lower()
                 in ("text", "textps")), None)  # fmt: skip
    if node is None:
        return None
    size = plan.get("size", layer)
    extent = self_sized_extent(plan, layer)  # clipPath= sizes the layer (r-clippath.md)
    box = extent[0] if extent is not None else tuple(size.args) if size is not None else None
    attributes = plan.get("textAttr", layer)
    image = _path_text(plan, layer, node, box, config, scale)
    if image is not None:  # textAngle= does not apply (r-textangle.md)
        return image, extent[1] if extent is not None else image.info.get("point_anchor")
    angle = plan.get("textAngle", layer)
    degrees = angle.arg("degrees") % 360 if angle is not None else 0.0
    if node.command.lower() != "textps":
        degrees = 0.0  # textPs= only (r-textangle.md)
    boxed = box is not None and all(box)
    image = render_text(
        node.arg("text"),
        command=node.command,
        size=text_frame(box, degrees) if boxed and degrees else box,  # type: ignore[arg-type]
        text_attr=attributes.arg("attributes") if attributes is not None else None,
        font_map=config.font_map or default_font_map(),
        scale=scale,
    )
    anchor = extent[1] if extent is not None else image.info.get("point_anchor")
    if degrees:
        image, anchor = turned(_rgba(image), degrees, anchor)
        if boxed:
            image = centred(image, box)  # type: ignore[arg-type]
    return image, anchor


def _path_text(
    plan: Plan,
    layer: Layer,
    node: Node,
    box: tuple[int, int] | None,
    config: RenderConfig,
    scale: float,
) -> Image.Image | None:
    """``textPs=`` along ``textPath=`` (:mod:`engine.text.onpath`) or flowed into
    ``textFlowPath=`` (:mod:`engine.text.flow`); None for a layer with neither."""
    flow, along = plan.get("textFlowPath", layer), plan.get("textPath", layer)
    if node.command.lower() != "textps" or not (along or (flow and flow.arg("path"))):
        return None
    from engine.text import FontMap
    from engine.text.flow import render_text_in_area
    from engine.text.onpath import render_text_on_path
    from engine.text.pstext import PsText

    attributes = plan.get("textAttr", layer)
    text = PsText(
        node.arg("text"),
        attributes.arg("attributes") if attributes is not None else None,
        config.font_map or FontMap.default(),
        scale=scale,
    )
    if along is not None:
        path_attr = plan.get("pathAttr", layer)
        return render_text_on_path(
            text,
            path=along.arg("path"),
            path_attr=path_attr.arg("attributes") if path_attr is not None else None,
            size=box,
        )
    exclusion = plan.get("textFlowXPath", layer)
    return render_text_in_area(
        text,
        path=flow.arg("path"),  # type: ignore[union-attr]
        exclusion=exclusion.arg("path") if exclusion is not None else None,
        size=box,
    )


def resolve(name: str, command: str, resolver: Resolver | None) -> Source:
    if resolver is None:
        raise SourceError(
            f"{command}={name}: no resolver for layer sources; pass resolver= to engine.render "
            "(the CLI serves a folder: isrender render --objects DIR)"
        )
    return resolver(name)


def _solid(
    plan: Plan,
    layer: int,
    rgba: tuple[int, int, int, int],
    resolver: Resolver | None,
    config: RenderConfig,
) -> Image.Image:
    """A solid colour layer (``r-solid-color-layer-commands-and-attributes.md``): the exact
    ``size=``, or the ``mask=`` shape in the colour (``size=`` then scales it)."""
    mask_node = plan.get("mask", layer)
    if mask_node is not None:
        mask = _mask_image(mask_node.arg("object"), resolver, config)
        solid = Image.new("RGBA", mask.size, rgba)
        solid.putalpha(ImageChops.multiply(mask, Image.new("L", mask.size, rgba[3])))
        return solid
    extent = self_sized_extent(plan, layer)
    size = plan.get("size", layer)
    if extent is not None:
        check_self_sizing_solid(plan, layer)
        width, height = extent[0]
        given = f"the clipPath= extent {width}×{height}"
    elif size is None or not all(size.args):
        given = size.to_modifier() if size is not None else "no size="
        raise RenderError(
            f"layer {layer}: a solid color layer needs both size= values, a mask= or a clipPath= "
            f"({given}); expected e.g. size=200,100"
        )
    else:
        width, height = size.args
        given = f"size={width},{height}"
    if width * height > config.max_input_pixels:
        raise RenderError(
            f"layer {layer}: {given} is more than the "
            f"{config.max_input_pixels:,} pixels a render may hold"
        )
    return Image.new("RGBA", (width, height), rgba)


def _mask_image(name: str, resolver: Resolver | None, config: RenderConfig) -> Image.Image:
    """A layer mask: the image's alpha if it has one, else its gray levels (``r-mask.md``)."""
    with open_source(resolve(name, "mask", resolver), config=config) as mask:
        image = mask.load()
        if image.mode in ("LA", "RGBA"):
            return image.getchannel("A")
        return image.convert("L")


def prepare_content(
    image: Image.Image,
    plan: Plan,
    layer: int,
    resolver: Resolver | None,
    config: RenderConfig,
    scale: float = 1.0,
) -> Image.Image:
    """``mask=``/``maskUse=``, ``op_growMask=``/``op_growMaskR=`` and, for image layers,
    ``color=`` applied to the decoded source (``scale``: its pixels per source pixel)."""
    mask_node = plan.get("mask", layer)
    use = plan.arg("maskUse", "mode", "norm", layer=layer)
    solid = plan.get("color", layer) is not None and not any(
        plan.get(command, layer) is not None for command in ("src", "text", "textPs")
    )
    if mask_node is not None and not solid:
        mask = _mask_image(mask_node.arg("object"), resolver, config)
        if mask.size != image.size:
            mask = mask.resize(image.size, Image.Resampling.BILINEAR)
        image = image.convert("RGBA")  # a new image: never change the source's in place
        image.putalpha(mask)
    if use == "invert":
        image = image.convert("RGBA")
        image.putalpha(ImageChops.invert(image.getchannel("A")))
    elif use == "off" and image.mode in ("LA", "RGBA"):
        image = image.convert(image.mode[:-1])
    image = _grow_mask(image, plan, layer, scale)
    color = plan.get("color", layer)
    if color is not None and not solid and image.mode in ("LA", "RGBA"):
        under = Image.new("RGBA", image.size, color.arg("color").to_rgba8())
        image = Image.alpha_composite(under, _rgba(image))
    return image


def _grow_mask(image: Image.Image, plan: Plan, layer: int, scale: float) -> Image.Image:
    """``op_growMask=``/``op_growMaskR=`` (``r-op-growmask.md``, ``r-op-growmaskr.md``): the
    layer's alpha dilated (> 0) or eroded (< 0) over a square of that radius. The radius of
    ``op_growMask`` counts full-resolution pixels, so a reduced decode scales it down;
    ``op_growMaskR``'s applies to the pixels as they are. Both given: they add up. An opaque
    layer has nothing to grow."""
    radius = 0.0
    for command, factor in (("op_growMask", scale), ("op_growMaskR", 1.0)):
        node = plan.get(command, layer)
        if node is not None:
            radius += node.arg("amount") * factor
    pixels = math.floor(abs(radius) + 0.5)
    if not pixels or image.mode not in ("LA", "RGBA"):
        return image
    alpha = square_extreme(np.asarray(image.getchannel("A")), pixels, grow=radius > 0)
    image = image.copy()
    image.putalpha(Image.fromarray(np.ascontiguousarray(alpha), "L"))
    return image


def _rgba(image: Image.Image) -> Image.Image:
    return image if image.mode == "RGBA" else image.convert("RGBA")


def _hidden(plan: Plan, layer: Layer) -> bool:
    node = plan.get("hide", layer)
    return bool(node is not None and node.arg("hide"))


def _fade(image: Image.Image, plan: Plan, layer: Layer) -> Image.Image:
    """Multiply alpha by ``opac=`` (opacity × fill opacity / 100)."""
    node = plan.get("opac", layer)
    if node is None:
        return image
    factor = node.arg("opacity") * node.arg("fillOpacity") / 10000
    if factor >= 1.0:
        return image
    image = image.convert("RGBA")  # a new image: ``image`` may be a source's or the caller's
    image.putalpha(image.getchannel("A").point(lambda a: round(a * factor)))
    return image


def composite_layers(
    canvas: Image.Image,
    ctx: RenderContext,
    registry: Registry,
    resolver: Resolver | None,
    source: SourceImage | None = None,
    *,
    private: bool = False,
) -> Image.Image:
    """Layer 0 (``canvas``, after its pipeline; ``ctx`` is its context; ``source`` its
    source, whose embedded paths ``clipPathE=`` names) with every other layer drawn on it,
    then the composite's ``opac=``. Layers are pasted in place: into ``canvas`` itself only
    when it is ``private`` (no one else holds it), else into a copy."""
    plan = ctx.plan
    given = canvas
    if _hidden(plan, 0):
        canvas = Image.new("RGBA", canvas.size, TRANSPARENT)
    canvas = clip_layer(canvas, plan, 0, content=ctx.content, geometry=ctx.geometry,
                        source=source)  # fmt: skip
    canvas = _with_own_effects(_fade(canvas, plan, 0), plan, 0, ctx)
    layers = [n for n in layer_numbers(plan) if not _hidden(plan, n)]
    if layers and canvas is given and not private:
        canvas = canvas.copy()
    for layer in layers:
        canvas = _LayerDraw(plan, layer, ctx, registry, resolver).onto(canvas)
    canvas = clip_layer(canvas, plan, COMP, content=ctx.content, geometry=ctx.geometry,
                        source=source)  # fmt: skip
    return _fade(_with_own_effects(canvas, plan, COMP, ctx), plan, COMP)


def _canvas_scale(canvas: Image.Image, ctx: RenderContext) -> tuple[float, float, float, float]:
    """Where the composite lies in the canvas image: its left, top, and pixels per composite
    pixel (a reduced decode or a window makes them differ from 0, 0, 1, 1)."""
    left, top, right, bottom = ctx.content or (0.0, 0.0, canvas.width, canvas.height)
    width, height = ctx.geometry.size
    return (left, top, (right - left) / width, (bottom - top) / height)


def _with_own_effects(
    canvas: Image.Image, plan: Plan, parent: Layer, ctx: RenderContext
) -> Image.Image:
    """Layer 0 or the composite drawn with its effect layers (on a transparent canvas)."""
    if not any(effects_of(plan, parent)):
        return canvas
    image = _rgba(canvas)
    _, _, sx, sy = _canvas_scale(canvas, ctx)
    return draw_with_effects(
        Image.new("RGBA", image.size, TRANSPARENT),
        image,
        (0, 0),
        plan=plan,
        parent=parent,
        shape=image.getchannel("A"),
        opacity=1.0,
        scale=(sx, sy),
        blend=_blender(ctx.config, parent),
        mode="norm",
    )


def _blender(config: RenderConfig, layer: Layer) -> Blend:
    seed = (config.noise_seed, zlib.crc32(str(layer).encode()))
    return lambda canvas, part, at, mode: blend(canvas, part, at, mode, seed)


class _LayerDraw:
    """One layer's content, pipeline, placement and blending onto the canvas."""

    def __init__(
        self,
        plan: Plan,
        layer: int,
        canvas_ctx: RenderContext,
        registry: Registry,
        resolver: Resolver | None,
    ) -> None:
        self.plan = plan
        self.layer = layer
        self.canvas_ctx = canvas_ctx
        self.registry = registry
        self.resolver = resolver
        self.config = canvas_ctx.config
        self.content_plan = plan  # its size= makes a text or solid layer's content
        self.perspective = perspective_node(plan, layer)
        if self.perspective is not None:
            self.plan = without_resizing(plan, layer)

    def onto(self, canvas: Image.Image) -> Image.Image:
        _, _, cfx, cfy = _canvas_scale(canvas, self.canvas_ctx)
        scale = text_scale(self.content_plan, self.layer, max(cfx, cfy))
        with ExitStack() as stack:
            source = opened_source(self.content_plan, self.layer, self.resolver, self.config,
                                   stack, scale)  # fmt: skip
            assert source is not None
            return self._draw(canvas, source)

    def _draw(self, canvas: Image.Image, source: SourceImage) -> Image.Image:
        layer, canvas_ctx = self.layer, self.canvas_ctx
        plan = self.plan = with_path_crop(self.plan, layer, source)
        composite = canvas_ctx.geometry
        geometry = source_transform(
            source.size, plan, layer=layer, dpi=source.dpi, reference_size=composite.size
        )
        if self.perspective is not None:
            return self._draw_warped(canvas, source, geometry)
        tx, ty = layer_position(plan, layer, geometry, composite, source.anchor)
        layer_steps = steps(plan, layer, self.registry)
        keep = self._keep(geometry, (tx, ty), layer_steps, canvas_ctx)
        if keep is None:
            return canvas  # nothing of the layer falls on the canvas
        cl, ct, cfx, cfy = _canvas_scale(canvas, canvas_ctx)
        image, ctx = self._pipeline(source, geometry, layer_steps, keep, max(cfx, cfy))
        ll, lt, lr, lb = ctx.content or (0.0, 0.0, image.width, image.height)
        lfx, lfy = (lr - ll) / geometry.size[0], (lb - lt) / geometry.size[1]
        scale = (cfx / lfx, cfy / lfy)
        origin = (cl + tx * cfx - ll * scale[0], ct + ty * cfy - lt * scale[1])
        placement = place(image.size, scale, _on_pixels(origin, scale), canvas.size)
        if placement.empty:
            return canvas
        left, top, right, bottom = placement.dest
        part = resample(_rgba(image), (right - left, bottom - top), placement.source,
                        ctx.res_mode)  # fmt: skip
        return self._blend(canvas, _rgba(part), (left, top), (cfx, cfy))

    def _draw_warped(
        self, canvas: Image.Image, source: SourceImage, geometry: LayerGeometry
    ) -> Image.Image:
        """A layer with ``perspective=`` (:mod:`engine.perspective`): its whole image after
        its pipeline, ``bgColor=`` under it, warped onto the quadrilateral."""
        plan, layer, composite = self.plan, self.layer, self.canvas_ctx.geometry
        assert self.perspective is not None
        offset = layer_offset(plan, layer, composite.size)
        quad, resampling = layer_quad(self.perspective, composite.size, offset)
        cl, ct, cfx, cfy = _canvas_scale(canvas, self.canvas_ctx)
        quad = tuple((cl + x * cfx, ct + y * cfy) for x, y in quad)  # type: ignore[assignment]
        wanted = source_scale(quad, geometry.size)
        layer_steps = steps(plan, layer, self.registry)
        image, ctx = self._pipeline(source, geometry, layer_steps, None, wanted)
        color = plan.get("bgColor", layer)
        background = color.arg("color").to_rgba8() if color is not None else None
        box = ctx.content or (0.0, 0.0, image.width, image.height)
        warped = warp(image, box, quad, canvas.size, resampling, background)
        if warped is None:
            return canvas
        part, at = warped
        return self._blend(canvas, part, at, (cfx, cfy), background=False)

    def _pipeline(
        self,
        source: SourceImage,
        geometry: LayerGeometry,
        layer_steps: tuple[Step, ...],
        keep: Box | None,
        canvas_scale: float,
    ) -> tuple[Image.Image, RenderContext]:
        """The layer's content decoded no finer than ``canvas_scale`` (canvas pixels per
        layer pixel) needs, prepared, through its pipeline (``keep``: the part to draw)."""
        needed = min(1.0, geometry.density * canvas_scale)
        # (a text layer was drawn at its scale already, to be pasted without resampling)
        image = source.load(min(1.0, needed * DRAFT_MARGIN, source.scale))
        image = prepare_content(image, self.plan, self.layer, self.resolver, self.config,
                                source.scale)  # fmt: skip
        ctx = RenderContext(
            plan=self.plan,
            config=self.config,
            source_size=source.size,
            scale=source.scale,
            source_dpi=source.dpi,
            content=source.content,
            keep=keep if keep != (0.0, 0.0, *geometry.size) else None,
            layer=self.layer,
            alpha_output=self.canvas_ctx.alpha_output,
            output=self.canvas_ctx.output,
            geometry=geometry,
            view=self.canvas_ctx.view,
            fill=TRANSPARENT,
        )
        for step in layer_steps:
            image = step.operation.apply(image, step.nodes, ctx)
        image = clip_layer(image, self.plan, self.layer, content=ctx.content,
                           geometry=geometry, source=source)  # fmt: skip
        return image, ctx

    def _blend(
        self,
        canvas: Image.Image,
        part: Image.Image,
        at: tuple[int, int],
        scale: tuple[float, float],
        *,
        background: bool = True,
    ) -> Image.Image:
        """The layer's RGBA ``part`` at ``at``: faded, over ``bgColor=`` (unless already
        under it), blended onto the canvas with its effects."""
        plan, layer = self.plan, self.layer
        shape = part.getchannel("A")
        part = _fade(part, plan, layer)
        color = plan.get("bgColor", layer) if background else None
        if color is not None:
            under = Image.new("RGBA", part.size, color.arg("color").to_rgba8())
            part = Image.alpha_composite(under, part)
        opac = plan.get("opac", layer)
        return draw_with_effects(
            canvas,
            part,
            at,
            plan=plan,
            parent=layer,
            shape=shape,
            opacity=opac.arg("opacity") / 100 if opac is not None else 1.0,
            scale=scale,
            blend=_blender(self.config, layer),
            mode=plan.arg("blendMode", "mode", "norm", layer=layer),
        )

    def _keep(
        self,
        geometry: LayerGeometry,
        position: tuple[float, float],
        layer_steps: tuple[Step, ...],
        canvas_ctx: RenderContext,
    ) -> Box | None:
        """The part of the layer (its pixels) on the canvas, widened by what its filters and
        the final resample read; None when none of it is on the canvas."""
        width, height = geometry.size
        cw, ch = canvas_ctx.geometry.size
        tx, ty = position
        box = (max(0.0, -tx), max(0.0, -ty), min(width, cw - tx), min(height, ch - ty))
        if box[2] <= box[0] or box[3] <= box[1]:
            return None
        margin = _RESAMPLE_SUPPORT + 1.0
        for step in layer_steps:
            if step.operation.stage < Stage.FILTER:
                continue
            reach = step.operation.reach(step.nodes, canvas_ctx) if step.operation.reach else None
            if reach is None:
                return (0.0, 0.0, float(width), float(height))
            margin += reach
        return (
            max(0.0, math.floor(box[0] - margin)),
            max(0.0, math.floor(box[1] - margin)),
            min(float(width), math.ceil(box[2] + margin)),
            min(float(height), math.ceil(box[3] + margin)),
        )


def _on_pixels(origin: tuple[float, float], scale: tuple[float, float]) -> tuple[float, float]:
    """A layer whose pixels are the canvas's size is placed on whole canvas pixels (the
    nearest): shifting it by a fraction of a pixel would resample, and so blur, all of it."""
    if all(abs(s - 1.0) < _SAME_SCALE for s in scale):
        return (float(round_half_up(origin[0])), float(round_half_up(origin[1])))
    return origin


# --- blending ------------------------------------------------------------------------------

_SEPARABLE: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "mult": lambda cb, cs: cb * cs,
    "screen": lambda cb, cs: cb + cs - cb * cs,
    "lighten": np.maximum,
    "darken": np.minimum,
}


def blend(
    canvas: Image.Image,
    part: Image.Image,
    at: tuple[int, int],
    mode: str,
    seed: tuple[int, int],
) -> Image.Image:
    """Draw the RGBA ``part`` onto the canvas at ``at`` with a blend mode."""
    if mode == "dissolve":
        part = _dissolve(part, seed)
        mode = "norm"
    box = (at[0], at[1], at[0] + part.width, at[1] + part.height)
    if mode == "norm" and canvas.mode in ("RGB", "L"):
        canvas = canvas if canvas.mode == "RGB" else canvas.convert("RGB")
        canvas.paste(part, box, part)  # over an opaque canvas: colour × alpha + canvas × rest
        return canvas
    canvas = _rgba(canvas)
    region = canvas.crop(box)
    if mode == "norm":
        canvas.paste(Image.alpha_composite(region, part), box)
        return canvas
    canvas.paste(_separable(region, part, _SEPARABLE[mode]), box)
    return canvas


def _separable(
    backdrop: Image.Image,
    source: Image.Image,
    function: Callable[[np.ndarray, np.ndarray], np.ndarray],
) -> Image.Image:
    """W3C compositing with a separable blend function, source-over."""
    b = np.asarray(backdrop, dtype=np.float32) / 255
    s = np.asarray(source, dtype=np.float32) / 255
    cb, ab = b[..., :3], b[..., 3:]
    cs, as_ = s[..., :3], s[..., 3:]
    mixed = (1 - ab) * cs + ab * function(cb, cs)
    alpha = as_ + ab * (1 - as_)
    premultiplied = as_ * mixed + (1 - as_) * ab * cb
    colour = np.divide(premultiplied, alpha, out=np.zeros_like(premultiplied), where=alpha > 0)
    out = np.concatenate([colour, alpha], axis=-1)
    return Image.fromarray(np.rint(out * 255).astype(np.uint8), "RGBA")


def _dissolve(part: Image.Image, seed: tuple[int, int]) -> Image.Image:
    """Each pixel fully opaque with probability its alpha, else fully transparent."""
    alpha = np.asarray(part.getchannel("A"), dtype=np.uint8)
    noise = np.random.default_rng([s % 2**64 for s in seed]).integers(
        0, 255, alpha.shape, dtype=np.uint8, endpoint=False
    )
    shown = np.where(alpha > noise, 255, 0).astype(np.uint8)
    part = part.copy()
    part.putalpha(Image.fromarray(shown, "L"))
    return part
