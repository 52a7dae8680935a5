"""``fmt=tif`` and ``fmt=tif-alpha`` (aliases ``tiff``, ``tiff-alpha``).

Compression ``none`` (default), ``lzw``, ``zip`` (Adobe Deflate) or, for tif only, ``jpeg``,
which alone uses ``qlt=`` (libtiff stores JPEG-in-TIFF without chroma subsampling, so the
chroma flag has no effect). tif-alpha writes RGBA or gray+alpha with unassociated alpha;
Pillow has no CMYK+alpha mode, so tif-alpha takes rgb and gray only.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from PIL import Image

from engine.formats import EncodeOptions, Format
from engine.hookspecs import hookimpl
from plugins.formats._encoding import check_size, compression, dpi, save, storable

if TYPE_CHECKING:
    from engine.registry import Registrar

#: Compression token → Pillow/libtiff compression name (TIFF tag 259 values 1, 5, 8, 7).
_PILLOW_COMPRESSION = {
    "none": "raw",
    "lzw": "tiff_lzw",
    "zip": "tiff_adobe_deflate",
    "jpeg": "jpeg",
}
_MAX_SIDE = 2**32 - 1


def encode(
    image: Image.Image,
    options: EncodeOptions,
    *,
    name: str,
    alpha: bool,
    compressions: tuple[str, ...],
) -> bytes:
    """Encode a single-page TIFF with the requested compression."""
    method = compression(name, compressions, options) or "none"
    image = storable(image, alpha=alpha, cmyk=True)
    check_size(image, name, _MAX_SIDE)
    params: dict[str, Any] = {"compression": _PILLOW_COMPRESSION[method], **dpi(options)}
    if method == "jpeg":
        params["quality"] = options.quality
    if options.icc_profile is not None:
        params["icc_profile"] = options.icc_profile
    return save(image, name, "TIFF", **params)


def _format(name: str, alias: str, alpha: bool, compressions: tuple[str, ...]) -> Format:
    return Format(
        name=name,
        aliases=(alias,),
        mime_type="image/tiff",
        extension="tiff",
        encode=partial(encode, name=name, alpha=alpha, compressions=compressions),
        alpha=alpha,
        pixel_types=("rgb", "gray") if alpha else ("rgb", "gray", "cmyk"),
        compressions=compressions,
        options=("qlt", "iccEmbed", "printRes")
        if "jpeg" in compressions
        else ("iccEmbed", "printRes"),
        description="TIFF with alpha channel" if alpha else "TIFF",
    )


@hookimpl
def isrender_register_formats(register: Registrar) -> None:
    register.format(_format("tif", "tiff", False, ("none", "lzw", "zip", "jpeg")))
    register.format(_format("tif-alpha", "tiff-alpha", True, ("none", "lzw", "zip")))
