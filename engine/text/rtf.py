"""The RTF subset of IS text layers, read into paragraphs of styled runs.

Adobe's "Supported RTF commands and keywords" pages list what the IS text engines read; every
other control word is ignored, as RTF readers do. Plain text without an ``{\\rtf1`` header is
the same language (a body without header), so ``text=Hello`` and ``text=\\fs48Hello`` both
parse. Malformed input (an unbalanced brace, a lone backslash at the end, a bad ``\\'hh``
escape, a number too long to be an RTF parameter) is a :class:`ParseError` naming the command
and the character offset in the string.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field, replace

from engine.colors import parse_color
from engine.errors import LimitError, ParseError

#: Default font size: 24 half-points (12 pt), as Adobe's character formatting page says.
DEFAULT_HALF_POINTS = 24
BLACK = (0, 0, 0, 255)

_TOKEN = re.compile(
    r"\\([a-zA-Z]{1,32})(-?[0-9]+)? ?"  # control word, optional parameter, delimiting space
    r"|\\'([0-9a-fA-F]{2})"  # 8-bit character
    r"|\\(.)"  # control symbol
    r"|([{}])"
    r"|([^\\{}\r\n]+)"  # text
    r"|([\r\n]+)"  # line ends are not text in RTF
    r"|(\\)",  # a backslash that ends the string
    re.S,
)
_MAX_PARAMETER_DIGITS = 10

#: Groups whose content is never text: RTF destinations this engine skips.
_SKIPPED_DESTINATIONS = frozenset(
    [
        "info",
        "stylesheet",
        "pict",
        "object",
        "header",
        "headerl",
        "headerr",
        "headerf",
        "footer",
        "footerl",
        "footerr",
        "footerf",
        "generator",
        "listtable",
        "listoverridetable",
        "rsidtbl",
        "themedata",
        "colorschememapping",
        "latentstyles",
        "datastore",
        "xmlnstbl",
        "fldinst",
        "filetbl",
        "revtbl",
        "pntext",
        "pntxta",
        "pntxtb",
        "mmathPr",
        "operator",
        "author",
        "title",
        "company",
        "nonshppict",
        "shp",
        "footnote",
        "annotation",
        "bkmkstart",
        "bkmkend",
        "panose",
        "falt",
        "fname",
        "userprops",
        "doccomm",
        "keywords",
        "subject",
        "comment",
    ]
)
_UNDERLINES = frozenset(
    ["ul", "uld", "uldash", "uldashd", "uldashdd", "uldb", "ulth", "ulw", "ulwave"]
)
_SYMBOLS = {"\\": "\\", "{": "{", "}": "}", "~": "\u00a0", "_": "\u2011", "-": ""}
_ENTITIES = {
    "tab": "\t",
    "emdash": "\u2014",
    "endash": "\u2013",
    "bullet": "\u2022",
    "lquote": "\u2018",
    "rquote": "\u2019",
    "ldblquote": "\u201c",
    "rdblquote": "\u201d",
    "emspace": "\u2003",
    "enspace": "\u2002",
}
#: Control characters are not text (Adobe: "Control characters ... should always be removed").
_CONTROLS = dict.fromkeys((*range(0x09), *range(0x0A, 0x20), 0x7F))
_ALIGNMENTS = {"ql": "left", "qr": "right", "qc": "center", "qj": "justify"}
_VERTICAL = {"vertalt": "top", "vertalc": "center", "vertalb": "bottom"}
_PARAGRAPH_LENGTHS = {
    "sl": "line_spacing",
    "slmult": "spacing_multiple",
    "sb": "before",
    "sa": "after",
    "fi": "first_indent",
    "li": "left_indent",
    "ri": "right_indent",
}
_BOTH_COMMANDS = frozenset(("sl", "slmult", "sb", "sa"))  # the indents are textPs= only
_MARGINS = ("margl", "margt", "margr", "margb")  # textPs= only


@dataclass(frozen=True, slots=True)
class CharStyle:
    """Character formatting in effect for a run (half-points as RTF writes them)."""

    font: int | None = None  # \fonttbl index; None is the font map's default font
    half_points: int = DEFAULT_HALF_POINTS
    color: int = 0  # \cf index; resolved through the colour tables after parsing
    bold: bool = False
    italic: bool = False
    underline: bool = False
    rtl: bool = False
    caps: bool = False
    copyfit: int = 0  # largest copy-fit size in half-points; 0 disables
    raise_half_points: int = 0  # \up (positive) and \dn (negative) baseline shift
    script: str | None = None  # "super" | "sub"
    kerning: bool = True


@dataclass(frozen=True, slots=True)
class Run:
    text: str
    style: CharStyle


@dataclass(frozen=True, slots=True)
class LineBreak:
    """``\\line``: a new line inside the paragraph."""

    style: CharStyle


@dataclass(frozen=True, slots=True)
class ParagraphStyle:
    """Paragraph formatting; lengths in twips (1/20 pt) as RTF writes them."""

    align: str = "left"  # left | right | center | justify
    line_spacing: int = 0  # \sl: 0 automatic, > 0 at least, < 0 exactly
    spacing_multiple: bool = False  # \slmult1: \sl is in 240ths of the automatic spacing
    before: int = 0  # \sb
    after: int = 0  # \sa
    first_indent: int = 0  # \fi (textPs= only)
    left_indent: int = 0  # \li (textPs= only)
    right_indent: int = 0  # \ri (textPs= only)


@dataclass
class Paragraph:
    items: list[Run | LineBreak]
    style: ParagraphStyle
    end_style: CharStyle  # sizes an empty paragraph's line

    @property
    def align(self) -> str:
        return self.style.align


@dataclass
class Document:
    """A parsed text layer: paragraphs plus the document-level properties."""

    paragraphs: list[Paragraph]
    fonts: dict[int, str] = field(default_factory=dict)
    colors: dict[int, tuple[int, int, int, int]] = field(default_factory=dict)
    vertical: str = "top"
    alignments: dict[str, int] = field(default_factory=dict)  # \ql|\qr|\qc → first offset
    copyfit_lines: int = 0
    copyfit_max_lines: int = 0
    default_font: int | None = None
    margins: tuple[int, int, int, int] = (0, 0, 0, 0)  # \margl \margt \margr \margb (twips)

    def color(self, index: int) -> tuple[int, int, int, int]:
        """The colour of ``\\cfN``; an index no table holds is black, as Adobe documents."""
        return self.colors.get(index, BLACK)

    @property
    def has_copyfit(self) -> bool:
        return any(
            isinstance(item, Run) and item.style.copyfit > item.style.half_points
            for paragraph in self.paragraphs
            for item in paragraph.items
        )


@dataclass
class _Group:
    style: CharStyle
    paragraph: ParagraphStyle
    destination: str | None = None  # None: body text
    uc: int = 1


@dataclass
class _Tables:
    """Colour and font tables as they are read (entries end with ';')."""

    rgb: dict[int, tuple[int, int, int, int]] = field(default_factory=dict)
    cmyk: dict[int, tuple[int, int, int, int]] = field(default_factory=dict)
    is_colors: dict[int, tuple[int, int, int, int]] = field(default_factory=dict)
    components: dict[str, int] = field(default_factory=dict)
    font_index: int | None = None
    font_name: list[str] = field(default_factory=list)
    is_text: list[str] = field(default_factory=list)


class _Reader:
    def __init__(self, rtf: str, command: str, max_breaks: int) -> None:
        self.rtf = rtf
        self.command = command
        self.ps = command.lower() == "textps"
        self.max_breaks = max_breaks
        self.codepage = "cp1252"
        self.document = Document(paragraphs=[])
        self.tables = _Tables()
        self.stack: list[_Group] = []
        self.group = _Group(CharStyle(), ParagraphStyle())
        self.items: list[Run | LineBreak] = []
        self.text: list[str] = []  # characters of the run being read
        self.text_style = self.group.style
        self.pending_bytes = bytearray()
        self.skip = 0  # characters still to skip after \uN
        self.breaks = 0

    def error(self, message: str, offset: int, expected: str | None = None) -> ParseError:
        return ParseError(
            message,
            command=self.command,
            text=self.rtf[offset : offset + 20],
            offset=offset,
            expected=expected,
        )

    # -- driving ---------------------------------------------------------------------------

    def read(self) -> Document:
        for match in _TOKEN.finditer(self.rtf):
            word, parameter, hex_byte, symbol, brace, text, _line_end, lone = match.groups()
            offset = match.start()
            if word is not None:
                self.control_word(word, self.parameter(parameter, offset), offset)
            elif hex_byte is not None:
                self.byte(int(hex_byte, 16))
            elif symbol is not None:
                self.control_symbol(symbol, offset)
            elif brace == "{":
                self.open_group()
            elif brace == "}":
                self.close_group(offset)
            elif text is not None:
                self.characters(text)
            elif lone is not None:
                raise self.error("a backslash ends the text", offset, "a control word or \\\\")
        if self.stack:
            raise self.error(
                f"{len(self.stack)} group(s) opened with '{{' are never closed",
                len(self.rtf),
                "'}'",
            )
        self.end_paragraph(final=True)
        self.document.colors = {**self.tables.cmyk, **self.tables.rgb}
        if self.ps:
            self.document.colors.update(self.tables.is_colors)
        return self.document

    def parameter(self, digits: str | None, offset: int) -> int | None:
        if digits is None:
            return None
        if len(digits.lstrip("-")) > _MAX_PARAMETER_DIGITS:
            raise self.error("an RTF number has more than 10 digits", offset)
        return int(digits)

    # -- groups ----------------------------------------------------------------------------

    def open_group(self) -> None:
        self.flush_bytes()
        self.skip = 0
        self.stack.append(self.group)
        self.group = replace(self.group)

    def close_group(self, offset: int) -> None:
        if not self.stack:
            raise self.error("'}' closes a group that was never opened", offset, "'\\}'")
        self.flush_bytes()
        self.skip = 0
        if self.group.destination == "fonttbl":
            self.commit_font()
        elif self.group.destination == "iscolortbl":
            self.commit_is_colors()
        self.group = self.stack.pop()

    # -- tokens ----------------------------------------------------------------------------

    def control_symbol(self, symbol: str, offset: int) -> None:
        if symbol == "*":
            if self.group.destination is None:
                self.group.destination = "ignorable"
            return
        if symbol == "'":
            raise self.error("\\' needs two hex digits", offset, "\\'hh")
        if symbol in "\r\n":
            self.control_word("par", None, offset)
            return
        if self.consume_skip():
            return
        if symbol in _SYMBOLS:
            self.characters(_SYMBOLS[symbol], skippable=False)

    def byte(self, value: int) -> None:
        if self.consume_skip():
            return
        self.pending_bytes.append(value)

    def flush_bytes(self) -> None:
        if self.pending_bytes:
            data, self.pending_bytes = bytes(self.pending_bytes), bytearray()
            self.characters(data.decode(self.codepage, errors="replace"), skippable=False)

    def consume_skip(self) -> bool:
        if self.skip > 0:
            self.skip -= 1
            return True
        return False

    def characters(self, text: str, *, skippable: bool = True) -> None:
        if skippable:
            self.flush_bytes()
            if self.skip:
                dropped = min(self.skip, len(text))
                self.skip -= dropped
                text = text[dropped:]
        destination = self.group.destination
        if destination is None:
            if self.group.style != self.text_style:
                self.flush_run()
                self.text_style = self.group.style
            self.text.append(text)
        elif destination == "fonttbl":
            self.font_table_text(text)
        elif destination in ("colortbl", "cmykcolortbl"):
            for _ in range(text.count(";")):
                self.commit_color(destination)
        elif destination == "iscolortbl":
            self.tables.is_text.append(text)

    # -- control words ---------------------------------------------------------------------

    def control_word(self, word: str, value: int | None, offset: int) -> None:
        self.flush_bytes()
        group = self.group
        if group.destination == "ignorable":
            group.destination = "iscolortbl" if word == "iscolortbl" else "skip"
            return
        if group.destination == "skip":
            return
        if word in ("fonttbl", "colortbl", "cmykcolortbl"):
            group.destination = word
            self.tables.components = {}
            return
        if word in _SKIPPED_DESTINATIONS:
            group.destination = "skip"
            return
        if group.destination == "fonttbl":
            self.font_table_word(word, value)
            return
        if group.destination in ("colortbl", "cmykcolortbl"):
            if word in ("red", "green", "blue", "cyan", "magenta", "yellow", "black"):
                self.tables.components[word] = value or 0
            return
        if group.destination is not None:
            return
        if word == "u" and value is not None:
            if self.consume_skip():
                return
            code = value % 65536  # a signed 16-bit number
            self.characters(chr(code), skippable=False)
            self.skip = group.uc
            return
        if self.consume_skip():
            return
        self.body_word(word, value, offset)

    def body_word(self, word: str, value: int | None, offset: int) -> None:
        group = self.group
        style = group.style
        if word in ("par", "line"):
            self.count_break(offset)
            self.end_paragraph() if word == "par" else self.line_break()
        elif word in _ENTITIES:
            self.characters(_ENTITIES[word], skippable=False)
        elif word in _ALIGNMENTS:
            align = _ALIGNMENTS[word]
            if align == "justify" and not self.ps:
                align = "left"  # \qj is textPs= only
            group.paragraph = replace(group.paragraph, align=align)
            self.document.alignments.setdefault(word, offset)
        elif word == "pard":
            group.paragraph = ParagraphStyle()
        elif word in _PARAGRAPH_LENGTHS and (self.ps or word in _BOTH_COMMANDS):
            field_name = _PARAGRAPH_LENGTHS[word]
            number = (value == 1) if field_name == "spacing_multiple" else (value or 0)
            group.paragraph = replace(group.paragraph, **{field_name: number})
        elif word in _MARGINS and self.ps:
            margins = list(self.document.margins)
            margins[_MARGINS.index(word)] = max(0, value or 0)
            self.document.margins = (margins[0], margins[1], margins[2], margins[3])
        elif word in _VERTICAL:
            self.document.vertical = _VERTICAL[word]
        elif word == "uc":
            group.uc = max(0, value or 0)
        elif word == "ansicpg" and value is not None:
            self.set_codepage(f"cp{value}")
        elif word == "deff":
            self.document.default_font = value
        else:
            group.style = self.char_word(style, word, value, offset)

    def char_word(self, style: CharStyle, word: str, value: int | None, offset: int) -> CharStyle:
        on = value != 0
        if word == "plain":
            return CharStyle(font=self.document.default_font)
        if word == "f":
            return replace(style, font=value or 0)
        if word == "fs":
            if value is None or value <= 0:
                raise self.error(
                    f"\\fs{'' if value is None else value} is not a font size",
                    offset,
                    "\\fsN with N > 0 half-points",
                )
            return replace(style, half_points=value)
        if word == "cf":
            return replace(style, color=max(0, value or 0))
        if word == "b":
            return replace(style, bold=on)
        if word == "i":
            return replace(style, italic=on)
        if word in _UNDERLINES:
            return replace(style, underline=on)
        if word == "ulnone":
            return replace(style, underline=False)
        if word == "rtlch" and not self.ps:  # right-to-left flow is text= only
            return replace(style, rtl=True)
        if word == "ltrch":
            return replace(style, rtl=False)
        if word == "caps" and self.ps:
            return replace(style, caps=on)
        if word == "up":
            return replace(style, raise_half_points=6 if value is None else value)
        if word == "dn":
            return replace(style, raise_half_points=-(6 if value is None else value))
        if word in ("super", "sub"):
            return replace(style, script=word)
        if word == "nosupersub":
            return replace(style, script=None, raise_half_points=0)
        if word == "kerning":
            return replace(style, kerning=value != 0)
        if self.ps and word == "copyfit":
            return replace(style, copyfit=max(0, value or 0))
        if self.ps and word == "copyfitlines":
            self.document.copyfit_lines = max(0, value or 0)
        elif self.ps and word == "copyfitmaxlines":
            self.document.copyfit_max_lines = max(0, value or 0)
        return style

    def set_codepage(self, name: str) -> None:
        try:
            codecs.lookup(name)
        except LookupError:
            return
        self.codepage = name

    # -- tables ----------------------------------------------------------------------------

    def font_table_word(self, word: str, value: int | None) -> None:
        if word == "f":
            self.commit_font()
            self.tables.font_index = value or 0

    def font_table_text(self, text: str) -> None:
        *names, rest = text.split(";")
        for name in names:
            self.tables.font_name.append(name)
            self.commit_font()
        self.tables.font_name.append(rest)

    def commit_font(self) -> None:
        name = "".join(self.tables.font_name).strip()
        self.tables.font_name = []
        if name and self.tables.font_index is not None:
            self.document.fonts[self.tables.font_index] = name
        if name:
            self.tables.font_index = None

    def commit_color(self, table: str) -> None:
        parts = self.tables.components
        self.tables.components = {}
        target = self.tables.rgb if table == "colortbl" else self.tables.cmyk
        index = len(target)
        if not parts:  # an empty entry is "auto": the default colour
            target[index] = BLACK
            return
        if table == "colortbl":
            rgb = tuple(min(255, max(0, parts.get(c, 0))) for c in ("red", "green", "blue"))
        else:
            c, m, y, k = (
                min(100, max(0, parts.get(n, 0))) / 100
                for n in ("cyan", "magenta", "yellow", "black")
            )
            rgb = tuple(round(255 * (1 - v) * (1 - k)) for v in (c, m, y))
        target[index] = (*rgb, 255)

    def commit_is_colors(self) -> None:
        text = "".join(self.tables.is_text)
        self.tables.is_text = []
        entries = text.split(";")
        for index, entry in enumerate(entries[:-1]):
            entry = entry.strip()
            if not entry:
                continue
            try:
                self.tables.is_colors[index] = parse_color(entry).to_rgba8()
            except ValueError:
                continue

    # -- paragraphs ------------------------------------------------------------------------

    def count_break(self, offset: int) -> None:
        self.breaks += 1
        if self.breaks > self.max_breaks:
            raise LimitError(
                f"{self.command}: more than {self.max_breaks} \\par/\\line breaks "
                f"(at offset {offset}); the text layer limit is {self.max_breaks}"
            )

    def flush_run(self) -> None:
        self.flush_bytes()
        if self.text:
            text = "".join(self.text)
            self.text = []
            text = text.encode("utf-16", "surrogatepass").decode("utf-16", errors="replace")
            text = text.translate(_CONTROLS)
            if text:
                self.items.append(Run(text, self.text_style))

    def line_break(self) -> None:
        self.flush_run()
        self.items.append(LineBreak(self.group.style))

    def end_paragraph(self, *, final: bool = False) -> None:
        self.flush_run()
        if final and not self.items and self.document.paragraphs:
            return  # text ending in \par has no empty last paragraph
        paragraph = Paragraph(self.items, self.group.paragraph, self.group.style)
        self.document.paragraphs.append(paragraph)
        self.items = []


def parse_rtf(rtf: str, *, command: str, max_breaks: int) -> Document:
    """Read ``rtf`` (the value of ``command``) into a :class:`Document`."""
    return _Reader(rtf, command, max_breaks).read()
