"""Every documented fmt= token is registered with its MIME type and export extension."""

from __future__ import annotations

import pytest
from format_kit import photo

from engine.commands import IS_FORMATS
from engine.errors import UnsupportedError
from engine.formats import EncodeOptions, Format
from engine.registry import get_registry
from plugins.formats.unsupported import FORMATS as UNSUPPORTED

EXPECTED = {
    "jpeg": ("image/jpeg", "jpg"), "jpg": ("image/jpeg", "jpg"), "pjpeg": ("image/jpeg", "jpg"),
    "png": ("image/png", "png"), "png-alpha": ("image/png", "png"),
    "png8": ("image/png", "png"), "png8-alpha": ("image/png", "png"),
    "gif": ("image/gif", "gif"), "gif-alpha": ("image/gif", "gif"),
    "tif": ("image/tiff", "tiff"), "tif-alpha": ("image/tiff", "tiff"),
    "tiff": ("image/tiff", "tiff"), "tiff-alpha": ("image/tiff", "tiff"),
    "webp": ("image/webp", "webp"), "webp-alpha": ("image/webp", "webp"),
    "avif": ("image/avif", "avif"), "avif-alpha": ("image/avif", "avif"),
    "jpeg2000": ("image/jp2", "jp2"), "jpeg2000-alpha": ("image/jp2", "jp2"),
    "pdf": ("application/pdf", "pdf"), "eps": ("image/eps", "eps"),
}  # fmt: skip


def test_every_documented_token_is_registered() -> None:
    assert set(IS_FORMATS) <= set(get_registry().formats)


@pytest.mark.parametrize(("name", "expected"), sorted(EXPECTED.items()))
def test_mime_type_and_extension(name: str, expected: tuple[str, str]) -> None:
    found = get_registry().format(name)
    assert (found.mime_type, found.extension) == expected
    assert found.alpha == name.endswith("-alpha")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_pixel_type_encodes(name: str) -> None:
    found = get_registry().format(name)
    assert found.encode is not None
    modes = {"rgb": "RGB", "gray": "L", "cmyk": "CMYK"}
    for pixel_type in found.pixel_types:
        image = photo(16, 12).convert(modes[pixel_type])
        if found.alpha:
            image = image.convert("LA" if pixel_type == "gray" else "RGBA")
        assert found.encode(image, EncodeOptions(pixel_type=pixel_type))


@pytest.mark.parametrize("unsupported", UNSUPPORTED, ids=lambda f: f.name)
def test_unwritable_formats_explain_why(unsupported: Format) -> None:
    assert unsupported.encode is None and unsupported.description
    for name in unsupported.names:
        with pytest.raises(UnsupportedError) as raised:
            get_registry().format(name)
        assert str(raised.value) == f"format not supported: fmt={name} ({unsupported.description})"


def test_heic_message() -> None:
    with pytest.raises(UnsupportedError, match=r"^format not supported: fmt=heic \(Pillow has no"):
        get_registry().format("heic")
