"""Plan + source → encoded rendition: the renderer that dispatches to the plugins.

One render plans the geometry, the view layout and the output format once, decodes the source
once at the smallest JPEG scale the reply still needs, runs layer 0's pipeline, then the
composite's (filters, view transform, ``rect=``, sharpening) as :mod:`engine.pipeline` lists
them, through the operations the plugins registered, and finally converts to the requested
pixel type and hands the image to the format plugin's encoder.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from functools import cache
from typing import BinaryIO

from PIL import Image, ImageCms

from engine.clipping import with_path_crop
from engine.compositor import Resolver, composite_layers, opened_source, prepare_content
from engine.config import DEFAULT_CONFIG, RenderConfig
from engine.errors import RenderError, SourceError, UnsupportedError
from engine.formats import EncodeOptions, Format, Output, Quantize
from engine.geometry import source_transform, view_layout
from engine.macros import MacroTable
from engine.nesting import NestingResolver
from engine.operations import RenderContext
from engine.parser import parse
from engine.perspective import perspective_node, warp_canvas, without_resizing
from engine.pipeline import Step, keep_box, steps
from engine.plan import COMP, Plan
from engine.registry import Registry, get_registry
from engine.source import SourceImage, open_source
from engine.templates import Template, templated_request

Source = str | os.PathLike[str] | bytes | BinaryIO | Image.Image

#: A reduced JPEG decode must leave the final resample at least this much to reduce: decoding
#: to barely the target size and then resampling by ~1.02 measurably blurs (SSIM 0.97 against
#: a full decode for a 400-pixel crop of a 1224-pixel photo; ≥ 0.99 with this margin).
DRAFT_MARGIN = 1.25
_MODES = {"rgb": ("RGB", "RGBA"), "gray": ("L", "LA"), "cmyk": ("CMYK", None)}


@dataclass(frozen=True)
class Rendition:
    """An encoded image: what a request returns and an export writes."""

    data: bytes
    format: str
    mime_type: str
    extension: str
    width: int
    height: int


def render(
    source: Source | None,
    modifiers: str | Plan,
    *,
    macros: Mapping[str, str] | MacroTable | None = None,
    config: RenderConfig | None = None,
    resolver: Resolver | None = None,
    templates: Mapping[str, Template] | None = None,
) -> Rendition:
    """Render ``source`` (path, bytes, binary file or PIL image) through an IS request.

    ``modifiers`` is a modifier string (parsed with ``macros``; ``$object$`` is the source's
    base name) or an already parsed :class:`Plan`. ``resolver`` turns the object names of
    ``src=``/``mask=`` into image data (see :mod:`engine.compositor`). ``source`` may be None
    for a request whose layer 0 is given by ``src=`` or ``color=`` with ``size=``.
    ``templates`` are the compositing templates ``template=`` may name
    (:mod:`engine.templates`); the source is then only what ``$object$`` names.
    """
    config = config or DEFAULT_CONFIG
    with ExitStack() as stack:
        src = None if source is None else stack.enter_context(open_source(source, config=config))
        plan = _plan(src, modifiers, macros)
        if plan.get("template") is not None:
            return _render_template(source, src, modifiers, plan, config, resolver, macros,
                                    templates)  # fmt: skip
        return render_plan(src, plan, config, resolver=resolver, macros=macros)


def _render_template(
    source: Source | None,
    src: SourceImage | None,
    modifiers: str | Plan,
    plan: Plan,
    config: RenderConfig,
    resolver: Resolver | None,
    macros: Mapping[str, str] | MacroTable | None,
    templates: Mapping[str, Template] | None,
) -> Rendition:
    """``template=``: the templated request, its layer 0 from the template, the request's
    object served to the template as ``$object$``."""
    name = plan.arg("template", "object")
    template = (templates or {}).get(name)
    if template is None:
        known = ", ".join(sorted(templates or {})) or "none were given"
        raise RenderError(f"template={name}: no such template (known: {known})")
    text = modifiers if isinstance(modifiers, str) else plan.to_modifiers()
    object_name = (src.name if src is not None else None) or "object"
    request = parse(templated_request(text, template), macros=macros, object_name=object_name)
    if source is not None and hasattr(source, "read"):  # a file: served as its bytes
        source.seek(0)  # type: ignore[union-attr]
        source = source.read()  # type: ignore[union-attr]

    def serve(name: str) -> Source:
        if name == object_name and source is not None:
            return source
        if resolver is None:
            raise SourceError(f"object {name!r}: no resolver for layer sources")
        return resolver(name)

    return render_plan(None, request, config, resolver=serve, macros=macros)


def _plan(
    src: SourceImage | None,
    modifiers: str | Plan,
    macros: Mapping[str, str] | MacroTable | None,
) -> Plan:
    """The request's plan; ``$object$`` is the source's base name."""
    if isinstance(modifiers, Plan):
        return modifiers
    return parse(modifiers, macros=macros, object_name=src.name if src is not None else None)


def render_plan(
    src: SourceImage | None,
    plan: Plan,
    config: RenderConfig = DEFAULT_CONFIG,
    *,
    resolver: Resolver | None = None,
    macros: Mapping[str, str] | MacroTable | None = None,
) -> Rendition:
    """Execute a plan on an opened source (None: layer 0 comes from the plan); ``macros``
    serve the nested requests of ``src=is(...)``."""
    registry = get_registry()
    check_supported(plan)
    resolver = NestingResolver(resolver, macros, config, dict(plan.variables))
    output = output_format(plan, registry)
    fmt, pixel_type, compression = output
    with ExitStack() as stack:
        canvas = canvas_source(src, plan, config, resolver, stack)
        image = compose(canvas, plan, config, registry, resolver, output=output)
        image = _to_pixel_type(image, fmt, pixel_type, plan, config)
        options = encode_options(plan, config, fmt, pixel_type, compression, canvas)
    data = fmt.encode(image, options)  # type: ignore[misc]  # registry.format checked it
    return Rendition(data, fmt.name, fmt.mime_type, fmt.extension, image.width, image.height)


def canvas_source(
    src: SourceImage | None,
    plan: Plan,
    config: RenderConfig,
    resolver: Resolver | None,
    stack: ExitStack,
) -> SourceImage:
    """Layer 0's content: its own ``src=``/``text=``, else the request's object, else a solid
    ``color=`` layer (``r-src.md``: the object of the request when ``src=`` is absent)."""
    own = any(plan.get(command, 0) is not None for command in ("src", "text", "textPs"))
    if src is not None and not own:
        return src
    canvas = opened_source(plan, 0, resolver, config, stack)
    if canvas is None:
        raise RenderError(
            "the request has no object and layer 0 no content; expected src=, text=, "
            "or color= with size= on layer 0"
        )
    return canvas


def compose(
    src: SourceImage,
    plan: Plan,
    config: RenderConfig,
    registry: Registry,
    resolver: Resolver | None,
    *,
    output: Output | None = None,
    alpha_output: bool = True,
) -> Image.Image:
    """Layer 0's pipeline, the other layers onto it, then the composite's pipeline (filters,
    view, ``rect=``, sharpening): the reply's pixels, before the output pixel type. Without
    an ``output`` (a nested request) the pixels keep alpha as ``alpha_output`` says."""
    if output is not None:
        alpha_output = output.alpha
    warp = perspective_node(plan, 0)
    if warp is not None:  # layer 0 keeps the size of its content (r-perspective.md)
        plan = without_resizing(plan, 0)
    plan = with_path_crop(plan, 0, src)  # cropPathE= is a crop= of the embedded path's box
    # Geometry, view layout and output format: computed once, read by every operation.
    geometry = source_transform(src.size, plan, dpi=src.dpi)
    view = view_layout(geometry.size, plan, config, alpha_output=alpha_output)
    needed = min(1.0, geometry.density * view.density)
    decoded = src.load(min(1.0, needed * DRAFT_MARGIN))
    image = prepare_content(decoded, plan, 0, resolver, config, src.scale)
    ctx = RenderContext(
        plan=plan,
        config=config,
        source_size=src.size,
        scale=src.scale,
        source_dpi=src.dpi,
        content=src.content,
        alpha_output=alpha_output,
        output=output,
        geometry=geometry,
        view=view,
    )
    composite = steps(plan, COMP, registry)
    if warp is None:
        ctx.keep = keep_box(composite, ctx)  # draw no more of layer 0 than the rest reads
    image = run_steps(image, steps(plan, 0, registry), ctx)
    if warp is not None:
        image = warp_canvas(image, warp, ctx)
    private = image is not decoded or src.release()  # the render is the source's last user
    image = composite_layers(image, ctx, registry, resolver, src, private=private)
    ctx.layer, ctx.keep = COMP, None
    return run_steps(image, composite, ctx)


def run_steps(image: Image.Image, pipeline: tuple[Step, ...], ctx: RenderContext) -> Image.Image:
    """Run one layer's (or the composite's) operation calls in order."""
    for step in pipeline:
        image = step.operation.apply(image, step.nodes, ctx)
    return image


def check_supported(plan: Plan) -> None:
    for layer in plan.layers:
        flow = plan.get("textFlowPath", layer)
        if plan.get("textPath", layer) is not None and flow is not None and flow.arg("path"):
            raise RenderError(
                f"layer {layer}: textPath= and textFlowPath= exclude each other "
                "(r-textpath.md); keep one"
            )
    request = plan.arg("req", "type", "img")
    if request != "img":
        raise UnsupportedError(f"req={request} is not supported by render; use req=img")
    if plan.get("template") is not None:
        raise RenderError("template= needs engine.render(..., templates=...) to find it")
    if plan.get("icc") is not None:
        raise UnsupportedError("icc= is not supported yet")


def output_format(plan: Plan, registry: Registry) -> Output:
    """The format plugin, pixel type and compression the request asks for (§3.2 defaults)."""
    name = plan.arg("fmt", "format", "jpeg")
    fmt = registry.format(name)
    pixel_type = plan.arg("fmt", "pixelType") or "rgb"
    if pixel_type not in fmt.pixel_types:
        raise RenderError(
            f"fmt={name} cannot carry pixel type {pixel_type}; "
            f"expected {' or '.join(fmt.pixel_types)}"
        )
    compression = plan.arg("fmt", "compression")
    if compression == "none" and not fmt.compressions:
        compression = None  # the documented default form "fmt=jpeg,rgb,none"
    if compression is not None and compression not in fmt.compressions:
        allowed = "|".join(fmt.compressions) or "no compression option"
        raise RenderError(f"fmt={name} does not take compression {compression}; expected {allowed}")
    return Output(fmt, pixel_type, compression)


def _to_pixel_type(
    image: Image.Image, fmt: Format, pixel_type: str, plan: Plan, config: RenderConfig
) -> Image.Image:
    """Convert to the output pixel type; flatten transparency onto bgc for formats without
    alpha (§3.1 rule 6); formats with alpha always get an alpha channel."""
    opaque_mode, alpha_mode = _MODES[pixel_type]
    has_alpha = image.mode in ("RGBA", "LA")
    if fmt.alpha and alpha_mode is None:
        raise UnsupportedError(f"fmt={fmt.name} with pixel type {pixel_type} cannot keep alpha")
    if has_alpha and not fmt.alpha:
        color = plan.arg("bgc", "color") or config.bkg_color
        background = Image.new("RGB", image.size, color.to_rgb8())
        if image.mode == "LA":
            image = image.convert("RGBA")
        background.paste(image, mask=image.getchannel("A"))
        image = background
    target = alpha_mode if fmt.alpha else opaque_mode
    if image.mode != target:
        image = image.convert(target)
    return image


def encode_options(
    plan: Plan,
    config: RenderConfig,
    fmt: Format,
    pixel_type: str,
    compression: str | None,
    src: SourceImage | None = None,
) -> EncodeOptions:
    """The request's encoder settings, defaulted from the configuration (§3.2)."""
    quantize = plan.get("quantize")
    embed = bool(plan.arg("iccEmbed", "embed", False))
    return EncodeOptions(
        pixel_type=pixel_type,
        compression=compression,
        quality=plan.arg("qlt", "quality", config.jpeg_quality),
        chroma=bool(plan.arg("qlt", "chroma", config.jpeg_chroma)),
        pscan=plan.arg("pscan", "scans", "auto"),
        quantize=Quantize(
            type=quantize.arg("type"),
            dither=quantize.arg("dither"),
            num_colors=quantize.arg("numColors"),
            color_list=quantize.arg("colorList"),
        )
        if quantize is not None
        else Quantize(),
        jpeg_size_kb=plan.arg("jpegSize", "kilobytes", 0.0),
        icc_profile=_srgb_profile() if embed and pixel_type == "rgb" else None,
        print_res=plan.arg("printRes", "dpi", src.dpi if src is not None else None),
        progressive=fmt.name == "pjpeg",
    )


@cache
def _srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def render_props(
    source: Source,
    modifiers: str | Plan,
    *,
    macros: Mapping[str, str] | MacroTable | None = None,
    config: RenderConfig | None = None,
    resolver: Resolver | None = None,
) -> dict[str, str]:
    """IS ``req=props``: evaluate the request as an image request and describe the reply."""
    config = config or DEFAULT_CONFIG
    with open_source(source, config=config) as src:
        plan = _plan(src, modifiers, macros)
        rendition = render_plan(src, plan, config, resolver=resolver, macros=macros)
        fmt, pixel_type, compression = output_format(plan, get_registry())
        options = encode_options(plan, config, fmt, pixel_type, compression, src)
    bgc = plan.arg("bgc", "color") or config.bkg_color
    return {
        "image.width": str(rendition.width),
        "image.height": str(rendition.height),
        "image.type": rendition.mime_type,
        "image.length": str(len(rendition.data)),
        "image.quality": f"{options.quality},{int(options.chroma)}",
        "image.bgc": "0x{:02x}{:02x}{:02x}".format(*bgc.to_rgb8()),
        "image.iccEmbed": str(int(options.icc_profile is not None)),
        "image.iccProfile": "sRGB IEC61966-2.1" if options.icc_profile is not None else "",
        "image.mask": str(int(fmt.alpha)),
        "image.pixTyp": {"rgb": "RGB", "gray": "BW", "cmyk": "CMYK"}[pixel_type],
        "image.printRes": format(options.print_res or 72, "g"),
        "image.pathEmbed": "0",
        "image.xmpEmbed": "0",
    }
