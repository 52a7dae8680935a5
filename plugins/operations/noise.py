"""``op_noise``: deterministic additive noise on the colour channels.

``op_noise=amount[,uniform|gaussian[,monochrome]]`` adds to each colour value ``n`` scaled by
``A = amount`` % of full scale (``2.55·amount``), then rounds and clips to 0..255:

* ``uniform``: ``n`` uniform in ``[−A, +A)``;
* ``gaussian``: ``n`` normal with mean 0 and standard deviation ``A/2`` (95 % within ``±A``).

``monochrome=1`` adds the same ``n`` to every colour channel of a pixel (gray noise); gray
images have one channel, so it changes nothing there. Alpha is left untouched.

The noise is a pure function of ``ctx.config.noise_seed`` and the image size (NumPy's PCG64
seeded with ``[seed, width, height]``), so the same request renders the same bytes and a
different seed gives different noise.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from engine.hookspecs import hookimpl
from engine.operations import Operation, RenderContext
from engine.plan import Node
from engine.stages import Stage

if TYPE_CHECKING:
    from engine.registry import Registrar


def _rng(seed: int, size: tuple[int, int]) -> np.random.Generator:
    # SeedSequence takes non-negative integers only; wrap a negative seed into 64 bits.
    return np.random.default_rng([seed % 2**64, *size])


def _noise(image: Image.Image, nodes: Mapping[str, Node], ctx: RenderContext) -> Image.Image:
    node = nodes["op_noise"]
    amplitude = 2.55 * node.arg("amount")
    if not amplitude:
        return image
    width, height = image.size
    bands = len(image.getbands())
    colour = bands - (image.mode in ("LA", "RGBA"))  # the alpha band, if any, is last
    pixels = np.array(image).reshape(height, width, bands)
    shape = (height, width, 1 if node.arg("monochrome") else colour)
    rng = _rng(ctx.config.noise_seed, image.size)
    if node.arg("distribution") == "gaussian":
        noise = rng.standard_normal(shape, dtype=np.float32) * np.float32(amplitude / 2)
    else:
        noise = (rng.random(shape, dtype=np.float32) * 2 - 1) * np.float32(amplitude)
    values = pixels[..., :colour] + noise  # float32; a monochrome noise plane broadcasts
    pixels[..., :colour] = np.clip(np.rint(values, out=values), 0, 255, out=values)
    return Image.fromarray(pixels[..., 0] if bands == 1 else pixels)


@hookimpl
def isrender_register_operations(register: Registrar) -> None:
    register.operation(
        Operation(
            name="op_noise",
            stage=Stage.FILTER,
            apply=_noise,
            description="uniform or Gaussian noise, seeded by config.noise_seed and image size",
        )
    )
