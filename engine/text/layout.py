"""Line breaking and measuring: a parsed document at one resolution → positioned lines.

Sizes are in pixels: a font of ``\\fsN`` is ``N / 2`` points, drawn at ``res`` dpi as
``N / 2 * res / 72`` pixels. Copy-fitting (``textPs=`` ``\\copyfit``) interpolates each run's
size between ``\\fs`` and ``\\copyfit`` with one factor ``fit`` (0 smallest, 1 largest), so the
ratios between runs hold as Adobe's Copy-fitting page describes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from PIL import ImageFont

from engine.errors import FontError, LimitError
from engine.text.fonts import FontFace, FontMap, load_font
from engine.text.rtf import CharStyle, Document, LineBreak, Paragraph, Run

_TOKENS = re.compile(r"[ \t]+|[^ \t-]*-+|[^ \t-]+")  # spaces | word ending in hyphens | word
_RLO, _PDF = "\u202e", "\u202c"  # right-to-left override … pop: \rtlch's character flow
SUPERSCRIPT_SCALE = 2 / 3
#: Synthesized italic slant (horizontal shift per pixel of height).
SLANT = 0.2


@dataclass(frozen=True, slots=True)
class Styled:
    """A character style resolved to a font at one size."""

    style: CharStyle
    font: ImageFont.FreeTypeFont
    face: FontFace
    pixels: float
    shift: float  # baseline raise in pixels (positive is up)
    ascent: float
    descent: float
    stroke: int  # synthesized bold

    def measure(self, text: str) -> float:
        return _length(self.font, self.shaped(text), self.features, self.direction) + self.stroke

    def shaped(self, text: str) -> str:
        if self.style.caps:
            text = text.upper()
        return f"{_RLO}{text}{_PDF}" if self.style.rtl else text

    @property
    def features(self) -> tuple[str, ...] | None:
        return None if self.style.kerning or not _raqm(self.font) else ("-kern",)

    @property
    def direction(self) -> str | None:
        return "rtl" if self.style.rtl and _raqm(self.font) else None


@dataclass(slots=True)
class Piece:
    text: str
    styled: Styled
    width: float
    space: bool
    x: float = 0.0


@dataclass(slots=True)
class Line:
    pieces: list[Piece]
    align: str
    ascent: float
    descent: float
    justify: bool = False  # a justified line that is not the last of its paragraph
    indent: float = 0.0  # \li, plus \fi on a paragraph's first line
    right_indent: float = 0.0  # \ri
    width: float = field(init=False)

    def __post_init__(self) -> None:
        self.width = sum(p.width for p in self.pieces)

    @property
    def height(self) -> float:
        return self.ascent + self.descent


class Fonts:
    """Resolves character styles to sized fonts for one render (cached per style)."""

    def __init__(self, document: Document, font_map: FontMap, max_font_pixels: int, command: str):
        self.document = document
        self.font_map = font_map
        self.max_font_pixels = max_font_pixels
        self.command = command
        self.cache: dict[tuple[CharStyle, float, float], Styled] = {}

    def name(self, style: CharStyle) -> str | None:
        index = style.font if style.font is not None else self.document.default_font
        if index is None:
            return None
        if index not in self.document.fonts:
            if not self.document.fonts:
                return None  # \f0 without a \fonttbl: the default font
            raise FontError(f"{self.command}: font \\f{index} is not in the RTF \\fonttbl")
        return self.document.fonts[index]

    def faces(self) -> None:
        """Resolve every font the document uses now, so a missing one fails early."""
        for paragraph in self.document.paragraphs:
            for item in (*paragraph.items, paragraph.end_style):
                style = item if isinstance(item, CharStyle) else item.style
                self.font_map.face(self.name(style), bold=style.bold, italic=style.italic)

    def styled(self, style: CharStyle, res: float, fit: float) -> Styled:
        key = (style, res, fit)
        found = self.cache.get(key)
        if found is None:
            found = self.cache[key] = self._styled(style, res, fit)
        return found

    def _styled(self, style: CharStyle, res: float, fit: float) -> Styled:
        half_points = float(style.half_points)
        if style.copyfit > style.half_points:
            half_points += fit * (style.copyfit - style.half_points)
        pixels = half_points / 2 * res / 72
        shift = style.raise_half_points / 2 * res / 72
        if style.script == "super":
            shift += pixels * 0.35
        elif style.script == "sub":
            shift -= pixels * 0.15
        if style.script:
            pixels *= SUPERSCRIPT_SCALE
        if pixels > self.max_font_pixels:
            raise LimitError(
                f"{self.command}: \\fs{style.half_points} at {res:g} dpi is a {pixels:.0f}-pixel "
                f"font; text layers are limited to {self.max_font_pixels} pixels"
            )
        pixels = max(pixels, 1.0)
        face = self.font_map.face(self.name(style), bold=style.bold, italic=style.italic)
        font = load_font(face.path, round(pixels * 4) / 4)
        ascent, descent = font.getmetrics()
        stroke = max(1, round(pixels / 30)) if face.synthetic_bold else 0
        return Styled(style, font, face, pixels, shift, ascent, descent, stroke)


#: What :func:`lay_out` calls for each paragraph's line builder (paragraph, its end style,
#: the wrapping width or None, whether long words are split, pixels per twip).
LineBuilderFactory = Callable[[Paragraph, Styled, float | None, bool, float], "LineBuilder"]


def lay_out(
    document: Document,
    fonts: Fonts,
    *,
    res: float,
    fit: float,
    max_width: float | None,
    wrap: str,
    builder: LineBuilderFactory | None = None,
) -> list[Line]:
    """Break every paragraph into lines no wider than ``max_width`` (None: no wrapping);
    ``builder`` replaces the line builder (text flowed into an area gives each line its own
    width)."""
    lines: list[Line] = []
    width = max_width if wrap != "nowrap" else None
    twip = res / 72 / 20
    last = len(document.paragraphs) - 1
    for number, paragraph in enumerate(document.paragraphs):
        end = fonts.styled(paragraph.end_style, res, fit)
        lines_of = (builder or LineBuilder)(paragraph, end, width, wrap == "wrap", twip)
        for item in paragraph.items:
            if isinstance(item, LineBreak):
                lines_of.hard_break(fonts.styled(item.style, res, fit))
                continue
            styled = fonts.styled(item.style, res, fit)
            for token in _TOKENS.findall(item.text):
                lines_of.add(token, styled)
        block = lines_of.finish()
        # \sb and \sa: text= applies them at the box's top and bottom too, textPs= does not
        if number > 0 or fonts.command == "text":
            block[0].ascent += paragraph.style.before * twip
        if number < last or fonts.command == "text":
            block[-1].descent += paragraph.style.after * twip
        lines.extend(block)
    return lines


class LineBuilder:
    """Greedy line breaking at spaces and after hyphens; a word wider than the line is split
    between characters when ``split`` (``wrap``), else left to overflow (``nbWrap``).

    Subclasses (text flowed into an area) may override :attr:`room`, the width the current
    line may fill, and :meth:`break_line`, which ends the current line into :attr:`lines`."""

    def __init__(
        self, paragraph: Paragraph, end: Styled, width: float | None, split: bool, twip: float
    ):
        self.align = paragraph.align
        self.format = paragraph.style
        self.twip = twip
        self.end = end
        self.width = width
        self.split = split
        self.lines: list[Line] = []
        self.line: list[Piece] = []  # the line being filled
        self.word: list[Piece] = []  # pieces of the word being read (no break inside)
        self.spaces: list[Piece] = []  # spaces between the line and the word
        self.line_width = 0.0
        self.first_line = True

    def add(self, token: str, styled: Styled) -> None:
        if token[0] in " \t":
            self.place_word()
            self.spaces.append(Piece(token.replace("\t", "    "), styled, 0.0, True))
            self.spaces[-1].width = styled.measure(self.spaces[-1].text)
            return
        if self.spaces:
            self.place_word()
        self.word.append(Piece(token, styled, styled.measure(token), False))
        if token.endswith("-"):
            self.place_word()

    def place_word(self) -> None:
        word, self.word = self.word, []
        if not word:
            return
        word_width = sum(p.width for p in word)
        space_width = sum(p.width for p in self.spaces)
        keep_spaces = self.line or self.first_line
        fits = self.width is None or self.line_width + space_width + word_width <= self.room
        if not fits and self.line:
            self.break_line(justify=True)
            keep_spaces = False
        if keep_spaces:
            self.line.extend(self.spaces)
            self.line_width += space_width
        self.spaces = []
        if self.split and self.width is not None and self.line_width + word_width > self.room:
            self.split_word(word)
            return
        self.line.extend(word)
        self.line_width += word_width

    def split_word(self, word: list[Piece]) -> None:
        for piece in word:
            text = piece.text
            while text:
                room = self.room - self.line_width
                count = _fitting_prefix(text, piece.styled, room)
                if count == 0 and self.line:
                    self.break_line(justify=False)
                    continue
                count = max(count, cluster_end(text, 0))
                head = Piece(text[:count], piece.styled, piece.styled.measure(text[:count]), False)
                self.line.append(head)
                self.line_width += head.width
                text = text[count:]
                if text:
                    self.break_line(justify=False)

    def break_line(self, *, justify: bool, end: Styled | None = None) -> None:
        pieces = self.line
        while pieces and pieces[-1].space:
            pieces = pieces[:-1]
        styles = [p.styled for p in pieces] or [end or self.end]
        ascent = max(s.ascent for s in styles)  # line spacing ignores \up/\dn shifts
        descent = max(s.descent for s in styles)
        ascent += self.spacing(ascent + descent) - (ascent + descent)
        indent, right = self.indents()
        justified = justify and self.align == "justify"
        self.lines.append(Line(pieces, self.align, ascent, descent, justified, indent, right))
        self.line, self.line_width, self.first_line = [], 0.0, False

    @property
    def room(self) -> float:
        """The width the current line may fill (with wrapping on)."""
        assert self.width is not None
        indent, right = self.indents()
        return max(1.0, self.width - indent - right)

    def indents(self) -> tuple[float, float]:
        first = 0 if self.lines else self.format.first_indent
        return (self.format.left_indent + first) * self.twip, self.format.right_indent * self.twip

    def spacing(self, automatic: float) -> float:
        """The line height \\sl and \\slmult ask for, given the automatic one."""
        value = self.format.line_spacing
        if value > 0 and self.format.spacing_multiple:
            return automatic * value / 240
        if value > 0:
            return max(automatic, value * self.twip)
        return -value * self.twip if value < 0 else automatic

    def hard_break(self, styled: Styled) -> None:
        self.place_word()
        if self.first_line or self.line:
            self.line.extend(self.spaces)
        self.spaces = []
        self.break_line(justify=False, end=styled)
        self.first_line = True

    def finish(self) -> list[Line]:
        self.place_word()
        if self.line or self.first_line:
            self.line.extend(self.spaces)
            self.break_line(justify=False)
        return self.lines


def _fitting_prefix(text: str, styled: Styled, room: float) -> int:
    """The longest prefix of ``text`` (whole characters with their marks) within ``room``."""
    ends = [i for i in range(1, len(text) + 1) if i == len(text) or not _is_mark(text[i])]
    low, high = 0, len(ends)  # the answer is ends[low - 1] (0: nothing fits)
    while low < high:
        middle = (low + high + 1) // 2
        if styled.measure(text[: ends[middle - 1]]) <= room:
            low = middle
        else:
            high = middle - 1
    return ends[low - 1] if low else 0


def cluster_end(text: str, index: int) -> int:
    """The end of the character at ``index`` with the combining marks that follow it."""
    end = index + 1
    while end < len(text) and _is_mark(text[end]):
        end += 1
    return end


def _is_mark(char: str) -> bool:
    """A combining mark, which stays with the character before it."""
    return unicodedata.category(char) in ("Mn", "Mc", "Me")


def run_count(document: Document) -> int:
    return sum(
        len(item.text) for p in document.paragraphs for item in p.items if isinstance(item, Run)
    )


@lru_cache(maxsize=4096)
def _length(
    font: ImageFont.FreeTypeFont, text: str, features: tuple[str, ...] | None, direction: str | None
) -> float:
    return font.getlength(text, direction=direction, features=list(features) if features else None)


def _raqm(font: ImageFont.FreeTypeFont) -> bool:
    return font.layout_engine == ImageFont.Layout.RAQM
