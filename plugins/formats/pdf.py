"""``fmt=pdf``: the image as the only content of a one-page PDF 1.4.

Compression ``none`` (default, raw samples), ``zip`` (``/FlateDecode``) or ``jpeg``
(``/DCTDecode`` at ``qlt=``, chroma flag honoured for RGB). Pillow's PDF writer always uses
JPEG and cannot embed a profile, so the file is written here: an ``/ICCBased`` colour space
carries ``iccEmbed=`` profiles, and the page measures the pixel size at ``printRes=`` dpi
(72 dpi, one point per pixel, when unset). The output is deterministic (no dates, no ids).
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING

from PIL import Image

from engine.formats import EncodeOptions, Format
from engine.hookspecs import hookimpl
from plugins.formats._encoding import check_size, compression, save, storable

if TYPE_CHECKING:
    from engine.registry import Registrar

_COMPRESSIONS = ("none", "zip", "jpeg")
_COLOR_SPACES = {"L": ("DeviceGray", 1), "RGB": ("DeviceRGB", 3), "CMYK": ("DeviceCMYK", 4)}
_MAX_SIDE = 65_500  # also JPEG's limit; PDF readers cap pages at 200 inches anyway


def encode(image: Image.Image, options: EncodeOptions) -> bytes:
    """A one-page PDF showing ``image`` at ``options.print_res`` dpi."""
    method = compression("pdf", _COMPRESSIONS, options)
    image = storable(image, alpha=False, cmyk=True)
    check_size(image, "pdf", _MAX_SIDE)
    space, components = _COLOR_SPACES[image.mode]
    image_dict = (
        f"/Type /XObject /Subtype /Image /Width {image.width} /Height {image.height} "
        "/BitsPerComponent 8 /ColorSpace "
    )
    objects: list[bytes] = []
    if options.icc_profile is not None:
        profile = f"/N {components} /Alternate /{space}"
        objects.append(_stream(profile, options.icc_profile))
        image_dict += "[/ICCBased 6 0 R]"
    else:
        image_dict += f"/{space}"
    samples = _samples(image, method, options)
    if method == "zip":
        image_dict += " /Filter /FlateDecode"
    elif method == "jpeg":
        image_dict += " /Filter /DCTDecode"
        if image.mode == "CMYK":  # libjpeg writes Adobe's inverted CMYK
            image_dict += " /Decode [1 0 1 0 1 0 1 0]"
    resolution = options.print_res or 72.0
    width, height = (_number(side * 72.0 / resolution) for side in image.size)
    content = f"q {width} 0 0 {height} 0 0 cm /Im0 Do Q".encode()
    page = (
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width} {height}] "
        "/Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>"
    )
    body = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        page.encode(),
        _stream(image_dict, samples),
        _stream("", content),
        *objects,
    ]
    return _document(body)


def _samples(image: Image.Image, method: str | None, options: EncodeOptions) -> bytes:
    if method == "jpeg":
        params: dict[str, int] = {"quality": options.quality}
        if image.mode == "RGB":
            params["subsampling"] = 0 if options.chroma else 2
        return save(image, "pdf", "JPEG", **params)
    raw = image.tobytes()
    return zlib.compress(raw) if method == "zip" else raw


def _stream(entries: str, data: bytes) -> bytes:
    head = f"<< {entries} /Length {len(data)} >>" if entries else f"<< /Length {len(data)} >>"
    return head.encode() + b"\nstream\n" + data + b"\nendstream"


def _document(objects: list[bytes]) -> bytes:
    """Number ``objects`` from 1 and add the header, cross-reference table and trailer."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _number(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".")


@hookimpl
def isrender_register_formats(register: Registrar) -> None:
    register.format(
        Format(
            name="pdf",
            mime_type="application/pdf",
            extension="pdf",
            encode=encode,
            pixel_types=("rgb", "gray", "cmyk"),
            compressions=_COMPRESSIONS,
            options=("qlt", "iccEmbed", "printRes"),
            description="one-page PDF holding the image",
        )
    )
