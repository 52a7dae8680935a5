"""Paths embedded in source images: Photoshop's saved paths (``clipPathE=``,
``clipXPathE=``, ``cropPathE=``; ``r-clippath.md``, ``r-croppath.md``).

Photoshop stores its paths as image resources ("8BIM" blocks, IDs 2000–2997, the resource
name being the path's name) in a JPEG's APP13 "Photoshop 3.0" segments and in a TIFF's
tag 34377. A path is a list of 26-byte records: sub-path length records (selector 0 closed,
3 open) each followed by that many Bézier knots (selectors 1, 2, 4, 5), whose preceding
control point, anchor point and leaving control point are signed 8.24 fixed-point fractions
of the image height (vertical, first) and width (horizontal); the other selectors (fill
rule, clipboard) carry no geometry. The format is Adobe's Photoshop File Formats
Specification ("Path resource format").

Points are turned into the source's pixels as it is shown (its EXIF orientation applied), so
embedded paths line up with the image content through the layer transforms. Sub-paths are
used as areas (closed), as Photoshop fills them. Names are ASCII and compared without regard
to case; a name the image does not hold is ignored, as the pages say. A resource block that
does not follow the format ends the reading there (what was read before it is kept), and a
path with a point outside the path limits (8.24 fixed point reaches 128 image sizes) is
ignored: damaged metadata never fails a render.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from itertools import pairwise

from PIL import Image

from engine.errors import ParseError
from engine.paths import Path, Point, build_path

_JPEG_HEADER = b"Photoshop 3.0\x00"
_TIFF_PHOTOSHOP_TAG = 34377
_FIRST_PATH, _LAST_PATH = 2000, 2997
_RECORD = 26
_KNOTS = {1: True, 2: True, 4: False, 5: False}  # selector → knot of a closed sub-path
_LENGTHS = {0: True, 3: False}  # selector → length record of a closed sub-path
_FIXED = float(1 << 24)


def photoshop_resources(image: Image.Image) -> bytes | None:
    """The image's Photoshop resource blocks (header data, no pixels decoded), or None."""
    applist = getattr(image, "applist", None) or []
    segments = [data[len(_JPEG_HEADER) :] for marker, data in applist
                if marker == "APP13" and data.startswith(_JPEG_HEADER)]  # fmt: skip
    if segments:
        return b"".join(segments)
    tags = getattr(image, "tag_v2", None)
    data = tags.get(_TIFF_PHOTOSHOP_TAG) if tags is not None else None
    if isinstance(data, tuple):  # some writers store it as a BYTE array
        data = bytes(data)
    return data if isinstance(data, bytes) and data else None


def path_names(resources: bytes | None) -> list[str]:
    """The names of the paths in the resource blocks, in their order."""
    return [name for name, _ in _path_blocks(resources or b"")]


def embedded_paths(
    resources: bytes | None,
    names: list[str],
    size: tuple[int, int],
    orientation: int = 1,
    *,
    command: str,
) -> list[Path]:
    """The paths called ``names`` (those the image holds, in the order asked) in the pixels
    of the source as shown: ``size`` is its shown size, ``orientation`` its EXIF value."""
    if not resources:
        return []
    found = {name.lower(): data for name, data in _path_blocks(resources)}
    width, height = size

    def shown(fx: float, fy: float) -> Point:
        x, y = _oriented(fx, fy, orientation)
        return (x * width, y * height)

    paths = []
    for data in (found.get(name.strip().lower()) for name in names):
        if data:
            try:
                paths.append(build_path(_commands(data, shown), command=command))
            except ParseError:  # a point out of range: damaged data, ignored like the rest
                continue
    return paths


def _path_blocks(resources: bytes) -> Iterator[tuple[str, bytes]]:
    """(name, data) of each path resource block."""
    offset = 0
    while offset + 12 <= len(resources) and resources[offset : offset + 4] == b"8BIM":
        (ident,) = struct.unpack_from(">H", resources, offset + 4)
        name_length = resources[offset + 6]
        name = resources[offset + 7 : offset + 7 + name_length].decode("latin-1")
        offset += 6 + ((1 + name_length + 1) & ~1)  # the Pascal name is padded to even
        if offset + 4 > len(resources):
            return
        (length,) = struct.unpack_from(">I", resources, offset)
        offset += 4
        if offset + length > len(resources):
            return
        if _FIRST_PATH <= ident <= _LAST_PATH:
            yield name, resources[offset : offset + length]
        offset += (length + 1) & ~1


def _commands(
    data: bytes, shown: Callable[[float, float], Point]
) -> Iterator[tuple[str, list[float]]]:
    """Path commands (M, C, Z) for the knots of each sub-path."""
    knots: list[tuple[tuple[float, float], ...]] = []
    closed, expected = False, 0
    for start in range(0, len(data) - _RECORD + 1, _RECORD):
        (selector,) = struct.unpack_from(">H", data, start)
        if selector in _LENGTHS:
            yield from _subpath(knots, closed)
            knots, closed = [], _LENGTHS[selector]
            (expected,) = struct.unpack_from(">H", data, start + 2)
        elif selector in _KNOTS and len(knots) < expected:
            values = struct.unpack_from(">6i", data, start + 2)
            knots.append(tuple(
                shown(values[i + 1] / _FIXED, values[i] / _FIXED)
                for i in (0, 2, 4)
            ))  # fmt: skip
    yield from _subpath(knots, closed)


def _subpath(
    knots: list[tuple[tuple[float, float], ...]], closed: bool
) -> Iterator[tuple[str, list[float]]]:
    """One sub-path: knot i is (preceding control, anchor, leaving control)."""
    if not knots:
        return
    yield "M", list(knots[0][1])
    pairs = list(pairwise(knots))
    if closed:
        pairs.append((knots[-1], knots[0]))
    for before, after in pairs:
        yield "C", [*before[2], *after[0], *after[1]]
    yield "Z", []


def _oriented(fx: float, fy: float, orientation: int) -> tuple[float, float]:
    """A stored point (fractions of the stored size) as shown after the EXIF orientation."""
    return {
        2: (1 - fx, fy),
        3: (1 - fx, 1 - fy),
        4: (fx, 1 - fy),
        5: (fy, fx),
        6: (1 - fy, fx),
        7: (1 - fy, 1 - fx),
        8: (fy, 1 - fx),
    }.get(orientation, (fx, fy))
