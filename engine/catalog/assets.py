"""What an uploaded file is, decided by its content (IPS asset types, §4.4), and the rules for
asset names, folders and set types.

Order of the checks: known non-image signatures first (PDF, PostScript, ZIP, video, SVG/XML);
then anything that claims to be an image, by magic bytes or by file extension, must decode
with Pillow or the upload is refused; then Pillow gets a last chance on unknown content; what
is left is the generic type ``Asset``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from engine.errors import ApiFault, CatalogError, LimitError, SourceError
from engine.source import probe

GENERIC = "Asset"
HEAD_BYTES = 64 * 1024

# Set types (§4.3, §4.4): the first three are IPS asset types, the others IPS AssetSet
# sub-types, used here as the asset type itself.
SET_TYPES = (
    "ImageSet",
    "SpinSet",
    "RenderSet",
    "MediaSet",
    "VideoSet",
    "eCatalog",
    "OfferSet",
    "MultiBitrateVideoSet",
)
# Which asset types a set may hold; kinds not listed take any non-set asset or set.
SET_MEMBER_TYPES = {
    "ImageSet": ("Image",),
    "SpinSet": ("Image",),
    "VideoSet": ("Video",),
    "MultiBitrateVideoSet": ("Video",),
}

_IMAGE_MAGIC = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",
    b"GIF87a",
    b"GIF89a",
    b"BM",
    b"II*\x00",
    b"MM\x00*",
    b"8BPS",
    b"\x00\x00\x00\x0cjP  \r\n\x87\n",
    b"\xff\x4f\xff\x51",
    b"\x00\x00\x01\x00",
)
_IMAGE_EXTENSIONS = frozenset(
    {
        *(".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".gif", ".bmp", ".dib", ".tif", ".tiff"),
        *(".webp", ".psd", ".jp2", ".j2k", ".jpf", ".jpx", ".ico", ".heic", ".heif", ".avif"),
        *(".tga", ".pcx", ".ppm", ".pgm", ".pbm", ".pnm"),
    }
)
_IMAGE_FTYP_BRANDS = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis"}
)
_XML_PROLOGUE = re.compile(
    rb"\A(?:\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>)*", re.DOTALL
)
_ROOT_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")


@dataclass(frozen=True)
class Identified:
    asset_type: str
    extension: str
    width: int | None = None
    height: int | None = None


def identify(path: Path, name: str) -> Identified:
    """The asset type of the file at ``path``; ``name`` only says whether it claims to be an
    image. Raises CatalogError for a would-be image that Pillow cannot decode."""
    with open(path, "rb") as handle:
        head = handle.read(HEAD_BYTES)
    found = _by_signature(head)
    if found is not None:
        return found
    claims_image = head.startswith(_IMAGE_MAGIC) or _is_image_ftyp(head) or _is_webp(head)
    claims_image = claims_image or PurePosixPath(name).suffix.lower() in _IMAGE_EXTENSIONS
    image = _decode_image(path, name, strict=claims_image)
    if image is not None:
        return image
    return Identified(GENERIC, PurePosixPath(name).suffix.lower())


def _by_signature(head: bytes) -> Identified | None:
    if head.startswith(b"%PDF-"):
        return Identified("Pdf", ".pdf")
    if head.startswith((b"%!PS", b"\xc5\xd0\xd3\xc6")):
        return Identified("PostScript", ".eps" if b"EPSF" in head[:40] else ".ps")
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return Identified("Zip", ".zip")
    video = _video_extension(head)
    if video is not None:
        return Identified("Video", video)
    return _xml_kind(head)


def _video_extension(head: bytes) -> str | None:
    if head[4:8] == b"ftyp" and not _is_image_ftyp(head):
        return ".mov" if head[8:12] == b"qt  " else ".mp4"
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return ".avi"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return ".webm" if b"webm" in head[:64] else ".mkv"
    if head.startswith(b"FLV\x01"):
        return ".flv"
    if head.startswith(b"\x30\x26\xb2\x75\x8e\x66\xcf\x11"):
        return ".wmv"
    if head.startswith(b"\x00\x00\x01\xba"):
        return ".mpg"
    return None


def _is_image_ftyp(head: bytes) -> bool:
    return head[4:8] == b"ftyp" and head[8:12] in _IMAGE_FTYP_BRANDS


def _is_webp(head: bytes) -> bool:
    return head.startswith(b"RIFF") and head[8:12] == b"WEBP"


def _xml_kind(head: bytes) -> Identified | None:
    """``Svg`` for XML whose root element is ``<svg>``, ``Xml`` for other XML."""
    text = head.removeprefix(b"\xef\xbb\xbf")
    if not text.lstrip().startswith(b"<"):
        return None
    prologue = _XML_PROLOGUE.match(text)
    rest = text[prologue.end() if prologue else 0 :]
    root = _ROOT_TAG.match(rest)
    if root is None:
        return None
    if root.group(1).lower() == b"svg":
        return Identified("Svg", ".svg")
    if text.lstrip().startswith(b"<?xml"):
        return Identified("Xml", ".xml")
    return None


def _decode_image(path: Path, name: str, *, strict: bool) -> Identified | None:
    """Decode fully, within the render limits (``engine.source.probe``); on failure raise
    (``strict``, or a source over the limits) or return ``None``. Messages name the file as
    the user called it, never the staging path."""
    label = repr(name)
    try:
        fmt, (width, height) = probe(path, label=label)
    except LimitError as exc:
        raise CatalogError(f"refused {str(exc).replace(str(path), name)}") from None
    except SourceError as exc:
        if not strict:
            return None
        reason = str(exc).removeprefix(f"{label}: ").replace(str(path), name)
        raise CatalogError(
            f"refused {label}: it claims to be an image but cannot be decoded ({reason})"
        ) from None
    return Identified("Image", _image_extension((fmt or "").lower(), name), width, height)


def _image_extension(fmt: str, name: str) -> str:
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in _IMAGE_EXTENSIONS:
        return suffix
    return {"jpeg": ".jpg", "tiff": ".tif", "jpeg2000": ".jp2"}.get(fmt, f".{fmt}" if fmt else "")


_UNSAFE = re.compile(r"[/\\\x00-\x1f\x7f]")
# Lone surrogates: how Python shows the bytes of a file name that is not UTF-8 (PEP 383).
# They cannot be stored as text, so each becomes U+FFFD.
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_name(name: str) -> str:
    """An asset name: path separators and control characters become ``_``, bytes that were
    not UTF-8 ``\ufffd``; never empty."""
    cleaned = _UNSAFE.sub("_", _SURROGATE.sub("\ufffd", name)).strip()
    if cleaned in ("", ".", ".."):
        raise CatalogError(f"invalid asset name {name!r}: it must name a file")
    return cleaned


def clean_folder(folder: str) -> str:
    """``a\\b``, ``/a//b``, ``a/./b/`` → ``/a/b/``; ``..`` is refused; root is ``/``."""
    folder = _SURROGATE.sub("\ufffd", folder)
    parts = [part for part in re.split(r"[/\\]+", folder.strip()) if part not in ("", ".")]
    if ".." in parts:
        raise CatalogError(f"invalid folder {folder!r}: '..' is not allowed")
    for part in parts:
        if _UNSAFE.search(part):
            raise CatalogError(f"invalid folder {folder!r}: control characters are not allowed")
    return "/" + "".join(f"{part}/" for part in parts)


def canonical_set_type(set_type: str) -> str:
    """The exact set type string for ``set_type`` (matched case-insensitively)."""
    for known in SET_TYPES:
        if known.lower() == set_type.strip().lower():
            return known
    raise ApiFault(
        f"unknown set type {set_type!r}; expected one of {', '.join(SET_TYPES)}",
        code=ApiFault.INVALID_PARAMETER,
    )
