"""fmt=eps: binary EPS with the samples after %%BeginBinary, bounding box from printRes."""

from __future__ import annotations

import io
import re

import pytest
from format_kit import encode, fmt, photo, srgb_profile
from PIL import Image

from engine.errors import RenderError


def _binary(data: bytes) -> bytes:
    """The image samples: the bytes %%BeginBinary announces, after ``beginimage``."""
    match = re.search(rb"%%BeginBinary: (\d+)\n", data)
    assert match is not None
    start = match.end()
    block = data[start : start + int(match.group(1))]
    assert data[start + len(block) :].startswith(b"\n%%EndBinary\n")
    assert block.startswith(b"beginimage\n")
    return block[len(b"beginimage\n") :]


def test_registration() -> None:
    eps = fmt("eps")
    assert (eps.mime_type, eps.extension) == ("image/eps", "eps")
    assert eps.pixel_types == ("rgb", "gray", "cmyk") and eps.compressions == ()


@pytest.mark.parametrize(
    ("mode", "operator"),
    [("RGB", b"false 3 colorimage"), ("L", b"currentfile image"), ("CMYK", b"false 4 colorimage")],
)
def test_samples_are_raw_binary(mode: str, operator: bytes) -> None:
    image = photo(40, 30).convert(mode)
    data = encode("eps", image)
    assert data.startswith(b"%!PS-Adobe-3.0 EPSF-3.0\n")
    assert operator in data
    assert _binary(data) == image.tobytes()
    header = Image.open(io.BytesIO(data))  # Pillow parses the DSC header without Ghostscript
    assert (header.size, header.mode) == ((40, 30), mode)


def test_bounding_box_follows_print_resolution() -> None:
    assert b"%%BoundingBox: 0 0 40 30\n" in encode("eps", photo(40, 30))
    data = encode("eps", photo(40, 30), print_res=144.0)
    assert b"%%BoundingBox: 0 0 20 15\n" in data
    assert b"20.0000 15.0000 scale" in data


def test_icc_profile_in_comment_block() -> None:
    profile = srgb_profile()
    data = encode("eps", photo(8, 8), icc_profile=profile)
    block = data.split(b"%%BeginICCProfile: (Embedded) ")[1].split(b"%%EndICCProfile")[0]
    count, *lines = block.decode().splitlines()
    assert count == f"{len(lines)} Hex"
    assert bytes.fromhex("".join(line[2:] for line in lines)) == profile
    assert b"%%BeginICCProfile" not in encode("eps", photo(8, 8))


def test_alpha_is_dropped() -> None:
    data = encode("eps", Image.new("RGBA", (2, 2), (9, 8, 7, 0)))
    assert _binary(data) == bytes([9, 8, 7] * 4)


def test_compression_refused() -> None:
    with pytest.raises(RenderError, match="fmt=eps does not take compression zip"):
        encode("eps", photo(), compression="zip")
