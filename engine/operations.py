"""What an operation plugin declares: :class:`Operation`, and the :class:`RenderContext`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PIL import Image

from engine.config import RenderConfig
from engine.signatures import CommandSignature
from engine.stages import Stage

if TYPE_CHECKING:
    from engine.plan import Node, Plan


@dataclass
class RenderContext:
    """State shared by the steps of one render.

    ``scale`` is the size of the current image relative to the full-resolution (oriented)
    source: 0.25 after decoding a JPEG at 1/4 or resizing to a quarter. Operations whose
    parameters "refer to full resolution" (``op_usm``) multiply by it. ``source_dpi`` is the
    source's resolution, if it declares one (``res=`` divides by it).

    ``content`` is the box of the current image (in its pixels, fractional) that holds the
    layer's full extent, when that is not the whole image: a JPEG decoded at 1/4 stores 4243
    source columns in 1061 pixels of which only 1060.75 are covered. Operations that keep the
    geometry (filters) leave it alone; one that moves pixels must map it or set it to None.
    """

    plan: Plan
    config: RenderConfig
    source_size: tuple[int, int]
    scale: float = 1.0
    source_dpi: float | None = None
    content: tuple[float, float, float, float] | None = None
    extras: dict[str, object] = field(default_factory=dict)


#: ``apply(image, nodes, ctx)``: ``nodes`` maps each of the operation's commands present in
#: the plan to its :class:`~engine.plan.Node`; the result replaces the image.
Apply = Callable[[Image.Image, Mapping[str, "Node"], RenderContext], Image.Image]


@dataclass(frozen=True)
class Operation:
    """Executes one or more commands at one pipeline stage.

    ``commands`` defaults to ``(name,)``. ``signatures`` declares commands that are not part
    of the IS language (a plugin's own ``op_sepia``); IS commands keep their documented
    signature. ``always`` runs the operation even when none of its commands is present (the
    view transform applies ``DefaultPix`` without any view command).
    """

    name: str
    stage: Stage
    apply: Apply
    commands: tuple[str, ...] = ()
    signatures: tuple[CommandSignature, ...] = ()
    always: bool = False
    description: str = ""

    @property
    def handles(self) -> tuple[str, ...]:
        return self.commands or (self.name,)
