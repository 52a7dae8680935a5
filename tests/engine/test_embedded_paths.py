"""Paths embedded in source images: clipPathE=, clipXPathE= (r-clippath.md, r-clipxpath.md)
and cropPathE= (r-croppath.md) under help/aem-is-ir-api/is-api/http-ref/
image-serving-api-ref/c-http-protocol-reference/c-command-reference/. The test images carry
Photoshop path resources written here after Adobe's Photoshop File Formats Specification."""

from __future__ import annotations

import io
import struct

import numpy as np
import pytest
from PIL import Image

import engine
from engine.embedded import path_names, photoshop_resources

PHOTO = Image.new("RGB", (100, 80), (200, 30, 30))
#: Rectangles as fractions (left, top, right, bottom) of the stored image.
LEFT_HALF = (0.0, 0.0, 0.5, 1.0)
TOP_BAND = (0.0, 0.0, 1.0, 0.25)
MIDDLE = (0.2, 0.25, 0.8, 0.75)


def _fixed(value: float) -> bytes:
    return struct.pack(">i", round(value * (1 << 24)))


def path_block(name: str, rect: tuple[float, float, float, float], ident: int = 2000) -> bytes:
    """A Photoshop path resource: a fill-rule record, then one closed sub-path of four
    corner knots (control points on their anchors)."""
    left, top, right, bottom = rect
    corners = [(left, top), (right, top), (right, bottom), (left, bottom)]
    records = struct.pack(">H", 6) + bytes(24)
    records += struct.pack(">HH", 0, len(corners)) + bytes(22)
    for x, y in corners:
        records += struct.pack(">H", 2) + (_fixed(y) + _fixed(x)) * 3
    encoded = name.encode("ascii")
    pascal = bytes([len(encoded)]) + encoded
    pascal += b"\0" * (len(pascal) % 2)
    return b"8BIM" + struct.pack(">H", ident) + pascal + struct.pack(">I", len(records)) + records


def jpeg_with(blocks: bytes, image: Image.Image = PHOTO, **save) -> bytes:
    """A JPEG whose APP13 segment holds ``blocks``."""
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95, **save)
    data = out.getvalue()
    payload = b"Photoshop 3.0\x00" + blocks
    segment = b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload
    return data[:2] + segment + data[2:]


SOURCE = jpeg_with(
    path_block("Outline", LEFT_HALF) + path_block("Band", TOP_BAND) + path_block("Hole", MIDDLE)
)


def alpha(modifiers: str, source: bytes = SOURCE) -> np.ndarray:
    out = engine.render(source, modifiers + "&fmt=png-alpha")
    return np.asarray(Image.open(io.BytesIO(out.data)))[..., 3]


def opaque_box(a: np.ndarray, level: int = 255) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(a >= level)
    return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())


def test_the_resources_are_read_from_the_header():
    with Image.open(io.BytesIO(SOURCE)) as image:
        assert path_names(photoshop_resources(image)) == ["Outline", "Band", "Hole"]


def test_clip_path_e_clips_to_the_named_embedded_path():
    """r-clippath.md: clipPathE= names a path embedded in the layer's source image; what
    lies outside it is transparent."""
    a = alpha("clipPathE=Outline")
    assert opaque_box(a) == (0, 0, 49, 79) and (a[:, 50:] == 0).all()


def test_several_names_clip_to_their_intersection():
    """r-clippath.md: more than one pathName clips to the intersection of the paths."""
    assert opaque_box(alpha("clipPathE=Outline,Band")) == (0, 0, 49, 19)


def test_names_not_found_and_images_without_paths_are_ignored():
    """r-clippath.md / r-croppath.md: a pathName not found in the source image is ignored."""
    assert (alpha("clipPathE=Nothing") == 255).all()
    assert opaque_box(alpha("clipPathE=Nothing,Band")) == (0, 0, 99, 19)
    plain = io.BytesIO()
    PHOTO.save(plain, "JPEG")
    assert (alpha("clipPathE=Outline&cropPathE=Outline", plain.getvalue()) == 255).all()


def test_clip_x_path_e_cuts_the_named_path_out():
    """r-clipxpath.md: the exclusion path's area becomes transparent (with a clip path)."""
    a = alpha("clipPathE=Band&clipXPathE=Outline")
    assert opaque_box(a) == (50, 0, 99, 19) and a[10, 20] == 0


def test_embedded_paths_follow_the_image_through_scaling_and_flips():
    """r-clippath.md: the path is transformed to keep its alignment with the image content
    (wid= halves the reply; flip=lr mirrors it)."""
    assert opaque_box(alpha("clipPathE=Outline&wid=50"), 128) == (0, 0, 24, 39)
    assert opaque_box(alpha("clipPathE=Outline&flip=lr")) == (50, 0, 99, 79)


def test_embedded_paths_follow_the_exif_orientation():
    """A photo stored sideways (EXIF orientation 6, shown turned 90° clockwise): the stored
    left half is shown as the top half."""
    exif = Image.Exif()
    exif[0x0112] = 6
    source = jpeg_with(path_block("Outline", LEFT_HALF), exif=exif)
    a = alpha("clipPathE=Outline", source)
    assert a.shape == (100, 80)
    assert opaque_box(a) == (0, 0, 79, 49)


def test_crop_path_e_crops_to_the_paths_bounding_box():
    """r-croppath.md: cropPathE= crops to the bounding box of the named path, changing the
    size of the image; several names crop to each box in turn."""
    out = engine.render(SOURCE, "cropPathE=Hole&fmt=png")
    assert (out.width, out.height) == (60, 40)
    out = engine.render(SOURCE, "cropPathE=Hole,Outline&fmt=png")
    assert (out.width, out.height) == (30, 40)
    out = engine.render(SOURCE, "cropPathE=Nothing&fmt=png")
    assert (out.width, out.height) == (100, 80)


def test_crop_path_e_on_a_layer_and_paths_from_a_tiff():
    """r-croppath.md: a layer attribute; TIFFs carry the resources in tag 34377."""
    tiff = io.BytesIO()
    PHOTO.save(tiff, "TIFF", tiffinfo={34377: path_block("Hole", MIDDLE)})
    out = engine.render(
        None,
        "size=200,200&color=ffffff&layer=1&src=photo&cropPathE=Hole&fmt=png",
        resolver=lambda name: tiff.getvalue(),
    )
    image = np.asarray(Image.open(io.BytesIO(out.data)).convert("RGB"), dtype=np.int16)
    red = (image[..., 0] > 150) & (image[..., 1] < 100)
    ys, xs = np.nonzero(red)
    assert (xs.min(), ys.min(), xs.max(), ys.max()) == (70, 80, 129, 119)  # 60×40, centred


@pytest.mark.parametrize("cut", [10, 30, 41])
def test_damaged_resources_are_ignored_not_fatal(cut):
    """Damaged metadata never fails a render: a truncated block is not read."""
    source = jpeg_with(path_block("Outline", LEFT_HALF)[:cut])
    assert (alpha("clipPathE=Outline", source) == 255).all()


def test_a_path_with_points_out_of_range_is_ignored_not_a_parse_error():
    """Damaged metadata never fails a render: 8.24 fixed point reaches 128 image widths, so on
    an 8000-pixel-wide image a corrupt knot lies 1 024 000 pixels away, past the path limits;
    the path is ignored (it failed the request with a ParseError about the request)."""
    records = struct.pack(">HH", 0, 3) + bytes(22)
    for value in (0x7FFFFFFF, 0, 1 << 23):
        records += struct.pack(">H", 2) + struct.pack(">i", value) * 6
    block = b"8BIM" + struct.pack(">H", 2000) + b"\x01A" + struct.pack(">I", len(records))
    source = jpeg_with(block + records, Image.new("RGB", (8000, 8), (200, 30, 30)))
    assert (alpha("clipPathE=A", source) == 255).all()
    assert alpha("cropPathE=A", source).shape == alpha("wid=1280", source).shape
