"""Source decoding: any input image → one 8-bit sRGB working image (L, LA, RGB or RGBA).

:func:`open_source` reads only the header: format, size after EXIF orientation, mode, ICC
profile, resolution; a header that declares more than ``RenderConfig.max_input_pixels`` pixels is
refused there, before any pixel is decoded. :meth:`SourceImage.load` then decodes once — JPEGs at
the smallest DCT scale the caller can use — and returns the working image:

- EXIF orientation (all 8 values) is applied with ``transpose`` on the decoded image; missing or
  malformed EXIF means "as stored".
- Embedded ICC profiles (RGB, CMYK, gray) are converted to sRGB with LittleCMS, relative
  colorimetric with black-point compensation (Photoshop's default), transforms cached per
  profile. An RGB profile whose transform moves none of 17³ probe colours by more than one level
  is sRGB in all but name and is skipped — judged by what it does, not by its description, so a
  "linear sRGB" is still converted. An unreadable profile, or one for another colour space than
  the pixels, is ignored. Untagged CMYK is converted naïvely (§3.2).
  Gray stays gray: the gray profile is applied as a 256-entry lookup table computed once.
- CMYK JPEGs are inverted only when they carry Adobe's APP14 marker (Photoshop convention, as
  libvips does); Pillow alone inverts every CMYK JPEG.
- More than 8 bits: ``I;16`` keeps the high byte (``v >> 8``, so 0..65535 → 0..255 and an 8-bit
  value stored as ``v * 257`` comes back unchanged); ``I`` is taken as 16-bit samples, clipped to
  0..65535 and scaled the same way; ``F`` is taken as normalised 0.0..1.0, clipped and ×255
  (NaN → 0).
- ``1`` → L; ``P``/``PA`` → RGBA when the palette or a key carries transparency, else RGB;
  L/RGB with a transparency key → LA/RGBA; animated inputs give their first frame only.

Pixel limits: our check on the header is the policy; ``Image.MAX_IMAGE_PIXELS`` is never touched.
Pillow's own check cannot be relaxed per call, so two things follow. Its warning tier
(``MAX_IMAGE_PIXELS``, 89 MP by default) is superseded: ``catch_warnings`` ignores it around our
own ``Image.open`` and ``load`` calls (before Python 3.14 ``catch_warnings`` is not thread-safe;
the worst a race can do is leave that one ignore filter installed or let one warning through).
Its error tier (2 × ``MAX_IMAGE_PIXELS``) remains a hard ceiling: a deployment configuring
``max_input_pixels`` above it must also raise ``PIL.Image.MAX_IMAGE_PIXELS`` once at start-up
(the LimitError says so).
Cost limits (:mod:`engine.preflight`): decoding is budgeted in bytes as Pillow stores the
pixels, rows included (``RenderConfig.max_decode_bytes``), and a JPEG's scans are counted
(``max_jpeg_scans``), both before any pixel is decoded.

Truncated files are errors: Pillow refuses data that ends before the decoder is done (as long
as ``ImageFile.LOAD_TRUNCATED_IMAGES`` keeps its default); on top of that a Huffman-coded JPEG
needs at least one bit of scan data per 8 × 8 block (a 633-byte file cannot be 12000 × 12000
pixels), and a PNG's image data must inflate to every row (Pillow fills in rows a short but
well-formed stream lacks). Anything a Pillow plugin raises becomes a :class:`SourceError`.
"""

from __future__ import annotations

import io
import mmap
import os
import re
import warnings
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from functools import lru_cache
from typing import BinaryIO

import numpy as np
from PIL import (
    ExifTags,
    Image,
    ImageCms,
    JpegImagePlugin,
    PngImagePlugin,
    TiffImagePlugin,
    UnidentifiedImageError,
)

from engine.config import DEFAULT_CONFIG, MAX_DPI, MIN_SOURCE_DPI, RenderConfig
from engine.embedded import embedded_paths, photoshop_resources
from engine.errors import IsRenderError, LimitError, SourceError
from engine.geometry import transpose_box
from engine.paths import Path
from engine.preflight import decode_cost, jpeg_structure, png_rows_complete

Source = str | os.PathLike[str] | bytes | BinaryIO | Image.Image

#: EXIF orientation → the transpose that displays the stored pixels upright.
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_DCT_SCALES = (8, 4, 2)
#: Modes Pillow converts straight to an 8-bit working mode.
_CONVERT = {
    "1": "L", "La": "LA", "PA": "RGBA", "RGBa": "RGBA", "RGBX": "RGB", "YCbCr": "RGB", "HSV": "RGB",
}  # fmt: skip
_PROFILE_SPACE = {"L": "GRAY", "LA": "GRAY", "RGB": "RGB", "RGBA": "RGB", "CMYK": "CMYK"}
_INTENT = ImageCms.Intent.RELATIVE_COLORIMETRIC
_BPC = ImageCms.Flags.BLACKPOINTCOMPENSATION


class SourceImage:
    """An opened source: header facts now, pixels on :meth:`load`; a context manager."""

    def __init__(
        self,
        image: Image.Image,
        *,
        label: str,
        name: str | None,
        owned: bool,
        config: RenderConfig,
        held: int = 0,
        fp: str | BinaryIO | None = None,
    ) -> None:
        self.name = name
        self.format: str | None = image.format
        self.mode: str = image.mode
        self.has_alpha: bool = _has_alpha(image)
        self.icc_profile: bytes | None = image.info.get("icc_profile") or None
        self.dpi = _dpi(image.info.get("dpi"))
        #: Photoshop image resources (saved paths; :mod:`engine.embedded`), or None.
        self.photoshop: bytes | None = photoshop_resources(image)
        self._orientation = _orientation(image)
        width, height = image.size
        self.size = (height, width) if self._orientation >= 5 else (width, height)
        self.scale = 1.0
        #: The image's own anchor in its pixels, when it defines one (``textPs=`` point text);
        #: a layer without ``anchor=``/``origin=`` is placed by it (``r-origin.md``).
        self.anchor: tuple[float, float] | None = None
        #: After :meth:`load`, the box of the returned image that the source covers when a
        #: reduced decode left a partly covered last row or column (else None).
        self.content: tuple[float, float, float, float] | None = None
        self._image = image
        self._label = label
        self._config = config
        self._limit = config.max_input_pixels
        self._held = held  # bytes the decoder holds besides the pixels (JPEG coefficients)
        self._fp = fp  # what the image was opened from (a path or a file), to read it again
        self._owned = owned  # the PIL image is ours: drafting and in-place colour are allowed
        self._working: Image.Image | None = None
        self._files = ExitStack()
        if owned:
            self._files.enter_context(image)  # its __exit__ closes the file, keeps the pixels
        self._closed = False
        self._released = False

    def embedded_paths(self, names: list[str], *, command: str) -> list[Path]:
        """The paths the image embeds under ``names`` (those it holds), in its pixels as
        shown (``clipPathE=``, ``cropPathE=``)."""
        return embedded_paths(self.photoshop, names, self.size, self._orientation,
                              command=command)  # fmt: skip

    def load(self, min_scale: float = 1.0) -> Image.Image:
        """Decode once and return the working image (see the module docstring).

        A JPEG is decoded at the smallest DCT scale (1/2, 1/4, 1/8) that keeps both dimensions at
        least ``min_scale`` of the full size; :attr:`scale` then tells the scale obtained. Later
        calls return the same image (do not modify it in place; :meth:`release` hands it over).
        """
        if self._released:
            raise ValueError(f"{self._label}: its image was handed over to be changed in place")
        if self._working is not None:
            if min_scale > self.scale:
                raise ValueError(
                    f"{self._label} was already decoded at scale {self.scale:g} < {min_scale:g}"
                )
            return self._working
        if self._closed:
            raise ValueError(f"{self._label} is closed")
        image = self._image
        factor = 1
        fp = self._fp  # None for a caller's PIL image, which may already hold its pixels
        with _pillow_errors(self._label, f"{self.format or 'image'} data", self._limit):
            if self._owned and isinstance(image, JpegImagePlugin.JpegImageFile) and min_scale < 1:
                factor = _draft(image, min_scale)
            if fp is not None:
                _check_cost(image.size, image.mode, self._config, self._label, self._held)
            png = fp is not None and isinstance(image, PngImagePlugin.PngImageFile)
            watched = _watch_last_row(image) if png else None
            image.load()
            if png and (watched is None or _row(image, watched[0]) == watched[1]):
                _check_png_rows(image.size[1], fp, self._label)
            image = _working_mode(image, self._label, in_place=self._owned)
        content = None
        if factor > 1:
            width, height = self.size if self._orientation < 5 else self.size[::-1]
            content = (0.0, 0.0, width / factor, height / factor)
        if self._orientation in _TRANSPOSE:
            method = _TRANSPOSE[self._orientation]
            if content is not None:
                content = transpose_box(content, image.size, method)
            image = image.transpose(method)
        self.content = None if content == (0, 0, *image.size) else content
        # Exactly 1/factor: a reduced decode's last row and column are only partly covered by
        # the source (4243 px at 1/4 is 1060.75 px, stored as 1061), and mapping coordinates
        # by the stored size would stretch the image by that fraction.
        self.scale = 1 / factor
        self._working = image
        return image

    def release(self) -> bool:
        """Hand the loaded image over to its last user; a later :meth:`load` raises. True when
        that user may change it in place: this source decoded or converted it, so no one else
        holds it (unlike a caller's PIL image passed in as it is)."""
        self._released = True
        working = self._working
        return working is not None and (self._owned or working is not self._image)

    def close(self) -> None:
        """Release the file; an image returned by :meth:`load` stays usable."""
        self._closed = True
        self._files.close()

    def __enter__(self) -> SourceImage:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def open_source(
    source: Source, *, config: RenderConfig = DEFAULT_CONFIG, label: str | None = None
) -> SourceImage:
    """Open a path, bytes, binary file or PIL image; read the header and check the limits.

    Raises :class:`SourceError` for unreadable, unrecognised or corrupt headers (and JPEGs too
    short for the size they declare) and :class:`LimitError` when the declared size exceeds
    ``config.max_input_pixels``, decoding would cost more than ``config.max_decode_bytes`` or
    a JPEG has more than ``config.max_jpeg_scans`` scans. ``label`` names the source in
    messages (default: its path, or what it is).
    """
    limit = config.max_input_pixels
    if isinstance(source, Image.Image):
        label = label or "PIL image"
        _check_limit(source.size, limit, label)
        return SourceImage(source, label=label, name=None, owned=False, config=config)
    name = None
    if isinstance(source, str | os.PathLike):
        path = os.fspath(source)
        label, name, fp = label or path, os.path.splitext(os.path.basename(path))[0], path
    elif isinstance(source, bytes | bytearray | memoryview):
        label, fp = label or f"image data ({len(source)} bytes)", io.BytesIO(source)
    else:
        label, fp = label or _file_label(source), source
    image = _open(fp, label, limit)
    try:
        with _pillow_errors(label, "image header", limit):
            return _checked(image, fp, label, name, config)
    except BaseException:
        image.close()
        raise


def _checked(
    image: Image.Image, fp: str | BinaryIO, label: str, name: str | None, config: RenderConfig
) -> SourceImage:
    """An opened file as a source, once its header and structure are within the limits."""
    _check_limit(image.size, config.max_input_pixels, label)
    held, size = 0, image.size
    if isinstance(image, JpegImagePlugin.JpegImageFile):
        held = _check_jpeg(image, fp, config, label)
        size = (-(-size[0] // 8), -(-size[1] // 8))  # the least it may be decoded at
    _check_cost(size, image.mode, config, label, held)
    if image.format == "JPEG" and image.mode == "CMYK" and "adobe" not in image.info:
        image.tile = [tile._replace(args=("CMYK", *tile.args[1:])) for tile in image.tile]
    return SourceImage(image, label=label, name=name, owned=True, config=config, held=held, fp=fp)


def probe(
    path: str | os.PathLike[str], *, config: RenderConfig = DEFAULT_CONFIG, label: str | None = None
) -> tuple[str | None, tuple[int, int]]:
    """Check that a file decodes completely, within the limits; return its format and size.

    The upload check: :func:`open_source`'s checks, Pillow's ``verify`` (chunk checksums) and
    a full decode (JPEGs at 1/8 scale: every scan's data is still decoded).
    """
    label = label or os.fspath(path)
    limit = config.max_input_pixels
    with open_source(path, config=config, label=label) as source:
        with _pillow_errors(label, "image data", limit), Image.open(path) as image:
            image.verify()
        source.load(1 / 8)
        return source.format, source.size


def working_mode(image: Image.Image) -> Image.Image:
    """Normalise an open PIL image to the working mode and sRGB (no EXIF orientation).

    Returns ``image`` itself when nothing needs to change; never modifies it.
    """
    return _working_mode(image, "PIL image", in_place=False)


def _open(fp: str | BinaryIO, label: str, limit: int) -> Image.Image:
    try:
        with _pillow_errors(label, "image header", limit):
            return Image.open(fp)
    except SourceError as exc:
        cause = exc.__cause__
        if isinstance(cause, UnidentifiedImageError):
            message = f"{label}: not an image Pillow can decode ({_describe(_prefix(fp))})"
        elif isinstance(cause, FileNotFoundError):
            message = f"{label}: file not found"
        elif isinstance(cause, OSError) and cause.strerror and cause.filename is not None:
            message = f"{label}: cannot read the file ({cause.strerror})"
        else:
            raise
        raise SourceError(message) from cause


@contextmanager
def _pillow_errors(label: str, what: str, limit: int) -> Iterator[None]:
    """Whatever Pillow or one of its plugins raises reading ``what`` becomes our error.

    Plugins raise anything (``NotImplementedError`` for DDS variants, ``struct.error``,
    ``IndexError`` ...), so every exception is caught here, once, for every plugin: a
    decompression bomb or running out of memory is a :class:`LimitError`, anything else a
    :class:`SourceError` naming the exception. Pillow's bomb warning is silenced (our header
    checks supersede it).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            yield
    except IsRenderError:
        raise
    except Image.DecompressionBombError as exc:
        raise _bomb(label, exc, limit) from exc
    except MemoryError as exc:
        raise LimitError(f"{label}: ran out of memory decoding the {what}") from exc
    except Exception as exc:
        reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        raise SourceError(f"{label}: corrupt or truncated {what} ({reason})") from exc


def _check_limit(size: tuple[int, int], limit: int, label: str) -> None:
    width, height = size
    if width * height > limit:
        raise LimitError(
            f"{label}: {width}x{height} = {width * height:,} pixels exceeds the input limit of "
            f"{limit:,} pixels; raise RenderConfig.max_input_pixels to accept larger sources"
        )


def _check_cost(
    size: tuple[int, int], mode: str, config: RenderConfig, label: str, held: int
) -> None:
    """Refuse a decode to ``size`` that would cost more than ``max_decode_bytes``; ``held``
    is what the decoder holds besides the pixels."""
    cost = decode_cost(size, mode) + held
    if cost > config.max_decode_bytes:
        width, height = size
        extra = f" and {held / 2**20:,.0f} MiB of JPEG coefficients" if held else ""
        raise LimitError(
            f"{label}: decoding {width}x{height} {mode} pixels ({height:,} rows){extra} would take "
            f"about {cost / 2**20:,.0f} MiB, over the decode budget of "
            f"{config.max_decode_bytes / 2**20:,.0f} MiB; raise RenderConfig.max_decode_bytes "
            "to accept such sources"
        )


def _check_jpeg(
    image: JpegImagePlugin.JpegImageFile, fp: str | BinaryIO, config: RenderConfig, label: str
) -> int:
    """Refuse more scans than ``max_jpeg_scans`` and scan data too short for the frame;
    return the bytes of coefficients libjpeg will hold."""
    with _source_bytes(fp) as data:
        found = jpeg_structure(data, max_scans=config.max_jpeg_scans)
    if found.scans > config.max_jpeg_scans:
        raise LimitError(
            f"{label}: a JPEG of more than {config.max_jpeg_scans} scans (each one a pass over "
            "every block of the image); raise RenderConfig.max_jpeg_scans to accept it"
        )
    if found.entropy_bytes < found.min_entropy_bytes:
        width, height = image.size
        raise SourceError(
            f"{label}: truncated JPEG data: {found.entropy_bytes:,} bytes of scan data cannot "
            f"hold {width}x{height} pixels (a complete image needs at least "
            f"{found.min_entropy_bytes:,})"
        )
    return found.coefficient_bytes


def _watch_last_row(image: PngImagePlugin.PngImageFile) -> tuple[int, bytes] | None:
    """Before Pillow decodes a PNG, mark the row its data writes last; return the row and
    the marker's bytes, or ``None`` when no row can tell (then the data is inflated again).

    Pillow fills in the rows a short image stream lacks, but it writes each row only once
    decoded: if the marker is still there, the data may have ended early (or the row is the
    marker colour), and :func:`_check_png_rows` decides. Re-inflating every PNG would add
    half its decode time.
    """
    width, height = image.size
    row = height - 1
    if image.info.get("interlace"):
        row -= 1 - row % 2  # Adam7's last pass writes the odd rows, in order
    if row < 0 or getattr(image, "is_animated", False):
        return None
    bands = len(image.getbands())
    marker = Image.new(image.mode, (width, 1), 1 if bands == 1 else tuple(range(1, bands + 1)))
    canvas = Image.core.new(image.mode, image.size)
    canvas.paste(marker.im, (0, row, width, row + 1))
    image.im = canvas  # Pillow decodes into an image it finds in place
    return row, marker.tobytes()


def _row(image: Image.Image, y: int) -> bytes:
    return image.crop((0, y, image.width, y + 1)).tobytes()


def _check_png_rows(rows: int, fp: str | BinaryIO, label: str) -> None:
    """Refuse a PNG whose image data inflates to fewer bytes than its rows need."""
    with _source_bytes(fp) as data:
        complete = png_rows_complete(data)
    if not complete:
        raise SourceError(
            f"{label}: truncated PNG data: the image data ends before the last of its {rows:,} rows"
        )


@contextmanager
def _source_bytes(fp: str | BinaryIO) -> Iterator[bytes | memoryview | mmap.mmap]:
    """The whole file a source was opened from (mapped when it is a real file); a file
    object's position is kept."""
    if isinstance(fp, str):
        with open(fp, "rb") as file, _mapped(file) as data:
            yield data
        return
    position = fp.tell()
    try:
        if isinstance(fp, io.BytesIO):
            with fp.getbuffer() as view:
                yield view
        else:
            with _mapped(fp) as data:
                yield data
    finally:
        fp.seek(position)


@contextmanager
def _mapped(file: BinaryIO) -> Iterator[bytes | mmap.mmap]:
    try:
        mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        file.seek(0)
        yield file.read()
        return
    try:
        yield mapped
    finally:
        # A view of the map may still be referenced from a finished frame that someone holds
        # (Dask's worker profiler samples every frame of a running task): then the map is
        # released with the last such reference instead.
        with suppress(BufferError):
            mapped.close()


def _bomb(label: str, exc: Image.DecompressionBombError, limit: int) -> LimitError:
    """Pillow's decompression-bomb error (its ceiling, 2 × MAX_IMAGE_PIXELS) as a LimitError."""
    found = re.search(r"\((\d+) pixels\)", str(exc))
    declared = f"{int(found[1]):,} pixels" if found else "more pixels than Pillow accepts"
    ceiling = 2 * (Image.MAX_IMAGE_PIXELS or 0)
    if limit < ceiling:
        return LimitError(
            f"{label}: declares {declared}, over the input limit of {limit:,} pixels; "
            "raise RenderConfig.max_input_pixels to accept larger sources"
        )
    return LimitError(
        f"{label}: declares {declared}, over Pillow's own decompression-bomb ceiling of "
        f"{ceiling:,} pixels (2 × PIL.Image.MAX_IMAGE_PIXELS), which applies on top of "
        f"the input limit of {limit:,} pixels; raise PIL.Image.MAX_IMAGE_PIXELS once at "
        "start-up to accept such sources"
    )


def _file_label(fp: BinaryIO) -> str:
    name = getattr(fp, "name", None)
    return name if isinstance(name, str) else "file object"


def _prefix(fp: str | BinaryIO) -> bytes:
    """The first bytes of a source Pillow did not recognise, to say what it looks like."""
    try:
        if isinstance(fp, str):
            with open(fp, "rb") as file:
                return file.read(512)
        fp.seek(0)
        return fp.read(512)
    except (OSError, ValueError):
        return b"?"


def _describe(prefix: bytes) -> str:
    head = prefix.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not prefix:
        return "the data is empty"
    if head.startswith(b"%pdf"):
        return "it is a PDF document"
    if head.startswith(b"pk\x03\x04"):
        return "it is a ZIP archive"
    if b"<svg" in head:
        return "it is an SVG document; rasterise vector images first"
    if head.startswith(b"<"):
        return "it is an XML or HTML document"
    return "unrecognised data"


def _has_alpha(image: Image.Image) -> bool:
    try:
        return image.has_transparency_data
    except AssertionError:  # a palette image without a palette
        return False


def _dpi(value: object) -> float | None:
    if not isinstance(value, tuple) or not value:
        return None
    try:
        dpi = float(value[0])
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not dpi > 0:  # zero, negative or NaN: no resolution
        return None
    return min(max(dpi, MIN_SOURCE_DPI), MAX_DPI)


def _orientation(image: Image.Image) -> int:
    """The EXIF orientation 1..8; 1 when absent, invalid or unreadable without decoding."""
    if isinstance(image, TiffImagePlugin.TiffImageFile):
        return 1  # Pillow orients TIFFs itself: upright size on open, transposed on load
    if isinstance(image, PngImagePlugin.PngImageFile) and "exif" not in image.info and image.tile:
        return 1  # Pillow would decode the whole PNG looking for an eXIf chunk after the data
    try:
        value = image.getexif().get(ExifTags.Base.Orientation, 1)
    except Exception:  # malformed EXIF of any kind means "as stored"
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _draft(image: JpegImagePlugin.JpegImageFile, min_scale: float) -> int:
    """Ask libjpeg for the smallest DCT scale keeping both sides ≥ min_scale of full size;
    return the reduction factor (1 when none)."""
    width, height = image.size
    for factor in _DCT_SCALES:
        reduced = (-(-width // factor), -(-height // factor))
        if (
            width >= factor
            and height >= factor
            and reduced[0] >= width * min_scale
            and reduced[1] >= height * min_scale
        ):
            # Pillow picks the largest scale with size // requested >= scale: ask for the floor.
            image.draft(None, (width // factor, height // factor))
            return factor if image.size == reduced else max(1, round(width / image.size[0]))
    return 1


def _working_mode(image: Image.Image, label: str, *, in_place: bool) -> Image.Image:
    icc = image.info.get("icc_profile") or None
    if image.mode == "CMYK":
        transform = _transform(icc, "CMYK", "RGB") if icc else None
        result = (
            image.convert("RGB") if transform is None else ImageCms.applyTransform(image, transform)
        )
    elif image.mode == "LAB":
        result = ImageCms.applyTransform(image, _lab_transform())
    else:
        result = _eight_bit(image, label)
        if icc is not None:
            result = _to_srgb(result, icc, in_place=in_place or result is not image)
    if result is not image:
        result.info.pop("icc_profile", None)  # the pixels are sRGB now
    return result


def _to_srgb(image: Image.Image, icc: bytes, *, in_place: bool) -> Image.Image:
    """Apply an L, LA, RGB or RGBA image's profile; the image itself when nothing changes."""
    if image.mode in ("L", "LA"):
        lut = _gray_lut(icc)
        if lut is None:
            return image
        return image.point(lut + list(range(256)) if image.mode == "LA" else lut)
    transform = _transform(icc, image.mode, image.mode)
    if transform is None:
        return image
    if not in_place:
        return ImageCms.applyTransform(image, transform)
    ImageCms.applyTransform(image, transform, inPlace=True)
    image.info.pop("icc_profile", None)
    return image


def _eight_bit(image: Image.Image, label: str) -> Image.Image:
    """Mode normalisation to L, LA, RGB or RGBA (colour untouched)."""
    mode = image.mode
    keyed = "transparency" in image.info
    if mode in ("L", "RGB"):
        return image.convert(mode + "A") if keyed else image
    if mode in ("LA", "RGBA"):
        return image
    if mode == "P":
        return image.convert("RGBA" if _has_alpha(image) else "RGB")
    if mode in _CONVERT:
        return image.convert(_CONVERT[mode])
    if mode.startswith("I;16"):
        samples = np.asarray(image) >> 8
    elif mode == "I":
        samples = np.clip(np.asarray(image), 0, 65535) >> 8
    elif mode == "F":
        samples = np.asarray(image, dtype=np.float32) * 255.0
        np.nan_to_num(samples, copy=False, nan=0.0)
        np.clip(samples, 0.0, 255.0, out=samples)
        np.rint(samples, out=samples)
    else:
        try:
            return image.convert("RGBA" if _has_alpha(image) else "RGB")
        except ValueError as exc:
            raise SourceError(f"{label}: unsupported pixel mode {mode}") from exc
    gray = Image.fromarray(samples.astype(np.uint8))
    key = image.info.get("transparency")
    if isinstance(key, int) and mode != "F":
        alpha = np.where(np.asarray(image) == key, 0, 255).astype(np.uint8)
        return Image.merge("LA", (gray, Image.fromarray(alpha)))
    return gray


def _profile(icc: bytes, space: str) -> ImageCms.ImageCmsProfile | None:
    """The parsed profile if it is readable and describes ``space`` pixels, else None."""
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    except (OSError, ValueError, ImageCms.PyCMSError):
        return None
    return profile if profile.profile.xcolor_space.strip() == space else None


def _build(
    profile: ImageCms.ImageCmsProfile, in_mode: str, out_mode: str
) -> ImageCms.ImageCmsTransform | None:
    try:
        return ImageCms.buildTransform(
            profile, _srgb(), in_mode, out_mode, renderingIntent=_INTENT, flags=_BPC
        )
    except ImageCms.PyCMSError:
        return None


@lru_cache(maxsize=32)
def _transform(icc: bytes, in_mode: str, out_mode: str) -> ImageCms.ImageCmsTransform | None:
    """A cached profile → sRGB transform; None when the profile is unusable or sRGB already."""
    profile = _profile(icc, _PROFILE_SPACE[in_mode])
    if profile is None or (in_mode != "CMYK" and _is_srgb(profile)):
        return None
    return _build(profile, in_mode, out_mode)


def _is_srgb(profile: ImageCms.ImageCmsProfile) -> bool:
    """Whether converting to sRGB moves none of 17³ colours spanning the cube by over 1 level."""
    transform = _build(profile, "RGB", "RGB")
    if transform is None:
        return False
    probe = _probe()
    moved = np.asarray(ImageCms.applyTransform(probe, transform), np.int16) - np.asarray(
        probe, np.int16
    )
    return int(np.abs(moved).max()) <= 1


@lru_cache(maxsize=32)
def _gray_lut(icc: bytes) -> list[int] | None:
    """Gray profile → sRGB gray as a lookup table; None when unusable or (near) the identity."""
    profile = _profile(icc, "GRAY")
    transform = None if profile is None else _build(profile, "L", "RGB")
    if transform is None:
        return None
    ramp = Image.frombytes("L", (256, 1), bytes(range(256)))
    lut = list(ImageCms.applyTransform(ramp, transform).convert("L").tobytes())
    return None if max(abs(v - i) for i, v in enumerate(lut)) <= 1 else lut


@lru_cache(maxsize=1)
def _probe() -> Image.Image:
    levels = np.linspace(0, 255, 17).round().astype(np.uint8)
    cube = np.stack(np.meshgrid(levels, levels, levels, indexing="ij"), axis=-1)
    return Image.fromarray(cube.reshape(1, -1, 3))


@lru_cache(maxsize=1)
def _srgb() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@lru_cache(maxsize=1)
def _lab_transform() -> ImageCms.ImageCmsTransform:
    return ImageCms.buildTransform(
        ImageCms.createProfile("LAB"), _srgb(), "LAB", "RGB", renderingIntent=_INTENT
    )
