"""The operation tree: a pure-data plan of one request, independent of Pillow.

A :class:`Plan` holds one :class:`Node` per effective command (last occurrence wins per layer;
view and request commands are global), ordered in IS's fixed pipeline order. It prints as an
indented tree and serialises back to a canonical modifier string; parsing that string gives
the same plan.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from engine.commands import COMMAND_ORDER
from engine.signatures import CommandSignature
from engine.stages import COMPOSITE_SCOPED, PIPELINE_RANK, Stage
from engine.syntax import encode_value, opens_nested

COMP = "comp"
Layer = int | str  # a layer number, "comp" for the composite, or an effect layer "parent:n"


def effect_layer(parent: Layer, number: int) -> str:
    """The id of effect layer ``number`` (``effect=n``) attached to ``parent``."""
    return f"{parent}:{number}"


def effect_parent(layer: Layer | None) -> tuple[Layer, int] | None:
    """``(parent, n)`` of an effect layer id, None for any other layer."""
    if not isinstance(layer, str) or ":" not in layer:
        return None
    parent, _, number = layer.rpartition(":")
    return (parent if parent == COMP else int(parent), int(number))


class Node(NamedTuple):
    """One command of the plan with its typed arguments (``None`` where omitted).

    A named tuple: plans are built per request and a tuple is the cheapest immutable record.
    """

    command: str
    args: tuple[Any, ...]
    stage: Stage
    layer: Layer | None  # None for view and request commands
    signature: CommandSignature

    def __repr__(self) -> str:
        return f"Node({self.command!r}, {self.args!r}, {self.stage.name}, layer={self.layer!r})"

    def arg(self, name: str) -> Any:
        """The argument called ``name``, or its documented default when omitted."""
        for index, param in enumerate(self.signature.params):
            if param.name == name:
                value = self.args[index] if index < len(self.args) else None
                if value is None and not param.required:
                    return param.default
                return value
        raise KeyError(f"{self.command} has no argument {name!r}")

    @property
    def value_text(self) -> str:
        return self.signature.format_args(self.args)

    def to_modifier(self) -> str:
        value = self.value_text
        if not value:
            return self.command
        if opens_nested(self.command, value):
            return f"{self.command}={value}"  # as written: the nested request decodes it
        return f"{self.command}={encode_value(value)}"


@dataclass(frozen=True)
class Plan:
    """The resolved request: nodes in execution order, plus the object name it was made for."""

    nodes: tuple[Node, ...]
    object_name: str | None = None
    #: The request's ``$var=`` definitions (name as looked up, value as written), which its
    #: nested requests inherit (§2.1); not part of the plan's identity or modifier string.
    variables: tuple[tuple[str, str], ...] = field(default=(), compare=False)
    _index: dict[tuple[str, Layer | None], Node] = field(
        init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        index = {(n.command.lower(), n.layer): n for n in self.nodes}
        object.__setattr__(self, "_index", index)

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes)

    def __len__(self) -> int:
        return len(self.nodes)

    def get(self, command: str, layer: Layer | None = None) -> Node | None:
        """The node of ``command``, any spelling (global ones need no layer; layer ones default
        to layer 0, then the composite)."""
        key = command.lower()
        node = self._index.get((key, layer))
        if node is None and layer is None:
            node = self._index.get((key, 0)) or self._index.get((key, COMP))
        return node

    def arg(
        self, command: str, name: str, default: Any = None, *, layer: Layer | None = None
    ) -> Any:
        """Shorthand: one argument of a global or layer-0 command (of ``layer``'s when given),
        ``default`` if absent."""
        node = self.get(command, layer)
        if node is None:
            return default
        value = node.arg(name)
        return default if value is None else value

    @property
    def layers(self) -> tuple[Layer, ...]:
        seen: dict[Layer, None] = {}
        for node in self.nodes:
            if node.layer is not None:
                seen.setdefault(node.layer, None)
        return tuple(seen)

    def to_modifiers(self) -> str:
        """Canonical modifier string: composite segment first, then ``layer=N`` segments.

        Layer-0 source transforms and everything global go in the leading (``layer=comp``)
        segment, where the parser assigns them back to the same place (except ``flip=`` and
        ``opac=``, which there mean the composite's, :data:`engine.stages.COMPOSITE_SCOPED`).
        """
        head: list[str] = []
        layered: dict[Layer, list[str]] = {}
        for node in sorted(self.nodes, key=execution_key):
            if node.layer in (None, COMP) or (
                node.layer == 0
                and node.stage < Stage.FILTER
                and node.command.lower() not in COMPOSITE_SCOPED
            ):
                head.append(node.to_modifier())
            else:
                layered.setdefault(node.layer, []).append(node.to_modifier())
        parts = head
        for layer, items in layered.items():
            effect = effect_parent(layer)
            if effect is None:
                parts.append(f"layer={layer}")
            else:
                parts += [f"layer={effect[0]}", f"effect={effect[1]}"]
            parts.extend(items)
        return "&".join(parts)

    def __str__(self) -> str:
        lines = [f"Plan for {self.object_name!r}" if self.object_name else "Plan"]
        title = None
        for node in self.nodes:
            if node.layer is None:
                group = "request" if node.stage in (Stage.OUTPUT, Stage.REQUEST) else "view"
            elif (effect := effect_parent(node.layer)) is not None:
                group = f"layer {effect[0]}, effect {effect[1]}"
            else:
                group = f"layer {node.layer}"
            if group != title:
                lines.append(f"  {group}")
                title = group
            lines.append(f"    {node.stage.name.lower():<8} {node.to_modifier()}")
        return "\n".join(lines)


def execution_key(node: Node) -> tuple[float, str, int, int, int, str]:
    """Sort key of IS's pipeline: the numbered layers (0, 1, ...), each in its own pipeline,
    then the composite, whose filters, view transform, sharpening and output interleave by
    stage with the global commands; then the stage, the declared pipeline order
    (:data:`engine.stages.PIPELINE`), the order in which the reference lists the other
    commands (``wid`` before ``hei`` ...) and the name. Effect layers come last, by id."""
    key = node.command.lower()
    layer = node.layer if isinstance(node.layer, int) else math.inf  # comp and global: last
    effect = node.layer if effect_parent(node.layer) is not None else ""  # effects: after
    rank = PIPELINE_RANK.get(key, len(PIPELINE_RANK))
    return (layer, effect, node.stage, rank, COMMAND_ORDER.get(key, len(COMMAND_ORDER)), key)
