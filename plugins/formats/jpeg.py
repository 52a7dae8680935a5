"""``fmt=jpeg`` (``jpg``) and ``fmt=pjpeg``: baseline and progressive JPEG.

``qlt=quality,chroma`` sets the libjpeg quality and, for RGB, the chroma subsampling (chroma 1:
4:4:4, else 4:2:0; gray and CMYK have none). ``jpegSize=`` lowers the quality until the file
fits. ``pscan=`` is accepted for pjpeg, but Pillow cannot pass libjpeg a scan script, so every
progressive JPEG uses libjpeg's standard progression (10 scans in colour, 6 in gray) whatever
the scan count asked.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from PIL import Image

from engine.errors import LimitError
from engine.formats import EncodeOptions, Format
from engine.hookspecs import hookimpl
from plugins.formats._encoding import check_size, compression, dpi, save, storable

if TYPE_CHECKING:
    from engine.registry import Registrar

_MAX_SIDE = 65_500  # libjpeg's JPEG_MAX_DIMENSION
_OPTIONS = ("qlt", "jpegSize", "iccEmbed", "printRes")


def encode(image: Image.Image, options: EncodeOptions, *, name: str = "jpeg") -> bytes:
    """Encode ``image`` as JPEG (progressive when ``options.progressive`` or pjpeg)."""
    compression(name, (), options)
    image = storable(image, alpha=False, cmyk=True)
    check_size(image, name, _MAX_SIDE)
    params: dict[str, Any] = {"quality": options.quality, **dpi(options)}
    if image.mode == "RGB":
        params["subsampling"] = 0 if options.chroma else 2
    if options.progressive or name == "pjpeg":
        params["progressive"] = True
    if options.icc_profile is not None:
        params["icc_profile"] = options.icc_profile
    data = save(image, name, "JPEG", **params)
    limit = round(options.jpeg_size_kb * 1024)
    if limit <= 0 or len(data) <= limit:
        return data

    def optimized(quality: int) -> bytes:
        return save(image, name, "JPEG", **{**params, "quality": quality, "optimize": True})

    return _fit(optimized, options.quality, limit, options.jpeg_size_kb)


def _fit(encode_at: Callable[[int], bytes], quality: int, limit: int, kilobytes: float) -> bytes:
    """The best quality ≤ ``quality`` whose JPEG is at most ``limit`` bytes (binary search).

    Huffman-optimised tables (``optimize``) cost a little time but shrink a JPEG by 5–25 %,
    so the search reaches a higher quality for the same size.
    """
    best = encode_at(quality)
    if len(best) <= limit:
        return best
    low, high, found, smallest = 1, quality - 1, None, len(best)
    while low <= high:
        middle = (low + high) // 2
        data = encode_at(middle)
        if len(data) <= limit:
            found, low = data, middle + 1
        else:
            smallest, high = min(smallest, len(data)), middle - 1
    if found is None:
        raise LimitError(
            f"jpegSize={kilobytes:g} cannot be met: the smallest JPEG reached (down to qlt=1) "
            f"is {smallest / 1024:.1f} KB ({smallest} bytes)"
        )
    return found


def _format(name: str, aliases: tuple[str, ...], options: tuple[str, ...], what: str) -> Format:
    return Format(
        name=name,
        aliases=aliases,
        mime_type="image/jpeg",
        extension="jpg",
        encode=partial(encode, name=name),
        pixel_types=("rgb", "gray", "cmyk"),
        options=options,
        description=what,
    )


@hookimpl
def isrender_register_formats(register: Registrar) -> None:
    register.format(_format("jpeg", ("jpg",), _OPTIONS, "JPEG (baseline)"))
    register.format(
        _format(
            "pjpeg",
            (),
            (*_OPTIONS, "pscan"),
            "progressive JPEG (libjpeg's standard scan script for any pscan=)",
        )
    )
