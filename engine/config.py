"""Server-side settings that IS keeps in catalog attributes (``attribute::MaxPix`` ...)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from engine.colors import Color

if TYPE_CHECKING:
    from engine.text import FontMap

WHITE = Color("rgb", (1.0, 1.0, 1.0))
#: Resolutions (``printRes=``, a source's DPI) are at most what JPEG's JFIF header can record;
#: a file declaring more (EXIF allows 4294967295) is read as this.
MAX_DPI = 65535.0
#: A file declaring less than 1 dpi is read as 1 dpi.
MIN_SOURCE_DPI = 1.0


@dataclass(frozen=True)
class RenderConfig:
    """Limits and defaults of a render; the defaults are those of new Scene7 accounts (§3.6).

    ``max_pix``/``default_pix`` of ``(0, 0)`` mean unlimited/unconstrained.
    ``max_input_pixels`` guards against decompression bombs: a source whose header declares
    more pixels is refused before any pixel is decoded. It is also the render's pixel budget:
    a request whose crop, extend, rotation, view image or reply would hold more pixels (a
    hostile ``extend=``, or ``wid=`` under an unlimited ``MaxPix``) is refused before allocating.
    ``max_decode_bytes`` bounds what decoding a source costs as Pillow stores it, rows
    included (a 1 × 150,000,000 PNG is within ``max_input_pixels`` but takes gigabytes), with
    the coefficients libjpeg holds for a progressive JPEG, at the scale the render decodes; and
    ``max_jpeg_scans`` the scans of a progressive JPEG (each is a pass over every block); both
    are checked on the header and the file's structure, before any pixel is decoded.
    ``font_map`` maps IS font names to font files for ``text=``/``textPs=`` layers; None means
    ``engine.text.FontMap.default()`` (fonts the OS ships), built once when a text layer first
    needs it and shared.
    """

    default_pix: tuple[int, int] = (1280, 1280)
    max_pix: tuple[int, int] = (3000, 3000)
    max_input_pixels: int = 150_000_000
    max_decode_bytes: int = 1024 * 1024 * 1024
    max_jpeg_scans: int = 100
    jpeg_quality: int = 80
    jpeg_chroma: bool = False
    res_mode: str = "sharp2"
    bkg_color: Color = WHITE
    noise_seed: int = 0
    font_map: FontMap | None = field(default=None, compare=False)


DEFAULT_CONFIG = RenderConfig()
