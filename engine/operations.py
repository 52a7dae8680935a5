"""What an operation plugin declares: :class:`Operation`, and the :class:`RenderContext`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PIL import Image

from engine.config import RenderConfig
from engine.errors import RenderError
from engine.formats import Output
from engine.geometry import LayerGeometry, ViewLayout, source_transform, view_layout
from engine.pixels import RES_MODES, TRANSPARENT
from engine.plan import COMP, Layer
from engine.signatures import CommandSignature
from engine.stages import Stage

if TYPE_CHECKING:
    from engine.plan import Node, Plan

RGBA = tuple[int, int, int, int]


@dataclass
class RenderContext:
    """State shared by the steps of one layer's (or the composite's) pipeline.

    ``layer`` is the layer whose commands run (``"comp"`` for the composite's). The renderer
    computes once, before any operation runs: ``geometry``, where that layer's transforms take
    it (:class:`~engine.geometry.LayerGeometry`, in full-resolution source units; for the
    composite, layer 0's, whose size is the composite's); ``view``, how the composite becomes
    the reply (:class:`~engine.geometry.ViewLayout`); ``output``, the reply's format plugin,
    pixel type and compression (:class:`~engine.formats.Output`; None inside a nested request)
    and ``alpha_output``, whether the reply keeps alpha; ``fill``, the RGBA of areas a
    transform uncovers (crop, rotate, extend): layer 0's ``bgColor=``, transparent for other
    layers (their ``bgColor=`` goes under them after ``opac=``, ``r-bgcolor.md``). Operations
    read them and never recompute them from the plan. (Built without them, for one image
    layer, the context computes them from the plan itself.)

    ``scale`` is the size of the current image relative to the full-resolution (oriented)
    source: 0.25 after decoding a JPEG at 1/4 or resizing to a quarter. Operations whose
    parameters "refer to full resolution" (``op_usm``) multiply by it. ``source_dpi`` is the
    source's resolution, if it declares one (``res=`` divides by it).

    ``content`` is the box of the current image (in its pixels, fractional) that holds the
    layer's full extent, when that is not the whole image: a JPEG decoded at 1/4 stores 4243
    source columns in 1061 pixels of which only 1060.75 are covered; a layer of which only a
    window is drawn (the view keeps no more) has a content box reaching outside the image.
    Operations that keep the geometry (filters) leave it alone; one that moves pixels must map
    it or set it to None.

    ``keep`` is the box of the layer (in layer pixels, after all its transforms) that the rest
    of the render reads: the part the view shows plus what the filters after the layer
    transforms reach (``Operation.reach``), or None for all of it. The operation that draws
    the layer's final extent (``extend=``, or ``crop=`` when it is the last transform) may draw
    only that window, with ``content`` saying where the whole layer lies relative to it.
    """

    plan: Plan
    config: RenderConfig
    source_size: tuple[int, int]
    scale: float = 1.0
    source_dpi: float | None = None
    content: tuple[float, float, float, float] | None = None
    keep: tuple[float, float, float, float] | None = None
    layer: Layer = 0
    alpha_output: bool = False
    output: Output | None = None
    geometry: LayerGeometry = None  # type: ignore[assignment]  # set in __post_init__
    view: ViewLayout = None  # type: ignore[assignment]  # set in __post_init__
    fill: RGBA = None  # type: ignore[assignment]  # set in __post_init__
    extras: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.output is not None:
            self.alpha_output = self.output.alpha
        if self.fill is None:
            node = self.plan.get("bgColor", 0 if self.layer == COMP else self.layer)
            self.fill = node.arg("color").to_rgba8() if node is not None else TRANSPARENT
        if self.geometry is None:
            layer = 0 if self.layer == COMP else self.layer
            self.geometry = source_transform(
                self.source_size, self.plan, layer=layer, dpi=self.source_dpi
            )
        if self.view is None:
            self.view = view_layout(
                self.geometry.size, self.plan, self.config, alpha_output=self.alpha_output
            )

    @property
    def layer_scale(self) -> float:
        """Pixels of the current image per layer pixel (per composite pixel for the
        composite): 1 unless the source was decoded reduced. Filter radii "in composite
        pixels" (``op_blur``, ``op_grow``) multiply by it."""
        return self.scale / self.geometry.density

    @property
    def res_mode(self) -> str:
        """The request's ``resMode=``, else the configured default."""
        mode = self.plan.arg("resMode", "mode", self.config.res_mode)
        if mode not in RES_MODES:
            raise RenderError(
                f"resMode {mode!r} (configured default) is unknown; expected one of "
                + "|".join(sorted(RES_MODES))
            )
        return mode


#: ``apply(image, nodes, ctx)``: ``nodes`` maps each of the operation's commands present in
#: the plan to its :class:`~engine.plan.Node`; the result replaces the image.
Apply = Callable[[Image.Image, Mapping[str, "Node"], RenderContext], Image.Image]
#: ``reach(nodes, ctx)``: how far (in layer pixels) around each pixel it writes the operation
#: reads; ``None`` when it needs the whole image (a histogram, say).
Reach = Callable[[Mapping[str, "Node"], RenderContext], float | None]


@dataclass(frozen=True)
class Operation:
    """Executes one or more commands at one pipeline stage.

    ``commands`` defaults to ``(name,)``. ``signatures`` declares commands that are not part
    of the IS language (a plugin's own ``op_sepia``); IS commands keep their documented
    signature. ``always`` runs the operation even when none of its commands is present (the
    view transform applies ``DefaultPix`` without any view command).

    ``reach`` matters for filters: with it, a render whose view keeps only part of a large
    layer (``extend=0,0,12000,12000&scl=1&rect=0,0,100,100``) filters only that part plus the
    reach; without it (the default, always safe) the filter gets the whole layer.
    """

    name: str
    stage: Stage
    apply: Apply
    commands: tuple[str, ...] = ()
    signatures: tuple[CommandSignature, ...] = ()
    always: bool = False
    description: str = ""
    reach: Reach | None = None

    @property
    def handles(self) -> tuple[str, ...]:
        return self.commands or (self.name,)
