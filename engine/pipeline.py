"""What runs, in which order: a layer's plan nodes grouped into operation calls.

The plan lists each layer's commands in the one declared pipeline order
(:data:`engine.stages.PIPELINE`, then the stage of each command's signature); the renderer runs
exactly that list. Consecutive commands of one operation form one call (``op_brightness`` and
``op_contrast`` fuse into one lookup table), so what a printed plan shows is what runs.
Operations declared ``always`` (the view transform) run for the composite even when none of
their commands is in the request.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from engine.errors import UnsupportedError
from engine.geometry import Box, transpose_box
from engine.operations import Operation, RenderContext
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


#: flip= as the transpose that undoes it (each flip is its own inverse).
_FLIP_TRANSPOSE = {"lr": 0, "ud": 1, "lrud": 3}
#: Lanczos reads 3 source pixels on each side at 1:1, proportionally more when reducing.
_RESAMPLE_SUPPORT = 3.0


def keep_box(composite: tuple[Step, ...], ctx: RenderContext) -> Box | None:
    """The part of the composite (layer 0, in its pixels, before the composite's ``flip=``)
    that the composite's steps read: what the view shows, widened by the resampling support
    and by the reach of each filter before the view; None when that is everything or a
    filter needs the whole image."""
    width, height = ctx.geometry.size
    placement = ctx.view.view
    box = (0.0, 0.0, 1.0, 1.0) if placement.empty else placement.source
    margin = _RESAMPLE_SUPPORT * max(1.0, 1.0 / min(ctx.view.scale)) + 1.0
    for step in composite:
        stage = step.operation.stage
        if stage >= Stage.VIEW:
            break
        if stage == Stage.FLIP and set(step.nodes) <= {"flip"}:
            continue  # a mirror: handled below
        reach = step.operation.reach(step.nodes, ctx) if step.operation.reach else None
        if stage != Stage.FILTER or reach is None:
            return None
        margin += reach
    kept = (
        max(0, math.floor(box[0] - margin)),
        max(0, math.floor(box[1] - margin)),
        min(width, math.ceil(box[2] + margin)),
        min(height, math.ceil(box[3] + margin)),
    )
    if kept == (0, 0, width, height):
        return None
    flip = ctx.plan.get("flip", COMP)
    if flip is not None:
        return transpose_box(kept, (width, height), _FLIP_TRANSPOSE[flip.arg("mode")])
    return kept
