"""Text layers to pixels: ``render_text`` for ``text=`` and ``textPs=``.

Adobe's fitting rules (Text positioning, Text layers, textAttr, Copy-fitting pages):

* ``text=`` shifts the rendered text so that every glyph stays inside the layer rectangle;
  ``textAttr`` ``autoRes`` scales the text to fill the rectangle and ``maxRes`` shrinks it
  only when it would not fit; ``fixedRes`` crops what does not fit.
* ``textPs=`` aligns the top of the first line's character cell with the top of the box and
  lets glyphs spill (the image is the layer, so a spilled part is cut); it renders only
  complete lines; ``\\copyfit`` scales the font sizes to fill the box.
* Without ``size=`` the layer sizes itself to the text (both commands); with only a width it
  wraps at that width and takes the height of the text. A self-sizing ``text=`` may use only
  one of ``\\ql``, ``\\qr`` and ``\\qc``.

Text on and in paths (:mod:`engine.text.onpath`, :mod:`engine.text.flow`) draws with the
same pieces, this module's drawing API: :func:`place_lines`, :func:`ink_box`,
:func:`coverage_mask`, :func:`composite_coverage` and :func:`paint_fragments`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import lru_cache

from PIL import Image, ImageChops, ImageDraw

from engine.errors import LimitError, ParseError
from engine.text.attributes import TextAttributes, parse_text_attr
from engine.text.fonts import FontMap
from engine.text.layout import SLANT, Fonts, Line, Styled, lay_out, run_count
from engine.text.rtf import CharStyle, Document, Run, parse_rtf

_COMMANDS = {"text": "text", "textps": "textPs"}
_VERTICAL_SHARE = {"top": 0.0, "center": 0.5, "bottom": 1.0}
_SEARCH_STEPS = 12
#: Text layouts kept for reuse (see :func:`render_text`).
LAYOUT_CACHE = 64
_ANY_INK = [0] + [255] * 255  # coverage → where the colour goes (straight alpha)


@dataclass(frozen=True, slots=True)
class TextLimits:
    """Bounds on the work one text layer may cause (documented in the README)."""

    max_rtf_chars: int = 65_536  # the IS request limit
    max_characters: int = 10_000  # characters of text after RTF decoding
    max_breaks: int = 1_000  # \par and \line
    max_font_pixels: int = 2_048  # one font's size at the layer's resolution
    max_pixels: int = 50_000_000  # the layer image, and the laid-out text before cropping


DEFAULT_LIMITS = TextLimits()


def render_text(
    rtf: str,
    *,
    command: str,
    size: tuple[int, int] | None,
    text_attr: str | None,
    font_map: FontMap,
    resolution: float = 72.0,
    limits: TextLimits = DEFAULT_LIMITS,
    scale: float = 1.0,
) -> Image.Image:
    """Render a ``text=``/``textPs=`` value to an RGBA image on a transparent background.

    ``size`` is the layer's ``size=`` (exactly that image), ``None`` or ``(0, 0)`` to size the
    layer to the text, ``(w, 0)`` for a fixed width and the text's height. ``resolution`` is
    the text resolution (dpi) when ``text_attr`` does not give one. ``scale`` draws the text
    at that fraction of its resolution (a layer shown reduced; only without a ``size`` box,
    whose wrapping and fitting are in full-resolution pixels).

    The layout (parsing, fitting, line breaking, placing) depends only on these arguments
    and is kept for the last :data:`LAYOUT_CACHE` of them (a preset's caption repeats on
    every image); the pixels are drawn on every call.
    """
    box = (size[0], size[1]) if size is not None else None  # hashable, whatever was passed
    return _layout(rtf, command, box, text_attr, font_map, resolution, limits, scale).paint()


@lru_cache(maxsize=LAYOUT_CACHE)
def _layout(
    rtf: str,
    command: str,
    size: tuple[int, int] | None,
    text_attr: str | None,
    font_map: FontMap,
    resolution: float,
    limits: TextLimits,
    scale: float,
) -> Drawing:
    """Everything :func:`render_text` works out before drawing pixels."""
    name = _COMMANDS.get(command.lower())
    if name is None:
        raise ValueError(f"command must be 'text' or 'textPs', not {command!r}")
    if len(rtf) > limits.max_rtf_chars:
        raise LimitError(
            f"{name}: the text is {len(rtf)} characters long; "
            f"a text layer takes at most {limits.max_rtf_chars}"
        )
    attributes = parse_text_attr(text_attr, command=name, resolution=resolution)
    if scale != 1.0:
        if size is not None:
            raise ValueError(f"{name}: scale= draws self-sizing text only, not a size= box")
        attributes = replace(attributes, res=attributes.res * scale)
    document = parse_rtf(rtf, command=name, max_breaks=limits.max_breaks)
    count = run_count(document)
    if count > limits.max_characters:
        raise LimitError(
            f"{name}: {count} characters of text; a text layer draws at most "
            f"{limits.max_characters}"
        )
    box_w, box_h = _box(size, name, limits)
    if name == "text" and box_h is None:
        _one_alignment(document, rtf)
    fonts = Fonts(document, font_map, limits.max_font_pixels, name)
    fonts.faces()
    return _Renderer(document, fonts, attributes, name, box_w, box_h, limits).render()


def _box(
    size: tuple[int, int] | None, name: str, limits: TextLimits
) -> tuple[int | None, int | None]:
    if size is None:
        return None, None
    width, height = size
    if width < 0 or height < 0:
        raise ValueError(f"{name}: size {size} is negative")
    if width * height > limits.max_pixels:
        raise LimitError(
            f"{name}: a {width}×{height} text layer exceeds {limits.max_pixels} pixels"
        )
    return width or None, height or None


def _one_alignment(document: Document, rtf: str) -> None:
    used = sorted((offset, word) for word, offset in document.alignments.items() if word != "qj")
    if len(used) > 1:
        offset, word = used[1]
        raise ParseError(
            f"a self-sizing text= layer may use only one of \\ql, \\qr and \\qc; "
            f"\\{used[0][1]} and \\{word} are both used",
            command="text",
            text=rtf[offset : offset + 20],
            offset=offset,
            expected="size= with both width and height, or a single alignment",
        )


@dataclass(slots=True)
class Fragment:
    """Consecutive pieces of one line in one style, drawn with one call."""

    text: str
    styled: Styled
    x: float
    baseline: float
    width: float
    line: int
    ink: tuple[int, int, int, int] = field(default=(0, 0, 0, 0))  # relative to (x, baseline)


@dataclass(slots=True)
class Block:
    """Lines positioned in a content width; ink is the union of the glyph boxes."""

    lines: list[Line]
    fragments: list[Fragment]
    width: float  # the widest line
    height: float  # the sum of line heights
    ink: tuple[float, float, float, float]  # left, top, right, bottom

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """Everything drawn: line boxes and ink."""
        left, top, right, bottom = self.ink
        return min(0.0, left), min(0.0, top), max(self.width, right), max(self.height, bottom)


@dataclass(frozen=True, slots=True)
class Drawing:
    """Laid-out text, ready to draw: the fragments at their places in an image of ``size``."""

    fragments: list[Fragment]
    document: Document
    size: tuple[int, int]
    offset: tuple[float, float]  # where the layout's origin lies in the image
    antialias: bool
    point_anchor: tuple[float, float] | None  # textPs= point text: where it meets its origin

    def paint(self) -> Image.Image:
        image = paint_fragments(
            self.fragments, self.document, self.size, *self.offset, self.antialias
        )
        if self.point_anchor is not None:
            image.info["point_anchor"] = self.point_anchor
        return image


@dataclass(slots=True)
class _Renderer:
    document: Document
    fonts: Fonts
    attributes: TextAttributes
    command: str
    box_w: int | None
    box_h: int | None
    limits: TextLimits

    @property
    def ps(self) -> bool:
        return self.command == "textPs"

    # -- choosing resolution and copy-fit -------------------------------------------------

    def render(self) -> Drawing:
        res, fit = self.attributes.res, 0.0
        boxed = self.box_w is not None and self.box_h is not None
        if boxed and self.ps and self.document.has_copyfit:
            fit = self.copyfit()
        elif boxed and not self.ps and self.attributes.res_mode != "fixedres":
            res = self.fitting_res()
        block = self.block(res, fit)
        if self.ps and self.document.copyfit_max_lines:
            block = self.truncated(block, self.document.copyfit_max_lines)
        return self.draw(block)

    @property
    def margins(self) -> tuple[float, float, float, float]:
        """``textPs=`` ``\\marg*`` in pixels (left, top, right, bottom); point text has none."""
        if not self.ps or self.box_w is None:
            return (0.0, 0.0, 0.0, 0.0)
        twip = self.attributes.res / 72 / 20
        left, top, right, bottom = (m * twip for m in self.document.margins)
        return left, top, right, bottom

    @property
    def inner(self) -> tuple[float | None, float | None]:
        """The box inside the margins (None where the layer sizes itself)."""
        left, top, right, bottom = self.margins
        width = None if self.box_w is None else max(1.0, self.box_w - left - right)
        height = None if self.box_h is None else max(1.0, self.box_h - top - bottom)
        return width, height

    def block(self, res: float, fit: float) -> Block:
        width = self.inner[0]
        lines = lay_out(
            self.document,
            self.fonts,
            res=res,
            fit=fit,
            max_width=width,
            wrap=self.attributes.word_wrap,
        )
        return place_lines(lines, width)

    def fits(self, block: Block) -> bool:
        width, height = self.inner
        assert width is not None and height is not None
        left, top, right, bottom = (
            block.extent if not self.ps else (0, 0, block.width, block.height)
        )
        return right - left <= width and bottom - top <= height

    def fitting_res(self) -> float:
        """``autoRes``: the largest resolution whose text fits; ``maxRes``: ``res`` unless
        the text does not fit, then the largest that does."""
        sizes = [s.half_points for s in _styles(self.document)] or [24]
        high = self.limits.max_font_pixels * 72 / (max(sizes) / 2) * 0.999
        low = min(72 / (max(sizes) / 2), high)  # every font at most one pixel
        if self.attributes.res_mode == "maxres":
            high = min(high, self.attributes.res)
            low = min(low, high)
        if self.fits(self.block(high, 0.0)):
            return high
        for _ in range(_SEARCH_STEPS):
            middle = math.sqrt(low * high)
            if self.fits(self.block(middle, 0.0)):
                low = middle
            else:
                high = middle
        return low

    def copyfit(self) -> float:
        """The largest copy-fit factor whose lines fit the box (and the line limits)."""

        def fits(fit: float) -> bool:
            try:
                block = self.block(self.attributes.res, fit)
            except LimitError:
                return False
            limit = self.document.copyfit_max_lines or self.document.copyfit_lines
            return self.fits(block) and (not limit or len(block.lines) <= limit)

        if fits(1.0):
            return 1.0
        low, high = 0.0, 1.0
        for _ in range(_SEARCH_STEPS):
            middle = (low + high) / 2
            low, high = (middle, high) if fits(middle) else (low, middle)
        return low

    def truncated(self, block: Block, count: int) -> Block:
        return place_lines(block.lines[:count], self.inner[0])

    # -- pixels ----------------------------------------------------------------------------

    def draw(self, block: Block) -> Drawing:
        left, top, right, bottom = block.extent
        if (right - left) * (bottom - top) > self.limits.max_pixels:
            raise LimitError(
                f"{self.command}: the laid-out text is {right - left:.0f}×{bottom - top:.0f} "
                f"pixels; a text layer draws at most {self.limits.max_pixels} pixels"
            )
        fragments = block.fragments
        margin_left, margin_top, _, margin_bottom = self.margins
        inner_w, inner_h = self.inner
        if self.box_w is None or inner_w is None:
            width, dx = math.ceil(right - left), -left
        elif self.ps:
            width, dx = self.box_w, margin_left
        else:
            width, dx = self.box_w, _inside(block.ink[0], block.ink[2], self.box_w)
        share = _VERTICAL_SHARE[self.document.vertical]
        if self.box_h is None or inner_h is None:
            height = math.ceil(bottom - top + margin_top + margin_bottom)
            dy = margin_top - top
        elif self.ps:
            kept = [i for i, line in enumerate(_bottoms(block.lines)) if line <= inner_h]
            fragments = [f for f in fragments if f.line in kept]
            used = sum(block.lines[i].height for i in kept)
            height, dy = self.box_h, margin_top + max(0.0, inner_h - used) * share
        else:
            height, dy = self.box_h, -top + max(0.0, self.box_h - (bottom - top)) * share
        width, height = max(width, 1), max(height, 1)
        if width * height > self.limits.max_pixels:
            raise LimitError(
                f"{self.command}: a {width}×{height} text layer exceeds "
                f"{self.limits.max_pixels} pixels"
            )
        anchor = None
        if self.ps and self.box_w is None and block.lines:
            anchor = _point_anchor(block.lines[0], width, dx, dy)
        return Drawing(fragments, self.document, (width, height), (dx, dy),
                       self.attributes.antialias, anchor)  # fmt: skip


def _point_anchor(first: Line, width: int, dx: float, dy: float) -> tuple[float, float]:
    """Where point text meets its layer origin (``r-text-layers.md``): just below its first
    line, at the line's start (``\\ql``), end (``\\qr``) or middle (``\\qc``)."""
    x = {"right": float(width), "center": width / 2}.get(first.align, dx)
    return (x, dy + first.height)


def _styles(document: Document) -> list[CharStyle]:
    styles = [p.end_style for p in document.paragraphs]
    styles += [i.style for p in document.paragraphs for i in p.items if isinstance(i, Run)]
    return styles


def _bottoms(lines: list[Line]) -> list[float]:
    bottoms, y = [], 0.0
    for line in lines:
        y += line.height
        bottoms.append(y)
    return bottoms


def _inside(left: float, right: float, box: int) -> float:
    """The horizontal shift that brings ink ``left..right`` inside ``0..box`` (text=)."""
    if left < 0:
        return -left
    if right > box:
        return -min(right - box, left)
    return 0.0


def place_lines(lines: list[Line], box_w: float | None) -> Block:
    """Position ``lines`` one under the other in a content width of ``box_w`` (None: the
    widest line): alignment, indents and justification; the fragments' ``ink`` is set."""
    width = max((line.indent + line.width + line.right_indent for line in lines), default=0.0)
    content = box_w if box_w is not None else width
    fragments: list[Fragment] = []
    y = 0.0
    for number, line in enumerate(lines):
        baseline = y + line.ascent
        free = content - line.indent - line.right_indent - line.width
        x = line.indent + {"right": free, "center": free / 2}.get(line.align, 0.0)
        spaces = sum(1 for p in line.pieces if p.space)
        stretch = free / spaces if line.justify and spaces and free > 0 else 0.0
        for piece in line.pieces:
            last = fragments[-1] if fragments and fragments[-1].line == number else None
            if last and last.styled is piece.styled and not stretch:
                last.text += piece.text
                last.width += piece.width
            elif not (piece.space and stretch):
                fragments.append(
                    Fragment(piece.text, piece.styled, x, baseline, piece.width, number)
                )
            x += piece.width + (stretch if piece.space else 0.0)
        y += line.height
    ink = [
        (f.x + left, f.baseline + top, f.x + right, f.baseline + bottom)
        for f in fragments
        for left, top, right, bottom in [ink_box(f)]
    ]
    bounds = (
        min((i[0] for i in ink), default=0.0),
        min((i[1] for i in ink), default=0.0),
        max((i[2] for i in ink), default=0.0),
        max((i[3] for i in ink), default=0.0),
    )
    return Block(lines, fragments, width, y, bounds)


def ink_box(fragment: Fragment) -> tuple[int, int, int, int]:
    """The fragment's glyph box relative to its origin (left end of the baseline); also
    stored in ``fragment.ink``, which :func:`coverage_mask` reads."""
    styled = fragment.styled
    left, top, right, bottom = styled.font.getbbox(
        styled.shaped(fragment.text),
        anchor="ls",
        stroke_width=styled.stroke,
        direction=styled.direction,
        features=list(styled.features or ()) or None,
    )
    top -= round(styled.shift)
    bottom -= round(styled.shift)
    if styled.face.synthetic_italic:
        left -= math.ceil(SLANT * max(bottom, 0))
        right += math.ceil(SLANT * max(-top, 0))
    if styled.style.underline:
        bottom = max(bottom, _underline(styled)[1])
        right = max(right, math.ceil(fragment.width))
    fragment.ink = (left, top, right, bottom)
    return fragment.ink


def _underline(styled: Styled) -> tuple[int, int]:
    """Underline top and bottom relative to the baseline."""
    top = max(1, round(styled.pixels * 0.1))
    return top, top + max(1, round(styled.pixels / 16))


def paint_fragments(
    fragments: list[Fragment],
    document: Document,
    size: tuple[int, int],
    dx: float,
    dy: float,
    antialias: bool,
) -> Image.Image:
    """An RGBA image of ``size`` with the placed ``fragments`` (see :func:`place_lines`)
    drawn in their colours, the layout's origin at ``dx``, ``dy``."""
    rgb = Image.new("RGB", size)
    alpha = Image.new("L", size)
    blank = True  # nothing drawn yet
    for fragment in fragments:
        left, top, right, bottom = fragment.ink
        x, baseline = round(fragment.x + dx), round(fragment.baseline + dy)
        if (
            x + right <= 0
            or baseline + bottom <= 0
            or x + left >= size[0]
            or baseline + top >= size[1]
        ):
            continue
        mask = coverage_mask(fragment, antialias)
        color = document.color(fragment.styled.style.color)
        if fragment.styled.style.underline and fragment.width >= 1:
            u_top, u_bottom = _underline(fragment.styled)
            ImageDraw.Draw(mask).rectangle(
                (-left, -top + u_top, -left + math.ceil(fragment.width) - 1, -top + u_bottom - 1),
                fill=255,
            )
        if composite_coverage(rgb, alpha, mask, (x + left, baseline + top), color, blank):
            blank = False
    rgb.putalpha(alpha)
    return rgb


def coverage_mask(fragment: Fragment, antialias: bool) -> Image.Image:
    """The fragment's coverage, an L image the size of its ink box."""
    styled = fragment.styled
    left, top, right, bottom = fragment.ink
    mask = Image.new("L", (max(1, right - left), max(1, bottom - top)))
    draw = ImageDraw.Draw(mask)
    draw.fontmode = "L" if antialias else "1"
    origin = (-left, -top - round(styled.shift))
    draw.text(
        origin,
        styled.shaped(fragment.text),
        fill=255,
        font=styled.font,
        anchor="ls",
        stroke_width=styled.stroke,
        stroke_fill=255 if styled.stroke else None,
        direction=styled.direction,
        features=list(styled.features or ()) or None,
    )
    if styled.face.synthetic_italic:  # slant about the baseline
        mask = mask.transform(
            mask.size,
            Image.Transform.AFFINE,
            (1, SLANT, -SLANT * origin[1], 0, 1, 0),
            resample=Image.Resampling.BILINEAR if antialias else Image.Resampling.NEAREST,
        )
    return mask


def composite_coverage(
    rgb: Image.Image,
    alpha: Image.Image,
    mask: Image.Image,
    at: tuple[int, int],
    color: tuple[int, int, int, int],
    blank: bool,
) -> bool:
    """Paint ``color`` through ``mask`` (straight alpha: full colour wherever there is ink);
    the coverage is the most of the mask's and what is there (unless ``alpha`` is ``blank``).
    False when the mask is outside the image."""
    x0, y0 = max(at[0], 0), max(at[1], 0)
    x1, y1 = min(at[0] + mask.width, rgb.width), min(at[1] + mask.height, rgb.height)
    if x0 >= x1 or y0 >= y1:
        return False
    box = (x0, y0, x1, y1)
    part = mask
    if (x1 - x0, y1 - y0) != mask.size:
        part = mask.crop((x0 - at[0], y0 - at[1], x1 - at[0], y1 - at[1]))
    if color[3] != 255:
        part = part.point([v * color[3] // 255 for v in range(256)])
    rgb.paste(color[:3], box, part.point(_ANY_INK))
    alpha.paste(part if blank else ImageChops.lighter(alpha.crop(box), part), box)
    return True
