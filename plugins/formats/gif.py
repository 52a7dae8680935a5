"""``fmt=gif`` (2–256 colours) and ``fmt=gif-alpha`` (2–255 colours + a transparent key).

The image is palettised by ``quantize=`` (see :mod:`plugins.formats._palette`), which already
drops unused entries, so Pillow's own palette optimisation is left off. GIF carries neither
an ICC profile nor a resolution.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from PIL import Image

from engine.formats import EncodeOptions, Format
from engine.hookspecs import hookimpl
from plugins.formats._encoding import check_size, compression, save
from plugins.formats._palette import quantize

if TYPE_CHECKING:
    from engine.registry import Registrar

_MAX_SIDE = 65_535  # 16-bit logical screen size


def encode(image: Image.Image, options: EncodeOptions, *, name: str, alpha: bool) -> bytes:
    """Quantize ``image`` and encode it as a single-frame GIF."""
    compression(name, (), options)
    check_size(image, name, _MAX_SIDE)
    indexed = quantize(image, options.quantize, name=name, key=alpha)
    params: dict[str, Any] = {"optimize": False}
    if "transparency" in indexed.info:
        params["transparency"] = indexed.info["transparency"]
    return save(indexed, name, "GIF", **params)


def _format(name: str, alpha: bool, what: str) -> Format:
    return Format(
        name=name,
        mime_type="image/gif",
        extension="gif",
        encode=partial(encode, name=name, alpha=alpha),
        alpha=alpha,
        pixel_types=("rgb", "gray"),
        options=("quantize",),
        description=what,
    )


@hookimpl
def isrender_register_formats(register: Registrar) -> None:
    register.format(_format("gif", False, "GIF, 2-256 colours (quantize=)"))
    register.format(_format("gif-alpha", True, "GIF, 2-255 colours plus a transparent key"))
