"""Hostile inputs, generated: small files and requests that once cost gigabytes or minutes
(issue 8), or escaped the error hierarchy. Each function returns the bytes or text."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image, TiffImagePlugin


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int, height: int, rows: int | None = None, *, color: int = 0) -> bytes:
    """A gray (``color=0``) or RGB (``color=2``) PNG declaring ``width`` × ``height``; its
    zlib stream is complete and holds ``rows`` rows (all of them by default)."""
    channels = {0: 1, 2: 3}[color]
    row = b"\x00" * (1 + width * channels)
    packer = zlib.compressobj(9)
    remaining = height if rows is None else rows
    parts = []
    while remaining:  # in slices, so a tall image never exists uncompressed
        count = min(remaining, 1 << 16)
        parts.append(packer.compress(row * count))
        remaining -= count
    data = b"".join(parts) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, color, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", data)
        + png_chunk(b"IEND", b"")
    )


def interlaced_png(width: int, height: int, *, missing: int = 0) -> bytes:
    """A black gray Adam7-interlaced PNG (which Pillow cannot write) lacking ``missing`` bytes
    of image data at the end of an otherwise well-formed stream."""
    passes = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2))
    size = 0
    for x0, y0, dx, dy in (*passes, (0, 1, 1, 2)):
        columns, rows = -(-(width - x0) // dx), -(-(height - y0) // dy)
        if columns > 0 and rows > 0:
            size += rows * (1 + columns)
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 1)
    data = zlib.compress(b"\x00" * (size - missing))
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", data)
        + png_chunk(b"IEND", b"")
    )


def tall_png(height: int = 150_000_000) -> bytes:
    """1 × ``height`` pixels: within a width × height limit, but ``height`` rows to decode."""
    return png(1, height)


def short_png() -> bytes:
    """A 200 × 200 PNG whose (well-formed) data ends after 100 rows."""
    return png(200, 200, rows=100, color=2)


def _jpeg_segments(data: bytes) -> list[tuple[int, bytes]]:
    """A JPEG as (marker, bytes) segments, each scan with its entropy-coded data."""
    pos, segments = 2, []
    while pos < len(data):
        marker = data[pos + 1]
        if marker == 0xD9:
            segments.append((marker, data[pos : pos + 2]))
            break
        end = pos + 2 + struct.unpack_from(">H", data, pos + 2)[0]
        if marker == 0xDA:
            while data[end] != 0xFF or data[end + 1] in (0, *range(0xD0, 0xD8)):
                end += 1
        segments.append((marker, data[pos:end]))
        pos = end
    return segments


def many_scans_jpeg(scans: int = 5000, size: int = 4096) -> bytes:
    """A progressive gray JPEG with ``scans`` extra copies of one AC scan.

    A flat image makes each AC scan a few bytes (one end-of-band run), but libjpeg still passes
    over every block for each one: ~120 KB that decode for seconds to minutes.
    """
    out = io.BytesIO()
    Image.new("L", (size, size), 128).save(out, "JPEG", progressive=True, quality=90)
    parts, repeated = [b"\xff\xd8"], False
    for marker, segment in _jpeg_segments(out.getvalue()):
        parts.append(segment)
        spectral_start = segment[5 + 2 * segment[4]] if marker == 0xDA else 0
        if marker == 0xDA and spectral_start > 0 and not repeated:
            parts.extend([segment] * scans)
            repeated = True
    return b"".join(parts)


def jpeg_claiming(width: int = 12000, height: int = 12000, length: int = 633) -> bytes:
    """A JPEG cut to ``length`` bytes (EOI appended) whose frame claims ``width`` × ``height``."""
    out = io.BytesIO()
    Image.new("RGB", (64, 64), "red").save(out, "JPEG")
    data = bytearray(out.getvalue())
    frame = data.find(b"\xff\xc0")
    data[frame + 5 : frame + 9] = struct.pack(">HH", height, width)
    return bytes(data[: length - 2]) + b"\xff\xd9"


def unimplemented_dds() -> bytes:
    """A DDS file whose pixel-format flags Pillow does not implement (NotImplementedError)."""
    header = struct.pack("<7I", 124, 0x1007, 4, 4, 16, 0, 0) + b"\0" * 44
    pixel_format = struct.pack("<2I4s5I", 32, 0x80000, b"\0" * 4, 32, 0xFF0000, 0xFF00, 0xFF, 0)
    caps = struct.pack("<5I", 0x1000, 0, 0, 0, 0)
    return b"DDS " + header + pixel_format + caps + b"\0" * 64


def jpeg_declaring_dpi(dpi: float = 4294967295) -> bytes:
    """A JPEG whose EXIF resolution is ``dpi`` (Pillow's ``exif_gps.jpg`` declares this one)."""
    exif = Image.Exif()
    exif[282] = exif[283] = TiffImagePlugin.IFDRational(dpi)  # X/YResolution
    exif[296] = 2  # inches
    out = io.BytesIO()
    Image.new("RGB", (16, 16), "red").save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def variable_request(size: int = 16000, references: int = 5000, commands: int = 1) -> str:
    """A 31 KB request whose variables expand it to ``size × references × commands``
    characters (80 million by default)."""
    return f"$a={'1' * size}&" + "&".join("text=" + "$a$" * references for _ in range(commands))


def small_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(out, "JPEG")
    return out.getvalue()


def restart_run_jpeg(megabytes: int = 64) -> bytes:
    """A small JPEG whose scan data ends in ``megabytes`` MB of restart markers: the marker
    search once kept 8 bytes for every two of them."""
    data = small_jpeg()
    return data[:-2] + b"\xff\xd0" * (megabytes * 2**19) + data[-2:]


def small_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def thousand_layers(count: int = 1000) -> str:
    """Layers 1..count, each the object ``a`` at its own place and opacity."""
    return "&".join(
        f"layer={n}&src=a&pos={n % 60 - 30},{n % 40 - 20}&opac={n % 100}"
        for n in range(1, count + 1)
    )


def deep_nesting(levels: int = 40) -> str:
    """``layer=1&src=is(?layer=0&src=is(?...a...))``, ``levels`` deep."""
    request = "src=a"
    for _ in range(levels):
        request = f"layer=0&src=is(?{request})"
    return "layer=1&" + request.removeprefix("layer=0&")
