"""One declared pipeline order: the plan prints what the renderer runs, in that order."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

import engine
from engine.pipeline import steps
from engine.plan import COMP
from engine.registry import get_registry

REQUEST = "op_brightness=20&op_blur=3&op_noise=10&op_contrast=5&fmt=png"


def _photo() -> bytes:
    rng = np.random.default_rng(5)
    pixels = rng.integers(0, 256, (60, 80, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "PNG")
    return out.getvalue()


def test_the_printed_plan_is_the_order_that_runs():
    plan = engine.parse(REQUEST)
    lines = str(plan).splitlines()[2:]
    printed = [line.split()[1].split("=")[0] for line in lines if line.startswith("    ")]
    assert printed[:4] == ["op_brightness", "op_contrast", "op_blur", "op_noise"]
    ran = [c for step in steps(plan, COMP, get_registry()) for c in step.nodes]
    assert ran[:4] == printed[:4]
    assert [s.operation.name for s in steps(plan, COMP, get_registry())] == [
        "adjust", "op_blur", "op_noise", "view",
    ]  # fmt: skip


def test_rendering_equals_the_printed_steps_one_after_the_other():
    once = engine.render(_photo(), REQUEST).data
    data = _photo()
    for part in ("op_brightness=20&op_contrast=5", "op_blur=3", "op_noise=10"):
        data = engine.render(data, f"{part}&fmt=png").data
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(once))),
                          np.asarray(Image.open(io.BytesIO(data))))  # fmt: skip


def test_flip_of_the_composite_runs_after_layer_0_extend():
    """r-flip.md: with layer=comp, commands auto-assigned to layer 0 (extend=) run before the
    composite's own (flip=): the margin added on the left ends up on the right."""
    source = Image.new("RGB", (10, 10), (255, 0, 0))
    out = io.BytesIO()
    source.save(out, "PNG")
    result = engine.render(out.getvalue(), "extend=5,0,0,0&bgColor=0,0,255&flip=lr&fmt=png")
    image = Image.open(io.BytesIO(result.data)).convert("RGB")
    assert image.size == (15, 10)
    assert image.getpixel((0, 5)) == (255, 0, 0) and image.getpixel((14, 5)) == (0, 0, 255)
    # Inside an explicit layer=0 the layer-transform order holds: flip, then extend.
    result = engine.render(out.getvalue(), "layer=0&extend=5,0,0,0&bgColor=0,0,255&flip=lr&fmt=png")
    image = Image.open(io.BytesIO(result.data)).convert("RGB")
    assert image.getpixel((0, 5)) == (0, 0, 255) and image.getpixel((14, 5)) == (255, 0, 0)
