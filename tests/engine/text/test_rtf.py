"""The RTF subset reader (Adobe: c-text-formatting/c-supported-rtf-commands-and-keywords/*)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import LimitError, ParseError
from engine.text.rtf import BLACK, LineBreak, Run, parse_rtf


def read(rtf: str, command: str = "text"):
    return parse_rtf(rtf, command=command, max_breaks=1000)


def runs(rtf: str, command: str = "text") -> list[tuple[str, object]]:
    document = read(rtf, command)
    return [(i.text, i.style) for p in document.paragraphs for i in p.items if isinstance(i, Run)]


def text_of(rtf: str, command: str = "text") -> str:
    return "".join(text for text, _ in runs(rtf, command))


def test_plain_text_without_header_is_text():
    # r-text.md: "Rich-text-formatted (RTF) string or plain-text string."
    assert text_of("top-left") == "top-left"
    assert text_of(r"{\rtf1\ansi\deff0 Hello}") == "Hello"


def test_space_after_a_control_word_is_its_delimiter():
    # r-rtf-encoding-examples.md: \f0\fs50%20Arial renders "Arial"; \b1Bold\b0 renders "Bold"
    assert text_of(r"\fs48normal, \b1Bold\b0, \i1italic\i0") == "normal, Bold, italic"
    assert text_of(r"\fs50 Arial") == "Arial"


def test_font_table_font_size_and_colour_table():
    # r-rtf-encoding-examples.md examples three and four; r-color-handling.md
    document = read(
        r"{\fonttbl{\f0\fcharset0 Arial;}{\f1\fcharset0 Courier New;}}"
        r"{\colortbl ;\red255\green0\blue0;\red0\green128\blue0;}"
        r"\f1\fs50\cf2 green"
    )
    assert document.fonts == {0: "Arial", 1: "Courier New"}
    (run,) = document.paragraphs[0].items
    assert (run.text, run.style.font, run.style.half_points, run.style.color) == ("green", 1, 50, 2)
    assert document.color(0) == BLACK  # the empty first entry is "auto"
    assert document.color(1) == (255, 0, 0, 255)
    assert document.color(2) == (0, 128, 0, 255)
    assert document.color(9) == BLACK  # "If no color for a particular index value is found"


def test_font_table_without_inner_groups():
    assert read(r"{\fonttbl\f0\fswiss Arial;\f1 Times New Roman;}x").fonts == {
        0: "Arial",
        1: "Times New Roman",
    }


def test_cmyk_colour_table_and_iscolortbl_for_textps():
    # r-color-handling.md: \cmykcolortbl components 0..100; \*\iscolortbl is textPs= only
    document = read(r"{\cmykcolortbl;\cyan0\magenta100\yellow100\black0;}\cf1 x")
    assert document.color(1) == (255, 0, 0, 255)
    rtf = r"{{\*\iscolortbl;ff0000;00ff0080;}{\colortbl;\red0\green0\blue255;}}\cf1 x"
    assert read(rtf, "textPs").color(1) == (255, 0, 0, 255)
    assert read(rtf, "textPs").color(2) == (0, 255, 0, 128)
    assert read(rtf, "text").color(1) == (0, 0, 255, 255)  # text= does not read \iscolortbl


def test_groups_scope_character_formatting():
    # r-copy-fitting.md: formatting "has scope rules like \fs and \b"
    (normal, _), (bold, style_bold), (after, style_after) = runs(r"\fs30 a {\b\fs60 b} c")
    assert (normal, bold, after) == ("a ", "b", " c")
    assert style_bold.bold and style_bold.half_points == 60
    assert not style_after.bold and style_after.half_points == 30


def test_bold_italic_underline_and_their_zero_forms():
    # r-basic-character-formatting.md: \b \i \ul, \ul0 and \ulnone; \uldb etc. underline
    styles = {text: style for text, style in runs(r"\b\i\ul A\b0 B\i0 C\ul0 D\uldb E\ulnone F")}
    assert (styles["A"].bold, styles["A"].italic, styles["A"].underline) == (True, True, True)
    assert (styles["B"].bold, styles["C"].italic, styles["D"].underline) == (False, False, False)
    assert styles["E"].underline and not styles["F"].underline


def test_unicode_escapes_with_skip_counts():
    # r-is-http-character-encoding.md: \uN signed 16-bit, \ucN bytes to skip, \'hh 8-bit
    assert text_of(r"\u8364?") == "€"
    assert text_of(r"\uc2\u8364xyz") == "€z"
    assert text_of(r"\uc0\u8364 ok") == "€ok"
    assert text_of(r"\u-1?") == "\uffff"
    assert text_of(r"caf\'e9") == "café"
    assert text_of(r"\u8364\'80 x") == "€ x"  # the \'80 is the skipped ANSI stand-in
    assert text_of(r"\u-10179?\u-8704?") == "😀"  # a UTF-16 surrogate pair


def test_special_entities_and_reserved_characters():
    # r-special-text-entities.md and r-reserved-characters.md
    assert text_of(r"a\\b\{c\}d\~e") == "a\\b{c}d\u00a0e"


def test_paragraphs_and_line_breaks():
    # r-special-text-entities.md: \par paragraph break, \line line break
    document = read(r"\qc one\line two\par\qr three")
    first, second = document.paragraphs
    assert first.align == "center" and isinstance(first.items[1], LineBreak)
    assert second.align == "right" and second.items[0].text == "three"


def test_justify_copyfit_and_rtl_belong_to_one_command_each():
    # r-paragraph-formatting.md (\qj textPs= only), r-advanced-text-formatting.md (\rtlch
    # text= only, \copyfit textPs= only)
    assert read(r"\qj x", "textPs").paragraphs[0].align == "justify"
    assert read(r"\qj x", "text").paragraphs[0].align == "left"
    assert runs(r"\rtlch x", "text")[0][1].rtl and not runs(r"\rtlch x", "textPs")[0][1].rtl
    assert runs(r"\copyfit100 x", "textPs")[0][1].copyfit == 100
    assert runs(r"\copyfit100 x", "text")[0][1].copyfit == 0


def test_unknown_control_words_and_destinations_are_ignored():
    # c-supported-rtf-commands-and-keywords.md: "RTF commands not listed below are ignored"
    assert text_of(r"\viewkind4\sl240\slmult1 x{\*\generator Riched20;}{\*\unknown y}z") == "xz"
    assert text_of(r"{\info{\title T}}body") == "body"


@pytest.mark.parametrize(
    ("rtf", "offset", "reason"),
    [
        ("{abc", 4, "never closed"),
        ("abc}", 3, "never opened"),
        ("abc\\", 3, "backslash ends"),
        (r"a\'zz", 1, "two hex digits"),
        (r"\fs0 x", 0, "not a font size"),
        (r"\fs123456789012 x", 0, "more than 10 digits"),
    ],
)
def test_malformed_rtf_names_command_and_offset(rtf, offset, reason):
    with pytest.raises(ParseError) as caught:
        read(rtf, "textPs")
    assert caught.value.command == "textPs" and caught.value.offset == offset
    assert reason in str(caught.value)


def test_thousands_of_paragraph_breaks_are_a_limit_error():
    with pytest.raises(LimitError, match="more than 1000"):
        read("\\par" * 5000)


def test_control_characters_are_not_text():
    # c-text-formatting.md: "Control characters ... should always be removed"
    assert text_of("a\x00b\x07c\u0000" + r"\u0 \u7 d\u") == "abcd"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab {}\\';*-0129fsuclrpq\u00e9\u05d0")), max_size=60))
def test_any_string_parses_or_is_a_parse_error(rtf):
    # bad RTF is always a ParseError naming the command, never another exception
    try:
        read(rtf)
    except ParseError as error:
        assert error.command == "text" and 0 <= error.offset <= len(rtf)
