"""Font maps (Adobe: image-catalog .../c-font-map-reference/*, r-font-maps.md,
r-catalog-data-files.md, r-synthesizefontstyles.md, r-defaultfont.md)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from engine.errors import FontError
from engine.text import FontMap, render_text

DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")
pytestmark = pytest.mark.skipif(not DEJAVU_DIR.is_dir(), reason="DejaVu fonts are not installed")


@pytest.fixture
def font_dir(tmp_path: Path) -> Path:
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSerif.ttf"):
        shutil.copy(DEJAVU_DIR / name, tmp_path / name)
    return tmp_path


def write_map(folder: Path, text: str) -> Path:
    path = folder / "fonts.txt"
    path.write_text(text, encoding="utf-8")
    return path


def ink(font_map: FontMap, rtf: str) -> np.ndarray:
    image = render_text(rtf, command="text", size=None, text_attr=None, font_map=font_map)
    return np.asarray(image)[:, :, 3] > 0


def test_reads_adobes_tab_delimited_font_map(font_dir):
    # r-font-maps.md fields; r-catalog-data-files.md: header row, case-insensitive field names,
    # columns starting with "." ignored, the later instance of a key prevails
    path = write_map(
        font_dir,
        "# company fonts\n"
        "name\tBOLD\tItalic\tFontPath\tPsName\t.note\n"
        "Brand Sans\t0\t0\tDejaVuSerif.ttf\tBrandSans\tfirst\n"
        "Brand Sans\t\t\tDejaVuSans.ttf\tBrandSans\twins\n"
        f"Brand Sans\t1\t0\t{font_dir / 'DejaVuSans-Bold.ttf'}\t\t\n",
    )
    font_map = FontMap.from_file(path)
    assert font_map.names == ["Brand Sans"] and font_map.default_font == "Brand Sans"
    assert font_map.face("brand sans").path == font_dir / "DejaVuSans.ttf"
    assert font_map.face("BRAND SANS", bold=True).path == font_dir / "DejaVuSans-Bold.ttf"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("Name\tFile\nA\tx.ttf\n", "Name and FontPath"),
        ("Name\tFontPath\nA\tmissing.ttf\n", "does not exist"),
        ("Name\tBold\tFontPath\nA\tyes\tDejaVuSans.ttf\n", "expected 0 or 1"),
        ("Name\tFontPath\n\tDejaVuSans.ttf\n", "must not be empty"),
    ],
)
def test_bad_font_map_files_are_clear_errors(font_dir, text, message):
    with pytest.raises(FontError, match=message):
        FontMap.from_file(write_map(font_dir, text))


def test_unreadable_font_map_is_an_error(tmp_path):
    with pytest.raises(FontError, match="cannot read font map"):
        FontMap.from_file(tmp_path / "absent.txt")


def test_catalog_map_overrides_the_default_map(font_dir):
    # c-font-map-reference.md: "Entries in the font map of a specific image catalog override
    # entries in the font map of the default catalog"
    catalog = FontMap({"DejaVu Sans": {"regular": font_dir / "DejaVuSerif.ttf"}})
    merged = FontMap.default().merged(catalog)
    assert merged.face("DejaVu Sans").path == font_dir / "DejaVuSerif.ttf"
    assert "DejaVu Serif" in merged


def test_missing_styles_are_synthesized_or_an_error(font_dir):
    # r-synthesizefontstyles.md: synthesize a style the map lacks, or return an error
    regular_only = FontMap({"Plain": {"regular": font_dir / "DejaVuSans.ttf"}})
    face = regular_only.face("Plain", bold=True, italic=True)
    assert face.synthetic_bold and face.synthetic_italic
    plain, bold = ink(regular_only, r"\fs48 Bold"), ink(regular_only, r"\fs48\b Bold")
    italic = ink(regular_only, r"\fs48\i Bold")
    assert bold.sum() > plain.sum() * 1.1
    assert italic.shape != plain.shape or (italic != plain).sum() > 100
    strict = FontMap({"Plain": {"regular": font_dir / "DejaVuSans.ttf"}}, synthesize_styles=False)
    with pytest.raises(FontError, match="no bold file"):
        ink(strict, r"\b x")


def test_default_font_is_used_without_a_font_table(font_dir):
    # r-defaultfont.md: the default font "is used when none are specified"
    serif = FontMap(
        {
            "Sans": {"regular": font_dir / "DejaVuSans.ttf"},
            "Serif": {"regular": font_dir / "DejaVuSerif.ttf"},
        },
        default_font="Serif",
    )
    assert (ink(serif, r"\fs40 Type") == ink(serif, r"{\fonttbl{\f0 Serif;}}\f0\fs40 Type")).all()


def test_fallback_and_default_must_be_in_the_map(font_dir):
    with pytest.raises(FontError, match="fallback font 'Nope'"):
        FontMap({"A": {"regular": font_dir / "DejaVuSans.ttf"}}, fallback="Nope")
    with pytest.raises(FontError, match="unknown style"):
        FontMap({"A": {"heavy": font_dir / "DejaVuSans.ttf"}})
    font_map = FontMap({"A": {"regular": font_dir / "DejaVuSans.ttf"}}).with_fallback("A")
    assert font_map.face("Unknown").path == font_dir / "DejaVuSans.ttf"


def test_an_empty_map_and_a_corrupt_font_file_are_errors(font_dir):
    with pytest.raises(FontError, match="font map is empty"):
        ink(FontMap({}), "x")
    bad = font_dir / "broken.ttf"
    bad.write_bytes(b"not a font")
    with pytest.raises(FontError, match="cannot read font file"):
        ink(FontMap({"Broken": {"regular": bad}}), "x")


def test_default_map_uses_os_fonts_never_pillows_builtin():
    # issue 11: a sensible default from fonts the OS ships; Pillow's default font is ASCII-only
    font_map = FontMap.default()
    assert "DejaVu Sans" in font_map and font_map.default_font in font_map
    for name in font_map.names:
        assert font_map.face(name).path.suffix.lower() in (".ttf", ".otf")
