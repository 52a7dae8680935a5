"""IS colour values (§1.7): the twelve documented examples, the decisions, round trips."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import ParseError, parse
from engine.colors import Color, parse_color
from engine.errors import ColorError

# The table of r-is-http-color.md as printed: (input, pixel type, colour, alpha, source).
# RGB colour and alpha are 0..255; gray and CMYK are percentages.
DOCUMENTED = [
    ("0,100,200", "rgb", (0, 100, 200), 255, False),
    ("0,100,200,200rs", "rgb", (0, 100, 200), 200, True),
    ("0x010203S", "rgb", (1, 2, 3), 255, True),
    ("a0b1c2d3R", "rgb", (160, 177, 194), 211, False),
    ("100S", "gray", (100,), 100, True),
    ("50,75g", "gray", (50,), 75, False),
    ("0X70G", "gray", (44,), 44, False),
    ("0xddeegs", "gray", (87,), 93, True),
    ("94,11,50,33k", "cmyk", (94, 11, 50, 33), 100, False),
    ("22,23,24,25,26KS", "cmyk", (22, 23, 24, 25), 26, True),
    ("38393A3bK", "cmyk", (56, 57, 58, 59), 100, False),
    ("0x0a0b0C0d0eks", "cmyk", (10, 11, 12, 13), 14, True),
]
# Rows the table prints differently from the rule engine/colors.py decided on.
INCONSISTENT = {"0X70G", "38393A3bK", "0x0a0b0C0d0eks"}


@pytest.mark.parametrize(
    ("text", "space", "colour", "alpha", "source"),
    [row for row in DOCUMENTED if row[0] not in INCONSISTENT],
)
def test_documented_examples(text, space, colour, alpha, source):
    parsed = parse_color(text)
    assert (parsed.space, parsed.source) == (space, source)
    scale = 255 if space == "rgb" else 100
    assert [round(c * scale) for c in parsed.channels] == list(colour)
    assert round(parsed.alpha * scale) == alpha


def test_hex2_gray_is_opaque_not_the_44_percent_alpha_the_table_prints():
    parsed = parse_color("0X70G")
    assert parsed == Color("gray", (0x70 / 255,), 1.0, False)
    assert round(parsed.channels[0] * 100) == 44  # the colour itself agrees with the table


@pytest.mark.parametrize(
    ("text", "channels", "alpha", "source"),
    [
        ("38393A3bK", (0x38, 0x39, 0x3A, 0x3B), 0xFF, False),
        ("0x0a0b0C0d0eks", (0x0A, 0x0B, 0x0C, 0x0D), 0x0E, True),
    ],
)
def test_hex_cmyk_bytes_scale_by_255_not_read_as_percent(text, channels, alpha, source):
    parsed = parse_color(text)
    assert parsed == Color("cmyk", tuple(c / 255 for c in channels), alpha / 255, source)
    # ...so FF is 100 %, where the table's reading would make it 255 %.
    assert parse_color("ffffffffk").channels == (1.0, 1.0, 1.0, 1.0)


@pytest.mark.parametrize("row", DOCUMENTED, ids=[row[0] for row in DOCUMENTED])
def test_documented_examples_print_back_exactly(row):
    parsed = parse_color(row[0])
    assert parse_color(parsed.to_is()) == parsed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0,100,200", "0064c8"),
        ("0,100,200,200rs", "0064c8c8s"),
        ("50,75g", "50,75"),
        ("0X70G", "0x70"),
        ("0xddeegs", "0xddees"),
        ("22,23,24,25,26KS", "22,23,24,25,26ks"),
        ("38393A3bK", "38393a3bk"),
        ("12.5", "12.5"),
        ("33.3333", "33.3333"),
    ],
)
def test_canonical_text(text, expected):
    assert parse_color(text).to_is() == expected


def test_prefixes_and_suffixes_are_case_insensitive():
    assert parse_color("0XDDEEGS") == parse_color("0xddeegs")
    assert parse_color("A0B1C2D3r") == parse_color("a0b1c2d3R")
    assert parse_color("1,2,3,4K") == parse_color("1,2,3,4k")


@pytest.mark.parametrize(
    ("text", "space"),
    [("ff0000", "rgb"), ("0xff0000", "rgb"), ("ff000080", "rgb"), ("0x80", "gray"),
     ("70g", "gray"), ("70", "gray"), ("1,2,3,4", "rgb"), ("1,2,3,4,5k", "cmyk")],
)  # fmt: skip
def test_pixel_type_follows_the_grammar(text, space):
    assert parse_color(text).space == space


def test_default_alpha_is_opaque():
    for text in ("0,100,200", "50", "0x70", "1,2,3,4k", "ff0000"):
        assert parse_color(text).alpha == 1.0


@pytest.mark.parametrize(
    "text",
    [
        "",
        "s",
        "256,0,0",  # RGB components are 0..255
        "101",  # gray is a percentage
        "0,0,0,101k",
        "1,2r",  # two components are gray
        "1,2,3g",  # three are RGB
        "1,2,3,4,5",  # five need 'k'
        "1,2,3k",  # CMYK has four or five
        "1,2,3,4,5,6k",
        "dd",  # hex gray needs 0x
        "ddeeg",
        "0x123",  # odd number of hex digits
        "0x",
        "0xgg",
        "0x1234567890ab",
        "50k",
        "1.5,2,3",  # RGB components are integers
        "1,,3",
        "٥٠",  # ASCII digits only
    ],
)
def test_invalid_colours(text):
    # One hierarchy (issue 8 item 21): a ParseError, no longer a bare ValueError.
    with pytest.raises(ColorError) as info:
        parse_color(text)
    assert isinstance(info.value, ParseError)
    assert not isinstance(info.value, ValueError)


def test_naive_conversion_to_rgb():
    assert parse_color("50").to_rgb8() == (128, 128, 128)
    assert parse_color("0,0,0,100k").to_rgb8() == (0, 0, 0)
    assert parse_color("100,0,0,0k").to_rgb8() == (0, 255, 255)
    assert parse_color("0,100,200,200").to_rgba8() == (0, 100, 200, 200)


def test_colour_arguments_in_commands():
    assert parse("bgc=0X70G").get("bgc").args == (parse_color("0x70"),)
    node = parse("op_colorize=255,0,0,off,50").get("op_colorize")
    assert node.args == (parse_color("255,0,0"), "off", 50.0)
    # The colour stops at an empty position; the tail keeps its place.
    assert parse("op_colorize=255,0,0,,50").get("op_colorize").args[1:] == (None, 50.0)
    with pytest.raises(ParseError, match="rgb"):
        parse("op_colorize=50,75")  # gray: op_colorize takes RGB only


_BYTE = st.integers(0, 255)
_PERCENT = st.decimals(0, 100, places=4).map(lambda d: format(d.normalize(), "f"))
_SUFFIX = st.sampled_from(["", "s", "S"])


@st.composite
def colour_texts(draw) -> str:
    kind = draw(st.sampled_from(["rgb", "rgbhex", "gray", "grayhex", "cmyk", "cmykhex"]))
    alpha = draw(st.booleans())
    if kind == "rgb":
        text = ",".join(str(draw(_BYTE)) for _ in range(3 + alpha)) + draw(st.sampled_from("rR"))
    elif kind == "gray":
        text = ",".join(draw(_PERCENT) for _ in range(1 + alpha)) + draw(st.sampled_from("gG"))
    elif kind == "cmyk":
        text = ",".join(draw(_PERCENT) for _ in range(4 + alpha)) + draw(st.sampled_from("kK"))
    else:
        count = {"rgbhex": 3, "grayhex": 1, "cmykhex": 4}[kind] + alpha
        digits = "".join(f"{draw(_BYTE):02X}" for _ in range(count))
        prefix = "0x" if kind == "grayhex" else draw(st.sampled_from(["", "0x", "0X"]))
        text = prefix + digits + {"rgbhex": "", "grayhex": "g", "cmykhex": "k"}[kind]
    return text + draw(_SUFFIX)


@settings(max_examples=300, deadline=None)
@given(colour_texts())
def test_every_colour_prints_back_exactly(text):
    parsed = parse_color(text)
    assert parse_color(parsed.to_is()) == parsed
