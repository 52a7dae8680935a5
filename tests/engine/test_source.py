"""Input decoding: modes, EXIF orientation, ICC, JPEG draft, animated and broken inputs, limits."""

from __future__ import annotations

import io
import os
import struct
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms, ImageOps

from engine.config import RenderConfig
from engine.errors import LimitError, SourceError
from engine.source import SourceImage, open_source, working_mode

# --- helpers -------------------------------------------------------------------------------------


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def load(data: bytes | Image.Image, min_scale: float = 1.0) -> Image.Image:
    with open_source(data) as source:
        return source.load(min_scale)


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image, dtype=np.int16)


def blocks() -> Image.Image:
    """A 32x16 RGB image of eight flat 8x8 blocks, all different: asymmetric under any flip."""
    colors = np.array(
        [
            [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 0]],
            [[0, 255, 255], [255, 0, 255], [255, 255, 255], [0, 0, 0]],
        ],
        dtype=np.uint8,
    )
    return Image.fromarray(colors.repeat(8, axis=0).repeat(8, axis=1))


def exif_bytes(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return exif.tobytes()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose IHDR declares ``width`` x ``height`` RGB but carries almost no data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(b"\0" * 16))
        + png_chunk(b"IEND", b"")
    )


def open_fds_for(path: Path) -> int:
    fds = Path("/proc/self/fd")
    count = 0
    for fd in fds.iterdir():
        try:
            count += os.readlink(fd) == str(path)
        except OSError:
            continue
    return count


needs_proc = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")


# --- ICC profiles built by hand (ImageCms can only create sRGB, LAB and XYZ) ----------------------


def s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def tag_xyz(x: float, y: float, z: float) -> bytes:
    return b"XYZ \0\0\0\0" + s15(x) + s15(y) + s15(z)


def tag_gamma(gamma: float) -> bytes:
    return b"curv\0\0\0\0" + struct.pack(">IH", 1, round(gamma * 256)) + b"\0\0"


def tag_desc(text: str) -> bytes:
    ascii_ = text.encode() + b"\0"
    return b"desc\0\0\0\0" + struct.pack(">I", len(ascii_)) + ascii_ + b"\0" * (4 + 4 + 2 + 1 + 67)


def icc_profile(cls: bytes, space: bytes, pcs: bytes, tags: dict[bytes, bytes]) -> bytes:
    """A version 2.1 ICC profile with the given tags (each padded to 4 bytes)."""
    table = b""
    data = b""
    offset = 128 + 4 + 12 * len(tags)
    for signature, body in tags.items():
        body += b"\0" * (-len(body) % 4)
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = offset + len(data)
    header = (
        struct.pack(">I", size)
        + b"none"
        + struct.pack(">I", 0x02100000)
        + cls
        + space
        + pcs
        + b"\0" * 12
        + b"acsp"
        + b"\0" * 24
        + struct.pack(">I", 0)
        + s15(0.9642)
        + s15(1.0)
        + s15(0.8249)
        + b"\0" * 48
    )
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + data


D50 = tag_xyz(0.9642, 1.0, 0.8249)
#: Adobe RGB (1998) primaries, adapted to D50.
WIDE_PRIMARIES = ((0.6097, 0.3111, 0.0195), (0.2053, 0.6257, 0.0609), (0.1492, 0.0632, 0.7446))
#: sRGB primaries, adapted to D50.
SRGB_PRIMARIES = ((0.4361, 0.2225, 0.0139), (0.3851, 0.7169, 0.0971), (0.1431, 0.0606, 0.7141))


def rgb_profile(description: str, primaries: tuple, gamma: float) -> bytes:
    red, green, blue = primaries
    curve = tag_gamma(gamma)
    tags = {
        b"desc": tag_desc(description),
        b"wtpt": D50,
        b"rXYZ": tag_xyz(*red),
        b"gXYZ": tag_xyz(*green),
        b"bXYZ": tag_xyz(*blue),
        b"rTRC": curve,
        b"gTRC": curve,
        b"bTRC": curve,
    }
    return icc_profile(b"mntr", b"RGB ", b"XYZ ", tags)


def gray_profile(gamma: float) -> bytes:
    tags = {b"desc": tag_desc("Gray test"), b"wtpt": D50, b"kTRC": tag_gamma(gamma)}
    return icc_profile(b"mntr", b"GRAY", b"XYZ ", tags)


def cmyk_profile() -> bytes:
    """A printer profile: a 2-point CMYK → Lab grid with plausible ink colours (lut16Type).

    Its black is a printer's black, L* 10, not the L* 0 of sRGB black.
    """
    inks = {  # (c, m, y) → Lab without black; any black gives Lab 10,0,0
        (0, 0, 0): (100, 0, 0),
        (1, 0, 0): (55, -37, -50),
        (0, 1, 0): (48, 74, -3),
        (0, 0, 1): (89, -5, 93),
        (1, 1, 0): (24, 22, -46),
        (1, 0, 1): (50, -65, 27),
        (0, 1, 1): (47, 68, 48),
        (1, 1, 1): (15, 0, 0),
    }
    grid = b""
    for c in (0, 1):
        for m in (0, 1):
            for y in (0, 1):
                for k in (0, 1):
                    lab = (10, 0, 0) if k else inks[c, m, y]
                    grid += struct.pack(
                        ">3H",
                        round(lab[0] * 0xFF00 / 100),
                        round((lab[1] + 128) * 256),
                        round((lab[2] + 128) * 256),
                    )
    identity = s15(1) + s15(0) + s15(0) + s15(0) + s15(1) + s15(0) + s15(0) + s15(0) + s15(1)
    ramp = struct.pack(">2H", 0, 0xFFFF)
    a2b0 = (
        b"mft2\0\0\0\0"
        + bytes([4, 3, 2, 0])
        + identity
        + struct.pack(">2H", 2, 2)
        + ramp * 4
        + grid
        + ramp * 3
    )
    # Lab → CMYK, only good enough for LittleCMS to find the black point: L* 0 is all inks.
    b2a0_grid = b"".join(
        struct.pack(">4H", *[0 if light else 0xFFFF] * 4) for light in (0, 0, 0, 0, 1, 1, 1, 1)
    )
    b2a0 = (
        b"mft2\0\0\0\0"
        + bytes([3, 4, 2, 0])
        + identity
        + struct.pack(">2H", 2, 2)
        + ramp * 3
        + b2a0_grid
        + ramp * 4
    )
    tags = {
        b"desc": tag_desc("CMYK test"),
        b"wtpt": D50,
        b"A2B0": a2b0,
        b"A2B1": a2b0,
        b"B2A0": b2a0,
    }
    return icc_profile(b"prtr", b"CMYK", b"Lab ", tags)


SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
LAB = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()


# --- modes ---------------------------------------------------------------------------------------


def test_mode_1_becomes_l() -> None:
    image = Image.new("1", (4, 2), 1)
    image.putpixel((0, 0), 0)
    loaded = load(encode(image, "PNG"))
    assert loaded.mode == "L"
    assert loaded.getpixel((0, 0)) == 0
    assert loaded.getpixel((1, 0)) == 255


@pytest.mark.parametrize(
    ("mode", "value"), [("L", 77), ("LA", (77, 100)), ("RGB", (1, 2, 3)), ("RGBA", (1, 2, 3, 4))]
)
def test_working_modes_are_kept_exactly(mode: str, value: object) -> None:
    loaded = load(encode(Image.new(mode, (3, 3), value), "PNG"))
    assert loaded.mode == mode
    assert loaded.getpixel((2, 2)) == value


def test_palette_without_transparency_becomes_rgb() -> None:
    image = Image.new("P", (2, 2), 1)
    image.putpalette([0, 0, 0, 10, 20, 30])
    with open_source(encode(image, "PNG")) as source:
        assert (source.mode, source.has_alpha) == ("P", False)
        loaded = source.load()
    assert loaded.mode == "RGB"
    assert loaded.getpixel((0, 0)) == (10, 20, 30)


@pytest.mark.parametrize("fmt", ["PNG", "GIF"])
def test_palette_with_transparency_becomes_rgba(fmt: str) -> None:
    image = Image.new("P", (2, 1), 1)
    image.putpalette([0, 0, 0, 10, 20, 30])
    image.putpixel((1, 0), 0)
    with open_source(encode(image, fmt, transparency=0)) as source:
        assert source.has_alpha
        loaded = source.load()
    assert loaded.mode == "RGBA"
    assert loaded.getpixel((0, 0)) == (10, 20, 30, 255)
    assert loaded.getpixel((1, 0))[3] == 0


def test_palette_with_alpha_palette_becomes_rgba() -> None:
    image = Image.new("P", (2, 1), 0)
    image.putpalette([255, 0, 0, 128, 0, 255, 0, 255], "RGBA")
    assert load(encode(image, "PNG")).getpixel((0, 0)) == (255, 0, 0, 128)


def test_transparency_keys_become_alpha() -> None:
    gray = Image.new("L", (2, 1), 9)
    gray.putpixel((1, 0), 200)
    loaded = load(encode(gray, "PNG", transparency=9))
    assert loaded.mode == "LA"
    assert list(loaded.get_flattened_data()) == [(9, 0), (200, 255)]
    rgb = Image.new("RGB", (2, 1), (1, 2, 3))
    rgb.putpixel((1, 0), (4, 5, 6))
    loaded = load(encode(rgb, "PNG", transparency=(1, 2, 3)))
    assert loaded.mode == "RGBA"
    assert list(loaded.get_flattened_data()) == [(1, 2, 3, 0), (4, 5, 6, 255)]


def test_tiff_with_alpha_keeps_it() -> None:
    image = Image.new("RGBA", (4, 4), (10, 20, 30, 40))
    with open_source(encode(image, "TIFF", compression="tiff_lzw")) as source:
        assert (source.format, source.mode, source.has_alpha) == ("TIFF", "RGBA", True)
        assert source.load().getpixel((3, 3)) == (10, 20, 30, 40)


def test_sixteen_bit_png_scales_full_range() -> None:
    samples = np.array([[0, 257 * 77, 0x8000, 65535]], dtype=np.uint16)
    with open_source(encode(Image.fromarray(samples), "PNG")) as source:
        assert source.mode == "I;16"
        loaded = source.load()
    assert loaded.mode == "L"
    assert list(np.asarray(loaded)[0]) == [0, 77, 128, 255]


def test_sixteen_bit_png_with_transparency_key_gets_alpha() -> None:
    samples = np.array([[1000, 2000]], dtype=np.uint16)
    loaded = load(encode(Image.fromarray(samples), "PNG", transparency=1000))
    assert loaded.mode == "LA"
    assert list(loaded.get_flattened_data()) == [(3, 0), (7, 255)]


def test_mode_i_is_taken_as_sixteen_bit_and_clipped() -> None:
    samples = np.array([[-5, 2570, 0x8000, 70000]], dtype=np.int32)
    image = Image.fromarray(samples)
    assert image.mode == "I"
    loaded = load(encode(image, "TIFF"))
    assert loaded.mode == "L"
    assert list(np.asarray(loaded)[0]) == [0, 10, 128, 255]


def test_mode_f_is_taken_as_normalised() -> None:
    samples = np.array([[-1.0, 0.2, 0.5, 2.0, np.nan]], dtype=np.float32)
    image = Image.fromarray(samples)
    assert image.mode == "F"
    loaded = load(encode(image, "TIFF"))
    assert loaded.mode == "L"
    assert list(np.asarray(loaded)[0]) == [0, 51, 128, 255, 0]


@pytest.mark.parametrize(
    ("mode", "value", "expected_mode", "expected"),
    [
        ("La", (100, 255), "LA", (100, 255)),
        ("PA", None, "RGBA", (10, 20, 30, 40)),
        ("RGBa", (50, 60, 70, 255), "RGBA", (50, 60, 70, 255)),
        ("RGBX", (1, 2, 3, 0), "RGB", (1, 2, 3)),
        ("YCbCr", (255, 128, 128), "RGB", (255, 255, 255)),
        ("HSV", (0, 255, 255), "RGB", (255, 0, 0)),
    ],
)
def test_other_modes_of_pil_images(
    mode: str, value: object, expected_mode: str, expected: tuple[int, ...]
) -> None:
    if mode == "PA":
        image = Image.new("PA", (2, 2), (0, 40))
        image.putpalette([10, 20, 30])
    else:
        image = Image.new(mode, (2, 2), value)
    converted = working_mode(image)
    assert converted.mode == expected_mode
    assert converted.getpixel((1, 1)) == expected
    assert load(image).getpixel((1, 1)) == expected


def test_lab_converts_through_colour_management() -> None:
    neutral = working_mode(Image.new("LAB", (1, 1), (128, 128, 128)))
    red, green, blue = neutral.getpixel((0, 0))
    assert neutral.mode == "RGB"
    assert abs(red - green) <= 1 and abs(green - blue) <= 1
    assert 100 < red < 140  # L* 50 is sRGB 119


def test_working_mode_returns_working_images_themselves() -> None:
    image = Image.new("RGB", (2, 2))
    assert working_mode(image) is image


# --- CMYK ----------------------------------------------------------------------------------------


RED_CMYK = (0, 255, 255, 0)


def test_adobe_cmyk_jpeg_comes_out_right_way_round() -> None:
    data = encode(Image.new("CMYK", (16, 16), RED_CMYK), "JPEG", quality=95)
    assert b"Adobe" in data  # Pillow (libjpeg) writes Photoshop's inverted APP14 convention
    with open_source(data) as source:
        assert source.mode == "CMYK"
        loaded = source.load()
    assert loaded.mode == "RGB"
    assert np.abs(pixels(loaded)[8, 8] - (255, 0, 0)).max() <= 6


def test_cmyk_jpeg_without_adobe_marker_is_not_inverted() -> None:
    # Pillow stores 255 - value: (255, 0, 0, 255) is written as (0, 255, 255, 0). Without the
    # APP14 marker the stored values mean what they say, i.e. red, not Pillow's black.
    data = encode(Image.new("CMYK", (16, 16), (255, 0, 0, 255)), "JPEG", quality=95)
    start = data.index(b"\xff\xee")
    length = struct.unpack(">H", data[start + 2 : start + 4])[0]
    stripped = data[:start] + data[start + 2 + length :]
    assert b"Adobe" not in stripped
    assert np.abs(pixels(load(stripped))[8, 8] - (255, 0, 0)).max() <= 6


def test_cmyk_tiff_without_profile_is_converted_naively() -> None:
    loaded = load(encode(Image.new("CMYK", (4, 4), (0, 128, 255, 0)), "TIFF"))
    assert loaded.mode == "RGB"
    assert loaded.getpixel((0, 0)) == (255, 127, 0)


def test_cmyk_with_profile_uses_it() -> None:
    image = Image.new("CMYK", (16, 8), (255, 0, 0, 0))
    image.paste((0, 0, 0, 0), (8, 0, 16, 8))
    naive = load(encode(image, "JPEG", quality=95))
    managed = load(encode(image, "JPEG", quality=95, icc_profile=cmyk_profile()))
    cyan, white = pixels(managed)[4, 4], pixels(managed)[4, 12]
    assert np.abs(white - 255).max() <= 3
    assert cyan[0] < 60 and cyan[2] > cyan[1] > 100  # Lab 55/-37/-50 is a mid cyan blue
    assert np.abs(cyan - pixels(naive)[4, 4]).max() > 40
    assert "icc_profile" not in managed.info


def test_cmyk_black_point_is_compensated() -> None:
    image = Image.new("CMYK", (8, 8), (0, 0, 0, 255))
    loaded = load(encode(image, "TIFF", icc_profile=cmyk_profile()))
    assert np.abs(pixels(loaded)[4, 4]).max() <= 3  # L* 10 would be sRGB 27 without BPC


# --- ICC -----------------------------------------------------------------------------------------


COLOURS = Image.fromarray(np.array([[[200, 30, 30], [128, 128, 128], [20, 90, 220]]], np.uint8))


def test_rgb_profile_is_converted_to_srgb() -> None:
    wide = rgb_profile("Wide test", WIDE_PRIMARIES, 2.2)
    untagged = pixels(load(encode(COLOURS, "PNG")))
    managed = pixels(load(encode(COLOURS, "PNG", icc_profile=wide)))
    red, gray = managed[0, 0], managed[0, 1]
    assert red[0] > untagged[0, 0, 0] + 10 and red[1] < untagged[0, 0, 1]  # more saturated
    assert np.ptp(gray) <= 1 and abs(int(gray[0]) - 128) <= 3  # neutral stays neutral


def test_srgb_profile_changes_nothing() -> None:
    untagged = load(encode(COLOURS, "PNG"))
    tagged = load(encode(COLOURS, "PNG", icc_profile=SRGB))
    assert np.array_equal(pixels(tagged), pixels(untagged))


def test_srgb_is_recognised_by_behaviour_not_by_name() -> None:
    linear = rgb_profile("sRGB linear", SRGB_PRIMARIES, 1.0)
    untagged = pixels(load(encode(COLOURS, "PNG")))
    managed = pixels(load(encode(COLOURS, "PNG", icc_profile=linear)))
    assert managed[0, 1, 0] > untagged[0, 1, 0] + 40  # linear 0.5 is sRGB 188


def test_rgba_profile_keeps_alpha() -> None:
    image = Image.new("RGBA", (2, 2), (200, 30, 30, 99))
    wide = rgb_profile("Wide test", WIDE_PRIMARIES, 2.2)
    loaded = load(encode(image, "PNG", icc_profile=wide))
    assert loaded.mode == "RGBA"
    red, green, _, alpha = loaded.getpixel((0, 0))
    assert alpha == 99 and red > 210 and green < 30


def test_gray_profile_stays_gray() -> None:
    loaded = load(encode(Image.new("L", (2, 2), 128), "PNG", icc_profile=gray_profile(1.0)))
    assert loaded.mode == "L"
    assert abs(loaded.getpixel((0, 0)) - 188) <= 2


@pytest.mark.parametrize("profile", [LAB, b"not a profile at all", gray_profile(1.0)])
def test_mismatched_or_broken_profile_is_ignored(profile: bytes) -> None:
    untagged = pixels(load(encode(COLOURS, "PNG")))
    tagged = pixels(load(encode(COLOURS, "PNG", icc_profile=profile)))
    assert np.array_equal(tagged, untagged)


def test_working_mode_does_not_touch_its_input() -> None:
    wide = rgb_profile("Wide test", WIDE_PRIMARIES, 2.2)
    image = COLOURS.copy()
    image.info["icc_profile"] = wide
    before = pixels(image).copy()
    converted = working_mode(image)
    assert converted is not image
    assert np.array_equal(pixels(image), before)
    assert image.info["icc_profile"] == wide
    assert "icc_profile" not in converted.info
    assert not np.array_equal(pixels(converted), before)


def test_source_reports_its_profile() -> None:
    with open_source(encode(COLOURS, "JPEG", icc_profile=SRGB)) as source:
        assert source.icc_profile == SRGB
    with open_source(encode(COLOURS, "JPEG")) as source:
        assert source.icc_profile is None


# --- EXIF orientation ----------------------------------------------------------------------------


def stored_for(reference: np.ndarray, orientation: int) -> np.ndarray:
    """The pixels a camera stores so that ``orientation`` displays ``reference`` (EXIF 2.32)."""
    return {
        1: lambda a: a,
        2: np.fliplr,
        3: lambda a: np.rot90(a, 2),
        4: np.flipud,
        5: lambda a: a.transpose(1, 0, 2),
        6: lambda a: np.rot90(a, 1),
        7: lambda a: np.rot90(a, 2).transpose(1, 0, 2),
        8: lambda a: np.rot90(a, -1),
    }[orientation](reference)


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_exif_orientation(fmt: str, orientation: int) -> None:
    reference = np.asarray(blocks())
    stored = Image.fromarray(np.ascontiguousarray(stored_for(reference, orientation)))
    params: dict[str, object] = {"exif": exif_bytes(orientation)}
    params.update(
        {"JPEG": {"quality": 100, "subsampling": 0}, "PNG": {}, "WEBP": {"lossless": True}}[fmt]
    )
    data = encode(stored, fmt, **params)
    # The test's own reading of EXIF 2.32 agrees with Pillow's reference implementation.
    upright = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")
    assert np.abs(pixels(upright) - reference).max() <= 8
    with open_source(data) as source:
        assert source.size == (32, 16)
        loaded = source.load()
    assert loaded.size == (32, 16)
    assert np.abs(pixels(loaded) - reference).max() <= 8


def test_orientation_of_tiff_tag() -> None:
    reference = np.asarray(blocks())
    stored = Image.fromarray(np.ascontiguousarray(stored_for(reference, 6)))
    data = encode(stored, "TIFF", tiffinfo={0x0112: 6})
    with open_source(data) as source:
        assert source.size == (32, 16)
        assert np.array_equal(np.asarray(source.load()), reference)


@pytest.mark.parametrize(
    "exif",
    [
        b"Exif\x00\x00garbage that is no TIFF header",
        b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\xff\xff\x01\x12",  # IFD claims 65535 entries
        exif_bytes(9),
        # orientation stored as the ASCII string "six"
        b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x01\x01\x12\x00\x02\x00\x00\x00\x04six\x00"
        + bytes(4),
    ],
)
def test_broken_exif_is_tolerated(exif: bytes) -> None:
    data = encode(blocks(), "JPEG", quality=100, subsampling=0, exif=exif)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # Pillow's "Corrupt EXIF data"
        with open_source(data) as source:
            assert source.size == (32, 16)
            loaded = source.load()
    assert np.abs(pixels(loaded) - np.asarray(blocks())).max() <= 8


# --- JPEG draft ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def big_jpeg() -> bytes:
    gradient = Image.linear_gradient("L").resize((4000, 3000))
    return encode(Image.merge("RGB", (gradient, gradient, gradient)), "JPEG", quality=80)


@pytest.mark.parametrize(
    ("min_scale", "size", "scale"),
    [(0.2, (1000, 750), 0.25), (0.3, (2000, 1500), 0.5), (0.1, (500, 375), 0.125),
     (0.6, (4000, 3000), 1.0), (1.0, (4000, 3000), 1.0)],
)  # fmt: skip
def test_draft_picks_the_smallest_sufficient_dct_scale(
    big_jpeg: bytes, min_scale: float, size: tuple[int, int], scale: float
) -> None:
    with open_source(big_jpeg) as source:
        assert source.size == (4000, 3000)
        loaded = source.load(min_scale)
        assert loaded.size == size
        assert source.scale == scale


def test_draft_with_swapped_orientation(big_jpeg: bytes) -> None:
    data = encode(Image.open(io.BytesIO(big_jpeg)), "JPEG", exif=exif_bytes(6))
    with open_source(data) as source:
        assert source.size == (3000, 4000)
        assert source.load(0.2).size == (750, 1000)
        assert source.scale == 0.25


def test_draft_rounds_partial_blocks_up() -> None:
    data = encode(Image.new("RGB", (4001, 3001), (5, 6, 7)), "JPEG")
    with open_source(data) as source:
        assert source.load(0.25).size == (1001, 751)


def test_other_formats_decode_at_full_size() -> None:
    with open_source(encode(Image.new("RGB", (400, 300)), "PNG")) as source:
        assert source.load(0.1).size == (400, 300)
        assert source.scale == 1.0


def test_load_decodes_once(big_jpeg: bytes) -> None:
    with open_source(big_jpeg) as source:
        first = source.load(0.2)
        assert source.load(0.25) is first
        with pytest.raises(ValueError, match="already decoded"):
            source.load(0.5)


def test_release_hands_over_only_an_image_no_caller_holds(big_jpeg: bytes) -> None:
    """A decoded file may be changed in place by its last user; a caller's PIL image may not
    (unless loading converted it); after the hand-over the source serves no image."""
    with open_source(big_jpeg) as source:
        source.load(0.2)
        assert source.release()
        with pytest.raises(ValueError, match="handed over"):
            source.load(0.2)
    theirs = Image.new("RGB", (40, 30))
    with open_source(theirs) as source:
        assert source.load() is theirs
        assert not source.release()
    with open_source(Image.new("P", (40, 30))) as source:
        assert source.load().mode == "RGB"  # converted: a new image
        assert source.release()


# --- animated ------------------------------------------------------------------------------------


def animated_gif(frames: int = 3) -> bytes:
    images = []
    for index in range(frames):
        frame = Image.new("P", (8, 8), index)
        frame.putpalette([255, 0, 0, 0, 255, 0, 0, 0, 255])
        images.append(frame)
    return encode(images[0], "GIF", save_all=True, append_images=images[1:], duration=50)


def test_animated_gif_gives_its_first_frame() -> None:
    with open_source(animated_gif()) as source:
        loaded = source.load()
    assert loaded.size == (8, 8)
    assert loaded.getpixel((0, 0)) == (255, 0, 0)


def test_animated_gif_later_frames_are_never_decoded() -> None:
    data = animated_gif()
    second = data.index(b"\x21\xf9\x04", data.index(b"\x21\xf9\x04") + 1)
    truncated = data[: second + 12]  # the second frame is cut short
    assert load(truncated).getpixel((0, 0)) == (255, 0, 0)


def test_animated_webp_gives_its_first_frame() -> None:
    frames = [Image.new("RGB", (8, 8), color) for color in ((255, 0, 0), (0, 0, 255))]
    data = encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], lossless=True)
    assert load(data).getpixel((0, 0))[:3] == (255, 0, 0)


# --- broken inputs -------------------------------------------------------------------------------


def noise_image() -> Image.Image:
    return Image.fromarray(np.random.default_rng(7).integers(0, 256, (120, 160, 3), np.uint8))


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "TIFF"])
def test_truncated_file_is_a_source_error(fmt: str) -> None:
    data = encode(noise_image(), fmt)
    with open_source(data[: len(data) // 2]) as source, pytest.raises(SourceError) as error:
        source.load()
    assert "truncated" in str(error.value)
    assert f"({len(data) // 2} bytes)" in str(error.value)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (np.random.default_rng(1).bytes(2000), "unrecognised data"),
        (b"", "empty"),
        (b"<?xml version='1.0'?>\n<svg xmlns='http://www.w3.org/2000/svg'/>", "SVG"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF"),
        (b"PK\x03\x04" + bytes(40), "ZIP"),
        (b"<!DOCTYPE html><html></html>", "HTML"),
    ],
)
def test_unrecognised_data_is_a_source_error(data: bytes, reason: str) -> None:
    with pytest.raises(SourceError, match="not an image Pillow can decode") as error:
        open_source(data)
    assert reason in str(error.value)


def test_corrupt_header_is_a_source_error() -> None:
    data = bytearray(encode(noise_image(), "PNG"))
    data[16:24] = bytes(8)  # width and height 0
    with pytest.raises(SourceError):
        load(bytes(data))


def test_missing_file_and_directory_are_source_errors(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="file not found") as error:
        open_source(tmp_path / "missing.jpg")
    assert "missing.jpg" in str(error.value)
    with pytest.raises(SourceError, match="cannot read"):
        open_source(tmp_path)


# --- limits --------------------------------------------------------------------------------------


def test_bomb_header_is_a_limit_error() -> None:
    with pytest.raises(LimitError) as error:
        open_source(png_header_only(100_000, 100_000))
    message = str(error.value)
    assert "10,000,000,000 pixels" in message
    assert "150,000,000" in message and "max_input_pixels" in message


def test_configured_limit_is_checked_on_the_header() -> None:
    config = RenderConfig(max_input_pixels=5_000)
    with pytest.raises(LimitError) as error:
        open_source(png_header_only(100, 100), config=config)
    assert "100x100" in str(error.value) and "5,000" in str(error.value)
    with pytest.raises(LimitError):
        open_source(Image.new("L", (100, 100)), config=config)
    with open_source(png_header_only(50, 100), config=config) as source:
        assert source.size == (50, 100)


def test_limit_between_pillows_warning_and_ours_is_accepted() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Pillow's warning would now raise
        with open_source(png_header_only(10_000, 10_000)) as source:
            assert source.size == (10_000, 10_000)


@pytest.mark.skipif(Image.MAX_IMAGE_PIXELS is None, reason="Pillow's check is disabled")
def test_limit_above_pillows_ceiling_says_how_to_raise_it() -> None:
    ceiling = 2 * Image.MAX_IMAGE_PIXELS
    config = RenderConfig(max_input_pixels=ceiling * 4)
    with pytest.raises(LimitError, match=r"PIL\.Image\.MAX_IMAGE_PIXELS") as error:
        open_source(png_header_only(ceiling // 1000 + 1000, 1000), config=config)
    assert f"{ceiling:,}" in str(error.value)


@needs_proc
def test_refused_sources_leave_no_open_file(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_header_only(100_000, 100_000))
    corrupt = tmp_path / "corrupt.jpg"
    corrupt.write_bytes(b"\xff\xd8\xff" + bytes(100))
    with pytest.raises(LimitError):
        open_source(bomb)
    with pytest.raises(SourceError):
        open_source(corrupt)
    assert open_fds_for(bomb) == open_fds_for(corrupt) == 0


# --- inputs and header facts ---------------------------------------------------------------------


def test_path_inputs_give_a_name(tmp_path: Path) -> None:
    path = tmp_path / "summer-hat.v2.jpg"
    path.write_bytes(encode(COLOURS, "JPEG", dpi=(300, 300)))
    for source_arg in (path, str(path)):
        with open_source(source_arg) as source:
            assert source.name == "summer-hat.v2"
            assert (source.format, source.mode, source.size) == ("JPEG", "RGB", (3, 1))
            assert source.dpi == 300.0
            assert not source.has_alpha
            assert source.load().size == (3, 1)


def test_bytes_file_and_pil_inputs(tmp_path: Path) -> None:
    data = encode(COLOURS, "PNG")
    path = tmp_path / "colours.png"
    path.write_bytes(data)
    with path.open("rb") as file:
        sources = [data, io.BytesIO(data), file, Image.open(io.BytesIO(data)), COLOURS]
        for source_arg in sources:
            with open_source(source_arg) as source:
                assert isinstance(source, SourceImage)
                assert source.name is None
                assert source.size == (3, 1)
                assert source.dpi is None
                assert np.array_equal(np.asarray(source.load()), np.asarray(COLOURS))
        assert not file.closed  # the caller's file stays the caller's


def test_pil_image_source_honours_orientation_but_is_not_modified() -> None:
    reference = np.asarray(blocks())
    stored = Image.fromarray(np.ascontiguousarray(stored_for(reference, 8)))
    opened = Image.open(io.BytesIO(encode(stored, "PNG", exif=exif_bytes(8))))
    with open_source(opened) as source:
        assert source.size == (32, 16)
        assert np.array_equal(np.asarray(source.load()), reference)
    assert opened.size == (16, 32)
    assert opened.getpixel((0, 0)) == tuple(stored.getpixel((0, 0)))


@needs_proc
def test_close_releases_the_file_and_keeps_the_pixels(tmp_path: Path) -> None:
    path = tmp_path / "anim.gif"
    path.write_bytes(animated_gif())
    source = open_source(path)
    loaded = source.load()
    assert open_fds_for(path) == 1  # a multi-frame file stays open until closed
    source.close()
    assert open_fds_for(path) == 0
    assert loaded.getpixel((0, 0)) == (255, 0, 0)


def test_load_after_close_is_refused() -> None:
    source = open_source(animated_gif())
    source.close()
    with pytest.raises(ValueError, match="closed"):
        source.load()


def test_a_view_of_the_mapped_source_held_after_rendering_breaks_nothing(tmp_path):
    """Dask's worker profiler keeps the frames of a task it sampled, and with them a numpy
    view of the memory-mapped source: closing the map raised BufferError, and the asset
    failed as 'corrupt or truncated image header' (issue 12, found by the benchmark)."""
    from engine import source

    path = tmp_path / "photo.jpg"
    Image.new("RGB", (32, 24), (10, 200, 30)).save(path, "JPEG")
    with open(path, "rb") as file, source._mapped(file) as data:
        held = np.frombuffer(data, np.uint8)  # outlives the block, like a sampled frame
    assert held[:2].tobytes() == b"\xff\xd8"
    del held
