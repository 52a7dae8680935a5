"""``fmt=avif`` and ``fmt=avif-alpha`` through Pillow's libavif.

Compression ``lossy`` (default; ``qlt=`` is the AVIF quality, chroma 4:2:0 — the chroma flag
is ignored as for WebP, §3.2) or ``lossless``: quality 100 with 4:4:4 chroma. Pillow does not
expose libavif's identity matrix, so the RGB↔YUV conversion still rounds: "lossless" AVIF is
near-lossless (a few levels per channel at most), not bit-exact. Per §3.2 no ICC profile is
embedded. When this Pillow build has no AVIF support the formats are registered without an
encoder, so requests get a clear "format not supported" error.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from PIL import Image, features

from engine.formats import EncodeOptions, Format
from engine.hookspecs import hookimpl
from plugins.formats._encoding import check_size, compression, save, storable

if TYPE_CHECKING:
    from engine.registry import Registrar

_COMPRESSIONS = ("lossy", "lossless")
_MAX_SIDE = 65_536


def encode(image: Image.Image, options: EncodeOptions, *, name: str, alpha: bool) -> bytes:
    """Encode a still AVIF, lossy at ``options.quality`` or (near-)lossless."""
    method = compression(name, _COMPRESSIONS, options)
    image = storable(image, alpha=alpha, gray=False)
    check_size(image, name, _MAX_SIDE)
    params: dict[str, Any] = (
        {"quality": 100, "subsampling": "4:4:4"}
        if method == "lossless"
        else {"quality": options.quality}
    )
    return save(image, name, "AVIF", **params)


def _format(name: str, alpha: bool, what: str) -> Format:
    available = features.check("avif")
    return Format(
        name=name,
        mime_type="image/avif",
        extension="avif",
        encode=partial(encode, name=name, alpha=alpha) if available else None,
        alpha=alpha,
        compressions=_COMPRESSIONS,
        options=("qlt",),
        description=what if available else "this Pillow build has no AVIF encoder",
    )


@hookimpl
def isrender_register_formats(register: Registrar) -> None:
    register.format(_format("avif", False, "AVIF, lossy or near-lossless"))
    register.format(_format("avif-alpha", True, "AVIF with alpha channel"))
