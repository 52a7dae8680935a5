"""``fmt=png``/``png-alpha`` (24/32-bit, lossless) and ``fmt=png8``/``png8-alpha`` (palette).

png8 is palettised by ``quantize=`` (see :mod:`plugins.formats._palette`); png8-alpha keeps
transparency as one key palette entry (a one-byte ``tRNS`` chunk). zlib runs at Pillow's
default level. ICC profiles (``iCCP``) and ``printRes=`` (``pHYs``) are written when asked.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from PIL import Image

from engine.formats import EncodeOptions, Format
from engine.hookspecs import hookimpl
from plugins.formats._encoding import check_size, compression, dpi, save, storable
from plugins.formats._palette import quantize

if TYPE_CHECKING:
    from engine.registry import Registrar

_MAX_SIDE = 2**31 - 1


def encode(image: Image.Image, options: EncodeOptions, *, name: str, alpha: bool) -> bytes:
    """Encode a truecolour or gray PNG, with an alpha channel for png-alpha."""
    compression(name, (), options)
    image = storable(image, alpha=alpha)
    check_size(image, name, _MAX_SIDE)
    return _save(image, options, name)


def encode_palette(image: Image.Image, options: EncodeOptions, *, name: str, alpha: bool) -> bytes:
    """Encode an 8-bit palette PNG after ``quantize=``."""
    compression(name, (), options)
    check_size(image, name, _MAX_SIDE)
    return _save(quantize(image, options.quantize, name=name, key=alpha), options, name)


def _save(image: Image.Image, options: EncodeOptions, name: str) -> bytes:
    params: dict[str, Any] = dpi(options)
    if options.icc_profile is not None:
        params["icc_profile"] = options.icc_profile
    if "transparency" in image.info:
        params["transparency"] = image.info["transparency"]
    return save(image, name, "PNG", **params)


def _format(name: str, alpha: bool, palette: bool, what: str) -> Format:
    encoder = encode_palette if palette else encode
    return Format(
        name=name,
        mime_type="image/png",
        extension="png",
        encode=partial(encoder, name=name, alpha=alpha),
        alpha=alpha,
        pixel_types=("rgb",) if palette else ("rgb", "gray"),
        options=("quantize", "iccEmbed", "printRes") if palette else ("iccEmbed", "printRes"),
        description=what,
    )


@hookimpl
def isrender_register_formats(register: Registrar) -> None:
    register.format(_format("png", False, False, "PNG, 24-bit RGB or 8-bit gray"))
    register.format(_format("png-alpha", True, False, "PNG with alpha channel"))
    register.format(_format("png8", False, True, "8-bit palette PNG (quantize=)"))
    register.format(
        _format("png8-alpha", True, True, "8-bit palette PNG with a transparent key colour")
    )
