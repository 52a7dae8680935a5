"""What runs, in which order: a layer's plan nodes grouped into operation calls.

The plan lists each layer's commands in the one declared pipeline order
(:data:`engine.stages.PIPELINE`, then the stage of each command's signature); the renderer runs
exactly that list. Consecutive commands of one operation form one call (``op_brightness`` and
``op_contrast`` fuse into one lookup table), so what a printed plan shows is what runs.
Operations declared ``always`` (the view transform) run for the composite even when none of
their commands is in the request.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.errors import UnsupportedError
from engine.operations import Operation
from engine.plan import COMP, Layer, Node, Plan
from engine.registry import Registry
from engine.stages import Stage


@dataclass(frozen=True)
class Step:
    """One call of an operation: its commands present in the request, in pipeline order,
    keyed by the spelling the operation declared."""

    operation: Operation
    nodes: dict[str, Node]

    def __str__(self) -> str:
        commands = "&".join(node.to_modifier() for node in self.nodes.values())
        return f"{self.operation.stage.name.lower():<8} {self.operation.name}: {commands or '-'}"


def steps(plan: Plan, layer: Layer, registry: Registry) -> tuple[Step, ...]:
    """The operation calls of one layer's pipeline (``"comp"``: the composite's, with the view
    transform, ``rect=`` and sharpening)."""
    composite = layer == COMP
    result: list[Step] = []
    for node in plan:
        if not (Stage.CROP <= node.stage <= Stage.SHARPEN) or node.signature.noop:
            continue
        if node.layer != layer and not (composite and node.layer is None):
            continue
        op = registry.operations.get(node.command.lower())
        if op is None:
            raise UnsupportedError(f"{node.command}= has no operation that implements it")
        key = next((c for c in op.handles if c.lower() == node.command.lower()), node.command)
        if result and result[-1].operation is op:
            result[-1].nodes[key] = node
        else:
            result.append(Step(op, {key: node}))
    if composite:
        for op in registry.always:
            if not any(step.operation is op for step in result):
                at = next((i for i, s in enumerate(result) if s.operation.stage > op.stage), None)
                result.insert(len(result) if at is None else at, Step(op, {}))
    return tuple(result)
