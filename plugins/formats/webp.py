"""``fmt=webp`` and ``fmt=webp-alpha`` (alias ``web-alpha``, the documented typo).

Compression ``lossy`` (default; ``qlt=`` is the libwebp quality) or ``lossless`` (``qlt=``
ignored, libwebp's default effort). The chroma flag of ``qlt=`` is ignored (§3.2). WebP holds
RGB only, so gray and CMYK images are converted to RGB. Per §3.2 no ICC profile is embedded.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from PIL import Image

from engine.formats import EncodeOptions, Format
from engine.hookspecs import hookimpl
from plugins.formats._encoding import check_size, compression, save, storable

if TYPE_CHECKING:
    from engine.registry import Registrar

_COMPRESSIONS = ("lossy", "lossless")
_MAX_SIDE = 16_383  # WEBP_MAX_DIMENSION


def encode(image: Image.Image, options: EncodeOptions, *, name: str, alpha: bool) -> bytes:
    """Encode a still WebP, lossy at ``options.quality`` or lossless."""
    method = compression(name, _COMPRESSIONS, options)
    image = storable(image, alpha=alpha, gray=False)
    check_size(image, name, _MAX_SIDE)
    params: dict[str, Any] = (
        {"lossless": True} if method == "lossless" else {"quality": options.quality}
    )
    return save(image, name, "WEBP", **params)


def _format(name: str, aliases: tuple[str, ...], alpha: bool, what: str) -> Format:
    return Format(
        name=name,
        aliases=aliases,
        mime_type="image/webp",
        extension="webp",
        encode=partial(encode, name=name, alpha=alpha),
        alpha=alpha,
        compressions=_COMPRESSIONS,
        options=("qlt",),
        description=what,
    )


@hookimpl
def isrender_register_formats(register: Registrar) -> None:
    register.format(_format("webp", (), False, "WebP, lossy or lossless"))
    register.format(_format("webp-alpha", ("web-alpha",), True, "WebP with alpha channel"))
