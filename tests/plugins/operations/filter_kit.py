"""Shared helpers of the filter-operation tests: run operations on a parsed request; images."""

from __future__ import annotations

import numpy as np
from PIL import Image

from engine import RenderConfig, RenderContext, get_registry, parse
from engine.stages import Stage

MODES = ("L", "LA", "RGB", "RGBA")


def run(image: Image.Image, modifiers: str, *, scale: float = 1.0, seed: int = 0) -> Image.Image:
    """Apply the filter/sharpen commands of ``modifiers``; they must share one operation.

    ``scale`` is ``ctx.scale`` (current pixels per full-resolution source pixel); the other
    commands of the request (``scale=``, ``size=`` ...) only shape the plan.
    """
    plan = parse(modifiers)
    nodes = {n.command: n for n in plan if n.stage in (Stage.FILTER, Stage.SHARPEN)}
    registry = get_registry()
    operations = {id(registry.operations[command.lower()]) for command in nodes}
    assert len(operations) == 1, f"{modifiers!r} needs exactly one operation"
    operation = registry.operations[next(iter(nodes)).lower()]
    ctx = RenderContext(
        plan=plan, config=RenderConfig(noise_seed=seed), source_size=image.size, scale=scale
    )
    return operation.apply(image, nodes, ctx)


def sample(mode: str, size: tuple[int, int] = (24, 16), seed: int = 7) -> Image.Image:
    """A deterministic random image in ``mode`` (alpha random too)."""
    width, height = size
    bands = len(mode)
    pixels = np.random.default_rng(seed).integers(0, 256, (height, width, bands), dtype=np.uint8)
    return Image.fromarray(pixels[..., 0] if bands == 1 else pixels)


def pixels(image: Image.Image) -> np.ndarray:
    """The image as a signed array of shape (height, width, bands)."""
    width, height = image.size
    return np.asarray(image, dtype=np.int32).reshape(height, width, len(image.getbands()))


def alpha(image: Image.Image) -> np.ndarray:
    return np.asarray(image.getchannel("A"))
