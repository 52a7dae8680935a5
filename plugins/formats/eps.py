"""``fmt=eps``: uncompressed binary EPS (Photoshop-style ``%ImageData`` layout).

Pillow's EPS writer emits hex, not binary, and cannot embed a profile, so the file is written
here. The samples follow ``%%BeginBinary`` as raw bytes read by ``image``/``colorimage`` from
``currentfile``; gray, RGB and CMYK (ink amounts, as PostScript wants them). The bounding box
measures the pixel size at ``printRes=`` dpi (72 when unset). An ``iccEmbed=`` profile goes
into a ``%%BeginICCProfile`` comment block as Photoshop writes it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PIL import Image

from engine.formats import EncodeOptions, Format
from engine.hookspecs import hookimpl
from plugins.formats._encoding import check_size, compression, storable

if TYPE_CHECKING:
    from engine.registry import Registrar

_OPERATORS = {
    "L": (1, "image"),
    "RGB": (3, "false 3 colorimage"),
    "CMYK": (4, "false 4 colorimage"),
}
_MAX_SIDE = 2**31 - 1
_ICC_LINE = 36  # profile bytes per hex comment line


def encode(image: Image.Image, options: EncodeOptions) -> bytes:
    """An EPS file drawing ``image`` at ``options.print_res`` dpi."""
    compression("eps", (), options)
    image = storable(image, alpha=False, cmyk=True)
    check_size(image, "eps", _MAX_SIDE)
    components, operator = _OPERATORS[image.mode]
    w, h = image.size
    resolution = options.print_res or 72.0
    width, height = (side * 72.0 / resolution for side in image.size)
    start = b"beginimage\n"
    data = image.tobytes()
    header = [
        "%!PS-Adobe-3.0 EPSF-3.0",
        "%%Creator: isrender",
        f"%%BoundingBox: 0 0 {math.ceil(width)} {math.ceil(height)}",
        f"%%HiResBoundingBox: 0 0 {width:.4f} {height:.4f}",
        "%%LanguageLevel: 2",
        "%%Pages: 1",
        "%%EndComments",
        *_icc_comments(options.icc_profile),
        "%%BeginProlog",
        "%%EndProlog",
        "%%Page: 1 1",
        f'%ImageData: {w} {h} 8 {components} 0 {w * components} 1 "beginimage"',
        "gsave",
        f"/beginimage {{ {w} {h} 8 [{w} 0 0 -{h} 0 {h}] currentfile {operator} }} bind def",
        f"{width:.4f} {height:.4f} scale",
        f"%%BeginBinary: {len(start) + len(data)}",
    ]
    footer = ["", "%%EndBinary", "grestore", "showpage", "%%Trailer", "%%EOF", ""]
    return "\n".join(header).encode() + b"\n" + start + data + "\n".join(footer).encode()


def _icc_comments(profile: bytes | None) -> list[str]:
    if profile is None:
        return []
    lines = [
        "% " + profile[i : i + _ICC_LINE].hex().upper() for i in range(0, len(profile), _ICC_LINE)
    ]
    return [f"%%BeginICCProfile: (Embedded) {len(lines)} Hex", *lines, "%%EndICCProfile"]


@hookimpl
def isrender_register_formats(register: Registrar) -> None:
    register.format(
        Format(
            name="eps",
            mime_type="image/eps",
            extension="eps",
            encode=encode,
            pixel_types=("rgb", "gray", "cmyk"),
            options=("iccEmbed", "printRes"),
            description="uncompressed binary EPS",
        )
    )
