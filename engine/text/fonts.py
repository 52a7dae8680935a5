"""Font maps: the IS font names an RTF ``\\fonttbl`` uses → font files per style.

Adobe's font map is a catalog data file (tab-delimited, a header row naming the fields
``Name``, ``Bold``, ``Italic`` and ``FontPath``; Font map reference). :meth:`FontMap.from_file`
reads that format; :meth:`FontMap.default` maps the fonts the OS ships. A name missing from
the map is a :class:`FontError`, as in Adobe's server, unless the map was given an opt-in
``fallback`` font. A style the map lacks (``\\b`` with only a regular file) is synthesized
(Adobe's ``attribute::SynthesizeFontStyles``) unless ``synthesize_styles`` is off.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

from engine.errors import FontError

REGULAR, BOLD, ITALIC, BOLD_ITALIC = "regular", "bold", "italic", "bold-italic"
STYLES = (REGULAR, BOLD, ITALIC, BOLD_ITALIC)

#: Folders searched for the fonts of :meth:`FontMap.default` (Debian/Ubuntu/Fedora layouts).
SYSTEM_FONT_DIRS = (
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "/usr/share/fonts/truetype",
)

# name → file stem per style; files are looked up in SYSTEM_FONT_DIRS.
_DEJAVU = {
    "DejaVu Sans": (
        "DejaVuSans",
        "DejaVuSans-Bold",
        "DejaVuSans-Oblique",
        "DejaVuSans-BoldOblique",
    ),
    "DejaVu Serif": (
        "DejaVuSerif",
        "DejaVuSerif-Bold",
        "DejaVuSerif-Italic",
        "DejaVuSerif-BoldItalic",
    ),
    "DejaVu Sans Mono": (
        "DejaVuSansMono",
        "DejaVuSansMono-Bold",
        "DejaVuSansMono-Oblique",
        "DejaVuSansMono-BoldOblique",
    ),
}
_LIBERATION = {
    family: tuple(
        f"Liberation{family}-{style}" for style in ("Regular", "Bold", "Italic", "BoldItalic")
    )
    for family in ("Sans", "Serif", "Mono")
}
#: Scene7 names mapped to the metric-compatible Liberation fonts (Debian fonts-liberation2).
LIBERATION_ALIASES = {
    "Arial": "Sans",
    "Helvetica": "Sans",
    "Liberation Sans": "Sans",
    "Times New Roman": "Serif",
    "Times": "Serif",
    "Liberation Serif": "Serif",
    "Courier New": "Mono",
    "Courier": "Mono",
    "Liberation Mono": "Mono",
}


@dataclass(frozen=True, slots=True)
class FontFace:
    """The file to draw one style with, and what must be synthesized on top of it."""

    path: Path
    synthetic_bold: bool = False
    synthetic_italic: bool = False


def style_of(bold: bool, italic: bool) -> str:
    return (BOLD_ITALIC if italic else BOLD) if bold else (ITALIC if italic else REGULAR)


# When a style is missing: which files to use instead, best first.
_SUBSTITUTES = {
    BOLD: (REGULAR, ITALIC, BOLD_ITALIC),
    ITALIC: (REGULAR, BOLD, BOLD_ITALIC),
    BOLD_ITALIC: (BOLD, ITALIC, REGULAR),
    REGULAR: (BOLD, ITALIC, BOLD_ITALIC),
}


class FontMap:
    """IS font names (case-insensitive) → a font file per style.

    ``fonts`` maps each name to ``{style: path}`` with styles from :data:`STYLES`.
    ``default_font`` is the name used when the RTF names no font (``attribute::DefaultFont``;
    the first name when not given).
    ``fallback``, when set, is the name drawn instead of a font the map does not hold (opt-in;
    without it a missing font is an error, as in Adobe's server).
    """

    def __init__(
        self,
        fonts: Mapping[str, Mapping[str, str | os.PathLike[str]]],
        *,
        default_font: str | None = None,
        fallback: str | None = None,
        synthesize_styles: bool = True,
    ) -> None:
        self._names: dict[str, str] = {}
        self._files: dict[str, dict[str, Path]] = {}
        for name, styles in fonts.items():
            unknown = set(styles) - set(STYLES)
            if unknown:
                raise FontError(f"font {name!r}: unknown style(s) {sorted(unknown)}; use {STYLES}")
            key = name.strip().casefold()
            self._names[key] = name.strip()
            self._files.setdefault(key, {}).update({s: Path(p) for s, p in styles.items()})
        self.default_font = default_font or next(iter(self._names.values()), None)
        self.fallback = fallback
        self.synthesize_styles = synthesize_styles
        for role, name in (("default font", default_font), ("fallback font", fallback)):
            if name is not None and name.strip().casefold() not in self._files:
                raise FontError(f"the {role} {name!r} is not in the font map")

    # -- construction ----------------------------------------------------------------------

    @classmethod
    def default(cls, *, fallback: str | None = None) -> FontMap:
        """The fonts the OS ships: DejaVu, and the Liberation fonts under their Scene7 names
        (Arial, Helvetica, Times New Roman, Times, Courier New, Courier) when installed.

        The default font is Arial (Liberation Sans) when present, else DejaVu Sans.
        """
        fonts = _system_fonts()
        default = next((n for n in ("Arial", "DejaVu Sans") if n in fonts), next(iter(fonts), None))
        return cls(fonts, default_font=default, fallback=fallback)

    @classmethod
    def from_file(
        cls,
        path: str | os.PathLike[str],
        *,
        default_font: str | None = None,
        fallback: str | None = None,
        synthesize_styles: bool = True,
    ) -> FontMap:
        """Read an Adobe-style font map file (see the README's "Text and fonts").

        Tab-delimited, UTF-8 (with or without BOM) or ISO-8859-1; a header row with the
        fields ``Name`` and ``FontPath`` and optionally ``Bold`` and ``Italic`` (flags 0/1,
        empty is 0); other fields (``PsName``, ``MetricsPath``, ``.anything``) are ignored;
        blank lines and lines starting with ``#`` are comments. A relative ``FontPath`` is
        relative to the map file's folder. Later records for the same name and style win.
        ``default_font`` defaults to the first name in the file.
        """
        source = Path(path)
        try:
            data = source.read_bytes()
        except OSError as exc:
            raise FontError(f"cannot read font map {os.fspath(path)!r}: {exc.strerror}") from None
        fonts = parse_font_map(data, folder=source.parent, source=os.fspath(path))
        return cls(
            fonts,
            default_font=default_font,
            fallback=fallback,
            synthesize_styles=synthesize_styles,
        )

    def merged(self, other: FontMap) -> FontMap:
        """This map with ``other``'s records on top (a catalog's map over the default one)."""
        fonts: dict[str, dict[str, Path]] = {}
        for source in (self, other):
            for key, styles in source._files.items():
                fonts.setdefault(source._names[key], {}).update(styles)
        return FontMap(
            _dedupe(fonts),
            default_font=other.default_font or self.default_font,
            fallback=other.fallback or self.fallback,
            synthesize_styles=other.synthesize_styles,
        )

    def with_fallback(self, name: str | None) -> FontMap:
        """A copy that draws ``name`` instead of fonts it does not hold (``None``: error)."""
        return FontMap(
            {self._names[k]: v for k, v in self._files.items()},
            default_font=self.default_font,
            fallback=name,
            synthesize_styles=self.synthesize_styles,
        )

    # -- lookup ----------------------------------------------------------------------------

    @property
    def names(self) -> list[str]:
        return sorted(self._names.values(), key=str.casefold)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.strip().casefold() in self._files

    def face(self, name: str | None, *, bold: bool = False, italic: bool = False) -> FontFace:
        """The file for ``name`` in the requested style (``None``: the default font)."""
        if name is None:
            if self.default_font is None:
                raise FontError("the font map is empty: no font to draw text with")
            name = self.default_font
        styles = self._files.get(name.strip().casefold())
        if styles is None:
            if self.fallback is None:
                shown = ", ".join(self.names[:12]) + (" …" if len(self.names) > 12 else "")
                raise FontError(
                    f"font {name!r} is not in the font map (it holds: {shown or 'nothing'})"
                )
            styles = self._files[self.fallback.strip().casefold()]
        wanted = style_of(bold, italic)
        if wanted in styles:
            return FontFace(styles[wanted])
        if not self.synthesize_styles:
            raise FontError(
                f"font {name!r} has no {wanted} file in the font map and synthesized styles are off"
            )
        for style in _SUBSTITUTES[wanted]:
            if style in styles:
                has_bold, has_italic = style in (BOLD, BOLD_ITALIC), style in (ITALIC, BOLD_ITALIC)
                return FontFace(styles[style], bold and not has_bold, italic and not has_italic)
        raise FontError(f"font {name!r} has no font file")  # unreachable for a non-empty entry


@lru_cache(maxsize=1)
def default_font_map() -> FontMap:
    """:meth:`FontMap.default`, built once and shared (treat it as read-only): the map of
    renders whose configuration names none."""
    return FontMap.default()


def parse_font_map(data: bytes, *, folder: Path, source: str) -> dict[str, dict[str, Path]]:
    """The records of a font map file's bytes (see :meth:`FontMap.from_file`)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter="\t"))
    if not rows:
        raise FontError(f"font map {source} is empty; expected a Name<TAB>FontPath header")
    header = [name.strip().casefold() for name in rows[0]]
    if "name" not in header or "fontpath" not in header:
        raise FontError(
            f"font map {source} has header {rows[0]!r}; "
            "expected a header row with the fields Name and FontPath (and optionally Bold, Italic)"
        )
    column = {
        name: header.index(name)
        for name in ("name", "fontpath", "bold", "italic")
        if name in header
    }
    fonts: dict[str, dict[str, Path]] = {}
    for number, row in enumerate(rows[1:], start=2):
        fields = {name: (row[at].strip() if at < len(row) else "") for name, at in column.items()}
        where = f"font map {source}, record {number}"
        if not fields["name"] or not fields["fontpath"]:
            raise FontError(f"{where}: Name and FontPath must not be empty")
        flags = [_flag(fields.get(name, ""), where, name) for name in ("bold", "italic")]
        file = Path(fields["fontpath"])
        file = file if file.is_absolute() else folder / file
        if not file.is_file():
            raise FontError(f"{where}: font file {os.fspath(file)!r} does not exist")
        fonts.setdefault(fields["name"], {})[style_of(*flags)] = file
    return _dedupe(fonts)


def _flag(value: str, where: str, field: str) -> bool:
    if value in ("", "0"):
        return False
    if value == "1":
        return True
    raise FontError(f"{where}: {field.capitalize()} is {value!r}; expected 0 or 1")


def _dedupe(fonts: Mapping[str, dict[str, Path]]) -> dict[str, dict[str, Path]]:
    """Merge names that differ only in case (names are case-insensitive; later wins)."""
    merged: dict[str, tuple[str, dict[str, Path]]] = {}
    for name, styles in fonts.items():
        _, known = merged.get(name.casefold(), (name, {}))
        merged[name.casefold()] = (name, {**known, **styles})
    return dict(merged.values())


@lru_cache(maxsize=1)
def _system_fonts() -> dict[str, dict[str, Path]]:
    files = _font_files(SYSTEM_FONT_DIRS)
    fonts: dict[str, dict[str, Path]] = {}
    families = {**_DEJAVU, **{n: _LIBERATION[f] for n, f in LIBERATION_ALIASES.items()}}
    for name, stems in families.items():
        styles = {s: files[stem] for s, stem in zip(STYLES, stems, strict=True) if stem in files}
        if REGULAR in styles:
            fonts[name] = styles
    return fonts


def _font_files(folders: Iterable[str]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for folder in folders:
        for root, _dirs, names in os.walk(folder):
            for name in names:
                stem, ext = os.path.splitext(name)
                if ext.lower() in (".ttf", ".otf") and stem not in found:
                    found[stem] = Path(root, name)
    return found


@lru_cache(maxsize=64)
def load_font(path: Path, pixels: float) -> ImageFont.FreeTypeFont:
    """A FreeType font at ``pixels`` size, laid out with raqm when Pillow has it."""
    engine = ImageFont.Layout.RAQM if _has_raqm() else ImageFont.Layout.BASIC
    try:
        return ImageFont.truetype(os.fspath(path), pixels, layout_engine=engine)
    except OSError as exc:
        raise FontError(f"cannot read font file {os.fspath(path)!r}: {exc}") from None


@lru_cache(maxsize=1)
def _has_raqm() -> bool:
    from PIL import features

    return bool(features.check("raqm"))
