"""``op_noise``: deterministic additive noise on the colour channels.

``op_noise=amount[,uniform|gaussian[,monochrome]]`` adds to each colour value ``n`` scaled by
``A = amount`` % of full scale (``2.55·amount``), then rounds and clips to 0..255:

* ``uniform``: ``n`` uniform in ``[−A, +A)``;
* ``gaussian``: ``n`` normal with mean 0 and standard deviation ``A/2`` (95 % within ``±A``).

``monochrome=1`` adds the same ``n`` to every colour channel of a pixel (gray noise); gray
images have one channel, so it changes nothing there. Alpha is left untouched.

The noise is a pure function of ``ctx.config.noise_seed`` and the pixel's position in the layer:
the layer is tiled in :data:`TILE`-pixel squares, each drawn from NumPy's PCG64 seeded with
``[seed, tile column, tile row]``. So the same request renders the same bytes, a different seed
gives different noise, and a render that draws only a window of the layer (the view keeps no
more) adds to each pixel the same noise as a render of the whole.
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


TILE = 256


def _offset(ctx: RenderContext) -> tuple[int, int]:
    """Where the current image starts in the layer (non-zero when only a window is drawn)."""
    if ctx.content is None:
        return (0, 0)
    return (round(-ctx.content[0]), round(-ctx.content[1]))


def _tile_noise(
    seed: int, tile: tuple[int, int], channels: int, gaussian: bool, amplitude: float
) -> np.ndarray:
    # SeedSequence takes non-negative integers only; wrap a negative seed into 64 bits.
    rng = np.random.default_rng([seed % 2**64, *tile])
    shape = (TILE, TILE, channels)
    if gaussian:
        return rng.standard_normal(shape, dtype=np.float32) * np.float32(amplitude / 2)
    return (rng.random(shape, dtype=np.float32) * 2 - 1) * np.float32(amplitude)


def _noise(image: Image.Image, nodes: Mapping[str, Node], ctx: RenderContext) -> Image.Image:
    node = nodes["op_noise"]
    amplitude = 2.55 * node.arg("amount")
    if not amplitude:
        return image
    width, height = image.size
    bands = len(image.getbands())
    colour = bands - (image.mode in ("LA", "RGBA"))  # the alpha band, if any, is last
    channels = 1 if node.arg("monochrome") else colour
    gaussian = node.arg("distribution") == "gaussian"
    pixels = np.array(image).reshape(height, width, bands)
    ox, oy = _offset(ctx)
    # Tile by tile in layer coordinates: the noise of a pixel does not depend on which part
    # of the layer is drawn, and the float intermediates stay one tile in size.
    for ty in range(oy // TILE, (oy + height - 1) // TILE + 1):
        y0, y1 = max(ty * TILE, oy), min((ty + 1) * TILE, oy + height)
        for tx in range(ox // TILE, (ox + width - 1) // TILE + 1):
            x0, x1 = max(tx * TILE, ox), min((tx + 1) * TILE, ox + width)
            noise = _tile_noise(ctx.config.noise_seed, (tx, ty), channels, gaussian, amplitude)
            noise = noise[y0 - ty * TILE : y1 - ty * TILE, x0 - tx * TILE : x1 - tx * TILE]
            block = pixels[y0 - oy : y1 - oy, x0 - ox : x1 - ox, :colour]
            values = block + noise  # float32; a monochrome noise plane broadcasts
            block[...] = np.clip(np.rint(values, out=values), 0, 255, out=values)
    return Image.fromarray(pixels[..., 0] if bands == 1 else pixels)


def _reach(nodes: Mapping[str, Node], ctx: RenderContext) -> float:
    return 0.0


@hookimpl
def isrender_register_operations(register: Registrar) -> None:
    register.operation(
        Operation(
            name="op_noise",
            stage=Stage.FILTER,
            apply=_noise,
            reach=_reach,
            description="uniform or Gaussian noise, seeded by config.noise_seed and image size",
        )
    )
