"""Text on a path: ``textPs=`` with ``textPath=`` and ``pathAttr=``.

Adobe's pages (``r-textpath.md``, ``r-pathattr.md``, ``r-text-layers.md``):

* the path is the text's baseline; its sub-paths are used in order and, unlike clip paths,
  are not closed unless they end in ``z``/``Z``;
* only the first line is drawn (text after the first ``\\par`` or ``\\line`` is ignored);
* ``\\ql``, ``\\qc``, ``\\qr``, ``\\li`` and ``\\ri`` position the text along the path;
* ``pathAttr=direction[,startPos[,endPos]]``: ``reverse`` runs the text from the last vertex
  backwards; ``startPos`` (0 ≤ s < 1) and ``endPos`` (s < e ≤ 1 on an open path, ≤ s + 1 on
  a closed one) bound the part of the path the text uses, as fractions of its length;
* without ``size=`` the layer is the box of the glyphs drawn and its origin, unless
  ``origin=``/``anchor=`` say otherwise, is the path's 0,0; with ``size=`` the path's 0,0 is
  the layer's top-left corner.

Each character (with its combining marks) is drawn turned to the path's direction at its
middle, its baseline on the path. Decisions where the pages are silent: a character whose
middle falls beyond the end of its part of the path is not drawn (text does not overflow);
the length of a path with several sub-paths is the sum of theirs (the gaps between them do
not count); a closed path is one whose sub-paths are all closed, and on it ``endPos`` > 1
wraps around past the first vertex. Deviations: with ``size=`` glyphs outside the layer
rectangle are cut (Adobe draws them and lets ``extend=0,0,0,0`` cut them); underline is not
drawn along paths; characters are shaped one by one (no kerning between them, no joining
forms, right-to-left runs in stored order); ``\\q*`` is honoured with ``size=`` too
(``r-text-layers.md`` says it is ignored there, ``r-textpath.md`` lists no such exception).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image

from engine.errors import LimitError, ParseError
from engine.paths import Path, Point, parse_path
from engine.text.layout import Line, Styled, cluster_end, lay_out
from engine.text.pstext import COMMAND, PsText, layer_frame
from engine.text.render import Fragment, TextLimits, composite_coverage, coverage_mask, ink_box


@dataclass(frozen=True, slots=True)
class PathAttr:
    """``pathAttr=``: direction and the part of the path the text uses."""

    reverse: bool = False
    start: float = 0.0
    end: float = 1.0


def parse_path_attr(text: str | None, *, closed: bool) -> PathAttr:
    """Parse ``pathAttr=`` and check its range rules for an open or closed path."""
    if text is None:
        return PathAttr()
    parts = text.split(",")
    if len(parts) > 3:
        raise _attr_error(text, "more than three values", "direction[,startPos[,endPos]]")
    direction = parts[0].strip().lower()
    if direction not in ("norm", "reverse"):
        raise _attr_error(text, f"direction {parts[0]!r}", "norm or reverse")
    values = [_real(part, text) for part in parts[1:]]
    start = values[0] if values else 0.0
    end = values[1] if len(values) > 1 else 1.0
    if not 0.0 <= start < 1.0:
        raise _attr_error(text, f"startPos {start:g} is out of range", "0 <= startPos < 1.0")
    limit = start + 1.0 if closed else 1.0
    if not start < end <= limit:
        shape = "a closed" if closed else "an open"
        bound = "startPos + 1.0" if closed else "1.0"
        raise _attr_error(
            text,
            f"endPos {end:g} is out of range for {shape} path",
            f"startPos < endPos <= {bound}",
        )
    return PathAttr(direction == "reverse", start, end)


def _real(part: str, text: str) -> float:
    try:
        value = float(part)
    except ValueError:
        raise _attr_error(text, f"{part!r} is not a number", "a real number") from None
    if not math.isfinite(value):
        raise _attr_error(text, f"{part!r} is not a finite number", "a real number")
    return value


def _attr_error(text: str, reason: str, expected: str) -> ParseError:
    return ParseError(f"pathAttr=: {reason}", command="pathAttr", text=text, expected=expected)


class _Walk:
    """Arc-length positions along a path's sub-paths (in order, gaps not counted)."""

    def __init__(self, path: Path) -> None:
        self.edges: list[tuple[Point, Point]] = []
        self.starts: list[float] = []
        total = 0.0
        for sub in path.subpaths:
            for a, b in zip(sub.points, sub.edges_to(), strict=False):
                length = math.dist(a, b)
                if length > 0:
                    self.edges.append((a, b))
                    self.starts.append(total)
                    total += length
        self.length = total
        self.closed = bool(path.subpaths) and all(sub.closed for sub in path.subpaths)

    def at(self, s: float) -> tuple[Point, float] | None:
        """The point at arc length ``s`` and the direction there (radians), or None when
        ``s`` lies off the path."""
        if self.closed and self.length:
            s %= self.length
        if not self.edges or s < 0 or s > self.length:
            return None
        index = max(0, bisect.bisect_right(self.starts, s) - 1)
        (ax, ay), (bx, by) = self.edges[index]
        length = math.dist((ax, ay), (bx, by))
        t = (s - self.starts[index]) / length
        return (ax + (bx - ax) * t, ay + (by - ay) * t), math.atan2(by - ay, bx - ax)


@dataclass(frozen=True, slots=True)
class _Glyph:
    """One character placed on the path, not drawn yet: its turned box is ``size`` at
    ``at`` (path coordinates), ``corner`` relative to its baseline origin."""

    fragment: Fragment  # its ink box set
    turn: tuple[float, float]  # cos and sin of the path's direction
    at: tuple[int, int]
    size: tuple[int, int]
    corner: tuple[float, float]
    color: tuple[int, int, int, int]

    def mask(self, antialias: bool) -> Image.Image:
        """The character's coverage turned to the path, ``size`` pixels."""
        left, top = self.fragment.ink[:2]
        (cos, sin), (dx, dy) = self.turn, self.corner
        return coverage_mask(self.fragment, antialias).transform(
            self.size,
            Image.Transform.AFFINE,
            (cos, sin, cos * dx + sin * dy - left, -sin, cos, -sin * dx + cos * dy - top),
            resample=Image.Resampling.BICUBIC if antialias else Image.Resampling.NEAREST,
        )


def render_text_on_path(
    text: PsText, *, path: str, path_attr: str | None, size: tuple[int, int] | None
) -> Image.Image:
    """Render ``textPs=`` ``text`` along ``textPath=`` ``path`` to an RGBA image.

    ``size`` is the layer's ``size=`` (the path's 0,0 at its top-left corner), or None or
    (0, 0) for a layer sized to the glyphs drawn, whose ``info["point_anchor"]`` is then
    where the path's 0,0 lies.
    """
    boxed = size is not None and any(size)
    document, fonts, attributes = text.read(boxed=boxed)
    baseline = parse_path(path, command="textPath", close=False)
    if text.scale != 1.0:
        baseline = baseline.mapped(lambda p: (p[0] * text.scale, p[1] * text.scale))
    walk = _Walk(baseline)
    attr = parse_path_attr(path_attr, closed=walk.closed)
    if attr.reverse:
        walk = _Walk(baseline.reversed())
    lines = lay_out(document, fonts, res=attributes.res, fit=0.0, max_width=None, wrap="nowrap")
    glyphs = _glyphs(lines[0], walk, attr, document.color) if lines else []
    return _paint(glyphs, size if boxed else None, text.limits, attributes.antialias)


def _glyphs(
    line: Line,
    walk: _Walk,
    attr: PathAttr,
    color_of: Callable[[int], tuple[int, int, int, int]],
) -> list[_Glyph]:
    """Each character of the line placed on the path at its middle (no pixels yet)."""
    first, last = attr.start * walk.length, attr.end * walk.length
    room = (last - first) - line.indent - line.right_indent
    free = room - line.width
    s = first + line.indent + {"right": free, "center": free / 2}.get(line.align, 0.0)
    glyphs: list[_Glyph] = []
    for piece in line.pieces:
        for cluster in _clusters(piece.text):
            width = piece.styled.measure(cluster)
            middle = s + width / 2
            s += width
            if cluster.isspace() or middle < first or middle > last:
                continue
            where = walk.at(middle)
            if where is None:
                continue
            color = color_of(piece.styled.style.color)
            glyphs.append(_placed(cluster, piece.styled, width, where, color))
    return glyphs


def _clusters(text: str) -> list[str]:
    """Characters with the combining marks that follow them."""
    clusters, index = [], 0
    while index < len(text):
        end = cluster_end(text, index)
        clusters.append(text[index:end])
        index = end
    return clusters


def _placed(
    cluster: str,
    styled: Styled,
    width: float,
    where: tuple[Point, float],
    color: tuple[int, int, int, int],
) -> _Glyph:
    """One character turned by the path's direction, its baseline's middle on the path
    point."""
    (px, py), angle = where
    cos, sin = math.cos(angle), math.sin(angle)
    fragment = Fragment(cluster, styled, 0.0, 0.0, width, 0)
    left, top, right, bottom = ink_box(fragment)
    # The baseline's left end, so that the middle of the advance sits on the path.
    ox, oy = px - cos * width / 2, py - sin * width / 2
    corners = [
        (ox + cos * x - sin * y, oy + sin * x + cos * y)
        for x in (left, right)
        for y in (top, bottom)
    ]
    bx = math.floor(min(c[0] for c in corners))
    by = math.floor(min(c[1] for c in corners))
    bw = math.ceil(max(c[0] for c in corners)) - bx
    bh = math.ceil(max(c[1] for c in corners)) - by
    # The output's corner relative to the baseline origin.
    return _Glyph(fragment, (cos, sin), (bx, by), (max(1, bw), max(1, bh)), (bx - ox, by - oy),
                  color)  # fmt: skip


def _paint(
    glyphs: list[_Glyph], size: tuple[int, int] | None, limits: TextLimits, antialias: bool
) -> Image.Image:
    """The layer image with the glyphs drawn one at a time (only one glyph's pixels exist
    besides the layer's), once their frame and their total area are known to be within the
    limits: on a path glyphs may overlap, so their frame alone does not bound the work."""
    boxes = [(g.at[0], g.at[1], g.at[0] + g.size[0], g.at[1] + g.size[1]) for g in glyphs]
    width, height, dx, dy = layer_frame(boxes, size, limits)
    covered = sum(g.size[0] * g.size[1] for g in glyphs)
    if covered > limits.max_pixels:
        raise LimitError(
            f"{COMMAND}: the {len(glyphs):,} characters along textPath= cover {covered:,} "
            f"pixels; a text layer draws at most {limits.max_pixels:,} pixels"
        )
    rgb = Image.new("RGB", (width, height))
    alpha = Image.new("L", (width, height))
    blank = True  # nothing drawn yet
    for glyph in glyphs:
        at = (glyph.at[0] + dx, glyph.at[1] + dy)
        inside = -glyph.size[0] < at[0] < width and -glyph.size[1] < at[1] < height
        if inside and composite_coverage(rgb, alpha, glyph.mask(antialias), at, glyph.color,
                                         blank):  # fmt: skip
            blank = False
    rgb.putalpha(alpha)
    if size is None:
        rgb.info["point_anchor"] = (float(dx), float(dy))
    return rgb
