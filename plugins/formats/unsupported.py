"""The documented formats Pillow cannot write, registered without an encoder.

Registering them keeps ``fmt=heic`` a valid request whose render fails with "format not
supported: fmt=heic (...)" and the reason, instead of an unknown-format error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.formats import Format
from engine.hookspecs import hookimpl

if TYPE_CHECKING:
    from engine.registry import Registrar

_JPEGXR = "Pillow has no JPEG XR encoder"
_SWF = "Pillow cannot write SWF; Flash is obsolete"
_MANIFEST = "manifest for video, not an image; isrender serves no video"
_SWF_MIME = "application/x-shockwave-flash"


def _unsupported(
    name: str,
    mime_type: str,
    extension: str,
    reason: str,
    *,
    aliases: tuple[str, ...] = (),
    alpha: bool = False,
    pixel_types: tuple[str, ...] = ("rgb",),
    compressions: tuple[str, ...] = (),
) -> Format:
    return Format(
        name=name,
        aliases=aliases,
        mime_type=mime_type,
        extension=extension,
        encode=None,
        alpha=alpha,
        pixel_types=pixel_types,
        compressions=compressions,
        description=reason,
    )


_LOSSY_LOSSLESS = ("lossy", "lossless")
_RGB_GRAY = ("rgb", "gray")
FORMATS: tuple[Format, ...] = (
    _unsupported("jpegxr", "image/vnd.ms-photo", "jxr", _JPEGXR, compressions=_LOSSY_LOSSLESS),
    _unsupported(
        "jpegxr-alpha", "image/vnd.ms-photo", "jxr", _JPEGXR, alpha=True,
        compressions=_LOSSY_LOSSLESS,
    ),
    _unsupported(
        "heic", "image/heic", "heic", "Pillow has no HEIC encoder; pillow-heif is not installed"
    ),
    _unsupported("swf", _SWF_MIME, "swf", _SWF, pixel_types=_RGB_GRAY),
    _unsupported("swf-alpha", _SWF_MIME, "swf", _SWF, alpha=True, pixel_types=_RGB_GRAY),
    _unsupported("swf3", _SWF_MIME, "swf", _SWF, pixel_types=_RGB_GRAY),
    _unsupported(
        "swf3-alpha", _SWF_MIME, "swf", _SWF, aliases=("swf-alpha3",), alpha=True,
        pixel_types=_RGB_GRAY,
    ),
    _unsupported(
        "f4m", "application/f4m+xml", "f4m", "an Adobe HTTP Dynamic Streaming " + _MANIFEST,
        pixel_types=(),
    ),
    _unsupported(
        "m3u8", "application/vnd.apple.mpegurl", "m3u8",
        "an Apple HTTP Live Streaming " + _MANIFEST,
        pixel_types=(),
    ),
)  # fmt: skip


@hookimpl
def isrender_register_formats(register: Registrar) -> None:
    for fmt in FORMATS:
        register.format(fmt)
