"""One declared pipeline order: the plan prints what the renderer runs, in that order."""

from __future__ import annotations

import io

import numpy as np
import pytest
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


# --- only what the view keeps is drawn and filtered ------------------------------------------


def _textured(size=(90, 70)) -> bytes:
    rng = np.random.default_rng(9)
    out = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)).save(out, "PNG")
    return out.getvalue()


class _Whole:
    """A filter without a declared reach: the render then draws the whole layer."""

    @engine.hookimpl
    def isrender_register_operations(self, register) -> None:
        signature = engine.CommandSignature("op_whole", (engine.Param("on", engine.Int(0, 1)),))
        register.operation(
            engine.Operation(
                "op_whole", engine.Stage.FILTER, lambda image, nodes, ctx: image,
                signatures=(signature,),
            )
        )  # fmt: skip


@pytest.mark.parametrize(
    "modifiers",
    [
        "extend=40,30,200,150&scl=1&rect=70,60,50,40&op_blur=3&op_grow=2&op_noise=20",
        "extend=40,30,200,150&bgColor=0,0,255&flip=lr&rect=30,20,60,50&scl=1&op_blur=2",
        "crop=-50,-40,300,200&scl=1&rect=40,30,70,50&op_noise=30,gaussian&op_hue=40",
        "extend=0,0,900,700&wid=100&rect=10,10,40,40&op_blur=1&op_noise=10",
    ],
)
def test_a_window_renders_the_same_pixels_as_the_whole_layer(modifiers):
    data = _textured()
    windowed = engine.render(data, f"{modifiers}&fmt=png-alpha").data
    plugin = _Whole()
    engine.register(plugin, name="whole")
    try:
        whole = engine.render(data, f"{modifiers}&op_whole=1&fmt=png-alpha").data
    finally:
        engine.unregister(plugin)
    a = np.asarray(Image.open(io.BytesIO(windowed)), dtype=int)
    b = np.asarray(Image.open(io.BytesIO(whole)), dtype=int)
    assert a.shape == b.shape
    assert np.abs(a - b).max() <= 1
