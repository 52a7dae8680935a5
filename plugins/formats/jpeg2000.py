"""``fmt=jpeg2000`` and ``fmt=jpeg2000-alpha`` (JP2 files, OpenJPEG through Pillow).

Compression ``lossy`` (default: irreversible 9/7 wavelet) or ``lossless`` (reversible 5/3,
bit-exact). For lossy, ``qlt=`` picks a target PSNR: ``20 + quality / 4`` dB, so qlt=80 aims
at 40 dB and qlt=100 at 45 dB. RGB uses the multiple-component (colour) transform, as
``opj_compress`` does by default. Per §3.2 no ICC profile is embedded.
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
_MAX_SIDE = 2**32 - 1


def psnr_target(quality: int) -> float:
    """The PSNR in dB a lossy JPEG 2000 aims at for ``qlt=quality``."""
    return 20.0 + quality / 4.0


def encode(image: Image.Image, options: EncodeOptions, *, name: str, alpha: bool) -> bytes:
    """Encode a JP2 file, lossy to the ``qlt=`` PSNR target or lossless."""
    method = compression(name, _COMPRESSIONS, options)
    image = storable(image, alpha=alpha)
    check_size(image, name, _MAX_SIDE)
    params: dict[str, Any] = {"mct": 1 if image.mode in ("RGB", "RGBA") else 0}
    if method == "lossy":
        params.update(
            irreversible=True, quality_mode="dB", quality_layers=[psnr_target(options.quality)]
        )
    return save(image, name, "JPEG2000", **params)


def _format(name: str, alpha: bool, what: str) -> Format:
    available = features.check("jpg_2000")
    return Format(
        name=name,
        mime_type="image/jp2",
        extension="jp2",
        encode=partial(encode, name=name, alpha=alpha) if available else None,
        alpha=alpha,
        pixel_types=("rgb", "gray"),
        compressions=_COMPRESSIONS,
        options=("qlt",),
        description=what if available else "this Pillow build has no OpenJPEG encoder",
    )


@hookimpl
def isrender_register_formats(register: Registrar) -> None:
    register.format(_format("jpeg2000", False, "JPEG 2000 (JP2), lossy or lossless"))
    register.format(_format("jpeg2000-alpha", True, "JPEG 2000 (JP2) with alpha channel"))
