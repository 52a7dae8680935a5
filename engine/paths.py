"""Path definitions (``clipPath=``, ``clipXPath=``, ``textPath=``, ``textFlowPath=``, ...).

Adobe's ``r-clippath.md`` defines *pathDefinition*: SVG ``d=``-like path data whose values
are separated by commas (spaces, ``+`` in a URL, are accepted too, and a sign or a command
letter also ends a number, as in SVG). Commands:

* ``M x,y`` / ``m x,y``: start a sub-path (absolute / relative). A relative ``m`` that starts
  a sub-path is relative to the start of the previous sub-path when that one was closed with
  ``z``, to its end point when it was not, and to 0,0 for the first one.
* ``L {x,y}`` / ``l {x,y}``: straight lines to each point.
* ``C {x1,y1,x2,y2,x,y}`` / ``c …``: cubic Bézier curves (relative values are relative to
  the current point at the start of each curve).
* ``Z`` / ``z``: close the sub-path with a straight line.

Area paths (clip and flow paths) are closed automatically; text paths are not
(``r-textpath.md``). Curves are flattened to polylines with a bounded number of segments,
and the whole path is bounded (:class:`PathLimits`): hostile input is refused before any
work proportional to it is done.

Decisions where the pages are silent: coordinates after ``M``/``L``/``C`` may repeat as in
SVG (``L1,1,2,2`` draws two lines); a coordinate pair after ``M`` continues as ``L``; the
fill rule for several sub-paths is even-odd (a sub-path inside another cuts a hole, whatever
their directions).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from PIL import Image, ImageChops, ImageDraw

from engine.errors import LimitError, ParseError
from engine.geometry import clip_polygon

Point = tuple[float, float]
#: An affine map of points (takes path coordinates into a layer's pixels).
PointMap = Callable[[Point], Point]

_TOKEN = re.compile(
    r"(?P<space>[\s,]+)|(?P<command>[MmLlCcZz])|"
    r"(?P<number>[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
)
_ARITY = {"m": 2, "l": 2, "c": 6, "z": 0}
_NAMES = {"m": "moveto", "l": "lineto", "c": "curveto", "z": "closepath"}


@dataclass(frozen=True, slots=True)
class PathLimits:
    """Bounds on one path definition (documented in the README)."""

    max_chars: int = 65_536  # the IS request limit
    max_points: int = 100_000  # vertices after flattening curves
    max_subpaths: int = 1_000
    max_coordinate: float = 1_000_000.0  # pixels from 0,0
    max_curve_segments: int = 64  # line segments per Bézier curve
    curve_tolerance: float = 0.25  # pixels between a curve and its polyline, at most


DEFAULT_PATH_LIMITS = PathLimits()


@dataclass(frozen=True, slots=True)
class SubPath:
    """A flattened sub-path: its vertices in order, and whether it is closed."""

    points: tuple[Point, ...]
    closed: bool

    def edges_to(self) -> tuple[Point, ...]:
        """The end point of each edge (the closing edge included when closed)."""
        points = self.points
        return points[1:] + (points[:1] if self.closed else ())


@dataclass(frozen=True, slots=True)
class Path:
    """A parsed, flattened path definition."""

    subpaths: tuple[SubPath, ...]
    command: str

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """Left, top, right, bottom of every vertex (0, 0, 0, 0 for an empty path)."""
        points = [p for sub in self.subpaths for p in sub.points]
        if not points:
            return (0.0, 0.0, 0.0, 0.0)
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        return (min(xs), min(ys), max(xs), max(ys))

    def mapped(self, transform: PointMap) -> Path:
        """Every vertex through ``transform`` (an affine point → point map)."""
        subpaths = tuple(
            SubPath(tuple(transform(p) for p in sub.points), sub.closed) for sub in self.subpaths
        )
        return Path(subpaths, self.command)

    def reversed(self) -> Path:
        """The sub-paths in the opposite order, each traced backwards."""
        return Path(
            tuple(SubPath(sub.points[::-1], sub.closed) for sub in reversed(self.subpaths)),
            self.command,
        )


def parse_path(
    text: str,
    *,
    command: str,
    close: bool = True,
    limits: PathLimits = DEFAULT_PATH_LIMITS,
) -> Path:
    """Parse a *pathDefinition* of ``command`` into flattened sub-paths; ``close`` closes
    every sub-path (area paths), else only those ending in ``z``/``Z`` (text paths)."""
    if len(text) > limits.max_chars:
        raise LimitError(
            f"{command}=: the path is {len(text):,} characters long; "
            f"a path definition takes at most {limits.max_chars:,}"
        )
    return _Parser(text, command, close, limits).parse()


def build_path(
    commands: Iterable[tuple[str, Sequence[float]]],
    *,
    command: str,
    limits: PathLimits = DEFAULT_PATH_LIMITS,
) -> Path:
    """An area path from commands already read (a letter and its values, as in a
    *pathDefinition*), with the same checks and limits: paths embedded in images."""
    parser = _Parser("", command, True, limits)
    for letter, values in commands:
        parser.run(letter, [(value, 0) for value in values], 0)
    parser.end_subpath(closed=False)
    return Path(tuple(parser.subpaths), command)


class _Parser:
    def __init__(self, text: str, command: str, close: bool, limits: PathLimits) -> None:
        self.text = text
        self.command = command
        self.close = close
        self.limits = limits
        self.subpaths: list[SubPath] = []
        self.points: list[Point] = []
        self.current: Point = (0.0, 0.0)
        self.start: Point = (0.0, 0.0)
        self.count = 0

    def error(self, reason: str, offset: int, expected: str) -> ParseError:
        return ParseError(
            f"{self.command}=: {reason}",
            command=self.command,
            text=self.text[offset : offset + 20],
            offset=offset,
            expected=expected,
        )

    def tokens(self) -> list[tuple[str, str, int]]:
        found: list[tuple[str, str, int]] = []
        offset = 0
        while offset < len(self.text):
            match = _TOKEN.match(self.text, offset)
            if match is None:
                raise self.error(
                    f"unexpected character {self.text[offset]!r}",
                    offset,
                    "path commands M, m, L, l, C, c, Z, z and numbers separated by commas",
                )
            kind = match.lastgroup
            assert kind is not None
            if kind != "space":
                found.append((kind, match.group(), offset))
            offset = match.end()
        return found

    def parse(self) -> Path:
        tokens = self.tokens()
        index = 0
        if tokens and tokens[0][0] != "command":
            raise self.error("a path starts with a command", tokens[0][2], "M or m")
        while index < len(tokens):
            _, letter, offset = tokens[index]
            index += 1
            values: list[tuple[float, int]] = []
            while index < len(tokens) and tokens[index][0] == "number":
                values.append((float(tokens[index][1]), tokens[index][2]))
                index += 1
            self.run(letter, values, offset)
        self.end_subpath(closed=False)
        return Path(tuple(self.subpaths), self.command)

    def run(self, letter: str, values: list[tuple[float, int]], offset: int) -> None:
        kind = letter.lower()
        arity = _ARITY[kind]
        relative = letter.islower() and kind != "z"
        name = f"{letter} ({_NAMES[kind]}{', relative' if relative else ''})"
        if kind == "z":
            if values:
                raise self.error(f"{name} takes no values", values[0][1], "a command after z")
            self.end_subpath(closed=True)
            return
        if not values or len(values) % arity:
            at = values[-1][1] if values else offset
            raise self.error(
                f"{name} has {len(values)} value(s)",
                at,
                f"a multiple of {arity} values ({_shape(kind)})",
            )
        if kind != "m" and not self.points:
            raise self.error(f"{name} before any moveto", offset, "M x,y first")
        for start in range(0, len(values), arity):
            group = [v for v, _ in values[start : start + arity]]
            at = values[start][1]
            if kind == "m" and start == 0:
                self.move(group, letter.islower(), at)
            elif kind in ("m", "l"):
                self.line(group, letter.islower(), at)
            else:
                self.curve(group, letter.islower(), at)

    def point(self, x: float, y: float, relative: bool, offset: int) -> Point:
        if relative:
            x, y = x + self.current[0], y + self.current[1]
        bound = self.limits.max_coordinate
        if not (abs(x) <= bound and abs(y) <= bound):
            raise self.error(
                f"the point {x:g},{y:g} is out of range",
                offset,
                f"coordinates within ±{bound:,.0f} pixels",
            )
        return (x, y)

    def move(self, values: list[float], relative: bool, offset: int) -> None:
        self.end_subpath(closed=False)  # an open one: a relative m starts from its end
        self.current = self.start = self.point(values[0], values[1], relative, offset)
        self.points = [self.current]
        self.added(1, offset)

    def line(self, values: list[float], relative: bool, offset: int) -> None:
        self.current = self.point(values[0], values[1], relative, offset)
        self.points.append(self.current)
        self.added(1, offset)

    def curve(self, values: list[float], relative: bool, offset: int) -> None:
        p0 = self.current  # relative control points are all relative to the curve's start
        p1, p2, p3 = (self.point(values[i], values[i + 1], relative, offset) for i in (0, 2, 4))
        segments = _curve_segments(p0, p1, p2, p3, self.limits)
        for step in range(1, segments + 1):
            t = step / segments
            u = 1 - t
            self.points.append(
                (
                    u**3 * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t**3 * p3[0],
                    u**3 * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t**3 * p3[1],
                )
            )
        self.current = p3
        self.added(segments, offset)

    def added(self, count: int, offset: int) -> None:
        self.count += count
        if self.count > self.limits.max_points:
            raise LimitError(
                f"{self.command}=: the path has more than {self.limits.max_points:,} points "
                f"(curves count as up to {self.limits.max_curve_segments} each; "
                f"at offset {offset})"
            )

    def end_subpath(self, *, closed: bool) -> None:
        """Finish the sub-path being drawn (``closed``: it ended with ``z``)."""
        if not self.points:
            return
        if len(self.subpaths) >= self.limits.max_subpaths:
            raise LimitError(
                f"{self.command}=: the path has more than {self.limits.max_subpaths:,} sub-paths"
            )
        self.subpaths.append(SubPath(tuple(self.points), closed or self.close))
        self.points = []
        if closed:
            self.current = self.start


def _shape(kind: str) -> str:
    return {"m": "x,y", "l": "x,y", "c": "x1,y1,x2,y2,x,y"}[kind]


def _curve_segments(p0: Point, p1: Point, p2: Point, p3: Point, limits: PathLimits) -> int:
    """Segments that keep the polyline within the tolerance of the curve (the standard bound
    from the control polygon's second differences), at most ``max_curve_segments``."""
    dd = max(
        math.hypot(p0[0] - 2 * p1[0] + p2[0], p0[1] - 2 * p1[1] + p2[1]),
        math.hypot(p1[0] - 2 * p2[0] + p3[0], p1[1] - 2 * p2[1] + p3[1]),
    )
    wanted = math.ceil(math.sqrt(0.75 * dd / limits.curve_tolerance)) if dd else 1
    return max(1, min(limits.max_curve_segments, wanted))


# --- areas ---------------------------------------------------------------------------------

#: Supersampling of area masks (per axis), reduced for large masks to bound memory.
_SUPERSAMPLE = 4
_MAX_SUPERSAMPLED = 64_000_000
#: Pixels the sub-paths may flip in all (each flips its box, clipped to the mask, at the
#: supersampled size): supersampling is reduced to stay within it, then the path is refused.
MAX_FLIPPED = 256_000_000


def area_mask(path: Path, size: tuple[int, int]) -> Image.Image:
    """An antialiased L mask of ``size``: 255 inside the path's area (even-odd over its
    sub-paths), 0 outside; path coordinates are the mask's pixels (see :meth:`Path.mapped`).

    Each sub-path costs the area of its box in the mask: a :class:`LimitError` refuses a
    path whose boxes cover more than :data:`MAX_FLIPPED` pixels in all (a thousand
    sub-paths over the whole layer), before any is drawn."""
    width, height = size
    flipped = sum(_box_area(sub.points, width, height) for sub in path.subpaths)
    if flipped > MAX_FLIPPED:
        raise LimitError(
            f"{path.command}=: the sub-paths cover {flipped:,} pixels of the {width}×{height} "
            f"layer in all (each one its bounding box); a path covers at most {MAX_FLIPPED:,}"
        )
    factor = _SUPERSAMPLE
    while factor > 1 and (
        width * height * factor * factor > _MAX_SUPERSAMPLED
        or flipped * factor * factor > MAX_FLIPPED
    ):
        factor //= 2
    big = Image.new("L", (width * factor, height * factor))
    for sub in path.subpaths:
        scaled = [(x * factor, y * factor) for x, y in sub.points]
        _xor_polygon(big, scaled)
    if factor == 1:
        return big
    return big.reduce(factor)


def _box_area(points: Sequence[Point], width: int, height: int) -> int:
    """The pixels of a ``width`` × ``height`` mask that a polygon's bounding box covers."""
    if len(points) < 3:
        return 0
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    columns = min(width, math.ceil(max(xs)) + 1) - max(0, math.floor(min(xs)))
    rows = min(height, math.ceil(max(ys)) + 1) - max(0, math.floor(min(ys)))
    return max(0, columns) * max(0, rows)


#: Pillow fills a polygon wrongly once its coordinates pass about 2**31 / 2 (its edge
#: arithmetic overflows): polygons reaching further than this are clipped first (inside the
#: square every point is covered as before, under the even-odd rule too).
_FAR = 1 << 24


def _xor_polygon(mask: Image.Image, points: list[Point]) -> None:
    """Flip the mask inside the polygon (within the polygon's bounding box only)."""
    if len(points) < 3:
        return
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    left, top = max(0, math.floor(min(xs))), max(0, math.floor(min(ys)))
    right = min(mask.width, math.ceil(max(xs)) + 1)
    bottom = min(mask.height, math.ceil(max(ys)) + 1)
    if right <= left or bottom <= top:
        return
    shape = Image.new("L", (right - left, bottom - top))
    local = [(x - left - 0.5, y - top - 0.5) for x, y in points]
    far = _FAR + max(shape.size)
    if max(map(abs, xs)) > far or max(map(abs, ys)) > far:
        local = clip_polygon(local, (-far, -far, far, far))
    if len(local) >= 3:
        # Pixel centres are at +0.5: Pillow fills the pixels whose centres the polygon covers.
        ImageDraw.Draw(shape).polygon(local, fill=255)
    box = (left, top, right, bottom)
    mask.paste(ImageChops.difference(mask.crop(box), shape), box)
