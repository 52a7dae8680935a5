"""fmt=pdf: a valid one-page PDF; raw, Flate or DCT image; ICC; page size from printRes."""

from __future__ import annotations

import io
import re
import zlib

import pytest
from format_kit import encode, fmt, photo, reopen, srgb_profile
from PIL import Image, JpegImagePlugin

from engine.errors import RenderError


def _objects(data: bytes) -> dict[int, bytes]:
    """Object number → body, checking the xref table points at every object."""
    assert data.startswith(b"%PDF-1.4\n") and data.endswith(b"%%EOF\n")
    start = int(re.search(rb"startxref\n(\d+)\n", data).group(1))  # type: ignore[union-attr]
    assert data[start:].startswith(b"xref\n0 ")
    table = data[start:].split(b"trailer")[0].split(b"\n")[3:-1]
    bodies = {}
    for number, line in enumerate(table, start=1):
        offset = int(line[:10])
        head = b"%d 0 obj\n" % number
        assert data[offset:].startswith(head)
        bodies[number] = data[offset + len(head) : data.index(b"\nendobj", offset)]
    return bodies


def _image(data: bytes) -> tuple[bytes, bytes]:
    """The image XObject's dictionary and stream bytes."""
    body = _objects(data)[4]
    head, stream = body.split(b"\nstream\n", 1)
    assert stream.endswith(b"\nendstream")
    stream = stream[: -len(b"\nendstream")]
    assert b"/Length %d " % len(stream) in head + b" "
    return head, stream


def test_registration() -> None:
    pdf = fmt("pdf")
    assert (pdf.mime_type, pdf.extension) == ("application/pdf", "pdf")
    assert pdf.compressions == ("none", "zip", "jpeg")
    assert pdf.pixel_types == ("rgb", "gray", "cmyk")


@pytest.mark.parametrize(
    ("mode", "space"), [("RGB", b"/DeviceRGB"), ("L", b"/DeviceGray"), ("CMYK", b"/DeviceCMYK")]
)
def test_uncompressed_by_default(mode: str, space: bytes) -> None:
    image = photo(32, 24).convert(mode)
    head, stream = _image(encode("pdf", image))
    assert b"/Filter" not in head and b"/ColorSpace " + space in head
    assert b"/Width 32 /Height 24" in head
    assert stream == image.tobytes()


def test_zip_is_flate_of_the_samples() -> None:
    image = photo(32, 24)
    head, stream = _image(encode("pdf", image, compression="zip"))
    assert b"/Filter /FlateDecode" in head
    assert zlib.decompress(stream) == image.tobytes()


def test_jpeg_uses_quality_and_chroma() -> None:
    image = photo()
    low = _image(encode("pdf", image, compression="jpeg", quality=20))[1]
    head, high = _image(encode("pdf", image, compression="jpeg", quality=90, chroma=True))
    assert b"/Filter /DCTDecode" in head
    assert len(low) < len(high)
    decoded = Image.open(io.BytesIO(high))
    assert decoded.format == "JPEG" and decoded.size == image.size
    assert JpegImagePlugin.get_sampling(decoded) == 0  # 4:4:4


def test_cmyk_jpeg_declares_adobe_inversion() -> None:
    head, stream = _image(encode("pdf", photo().convert("CMYK"), compression="jpeg"))
    assert b"/Decode [1 0 1 0 1 0 1 0]" in head
    assert reopen(stream).mode == "CMYK"


def test_page_size_follows_print_resolution() -> None:
    image = photo(150, 300)
    assert b"/MediaBox [0 0 150 300]" in encode("pdf", image)
    assert b"/MediaBox [0 0 36 72]" in encode("pdf", image, print_res=300.0)
    assert b"36 0 0 72 0 0 cm" in _objects(encode("pdf", image, print_res=300.0))[5]


def test_icc_profile_becomes_an_iccbased_space() -> None:
    profile = srgb_profile()
    data = encode("pdf", photo(16, 16), icc_profile=profile)
    head, _ = _image(data)
    assert b"/ColorSpace [/ICCBased 6 0 R]" in head
    icc = _objects(data)[6]
    assert b"/N 3 /Alternate /DeviceRGB" in icc
    assert icc.split(b"\nstream\n", 1)[1][: -len(b"\nendstream")] == profile


def test_output_is_deterministic() -> None:
    assert encode("pdf", photo(16, 16)) == encode("pdf", photo(16, 16))


def test_alpha_is_dropped() -> None:
    head, stream = _image(encode("pdf", Image.new("RGBA", (4, 4), (1, 2, 3, 0))))
    assert b"/DeviceRGB" in head and stream == bytes([1, 2, 3] * 16)


def test_lossy_refused() -> None:
    with pytest.raises(RenderError, match="fmt=pdf does not take compression lzw"):
        encode("pdf", photo(), compression="lzw")
