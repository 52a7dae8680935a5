"""The grammar (``grammar/modifiers.lark``), its fast path and value coding."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lark.exceptions import LarkError

from engine import ParseError, parse
from engine.syntax import (
    Item,
    decode_value,
    encode_value,
    grammar_text,
    lark_split,
    split_modifiers,
)

SPLITTERS = pytest.mark.parametrize("split", [split_modifiers, lark_split], ids=["fast", "lark"])


def _items(split, text: str) -> list[tuple[str, str, str | None, int]]:
    return [(i.kind, i.name, i.value, i.offset) for i in split(text)]


@SPLITTERS
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("wid=100", [("command", "wid", "100", 0)]),
        ("cache", [("command", "cache", None, 0)]),  # no value at all
        ("defaultImage=", [("command", "defaultImage", "", 0)]),  # an empty value
        ("WID=100&Hei=5", [("command", "WID", "100", 0), ("command", "Hei", "5", 8)]),
        ("text=a=b", [("command", "text", "a=b", 0)]),  # '=' may stand in a value
        ("fmt=tif,,jpeg", [("command", "fmt", "tif,,jpeg", 0)]),
        ("wid=1&&hei=2", [("command", "wid", "1", 0), ("command", "hei", "2", 7)]),
        ("&wid=1&", [("command", "wid", "1", 1)]),
        ("&&&", []),
        ("$view$", [("macro", "view", None, 0)]),
        ("$!_s7product$", [("macro", "!_s7product", None, 0)]),  # Adobe's own preset name
        ("$w=300", [("vardef", "w", "300", 0)]),
        ("$w=", [("vardef", "w", "", 0)]),
        ("$w=a$b$c", [("vardef", "w", "a$b$c", 0)]),
        (".comment", [("comment", "comment", None, 0)]),
        (".", [("comment", "", None, 0)]),
        (".a=b$c$ d&wid=1", [("comment", "a=b$c$ d", None, 0), ("command", "wid", "1", 10)]),
        ("src=my$image$file.tif", [("command", "src", "my$image$file.tif", 0)]),
        ("text=%26%3D", [("command", "text", "%26%3D", 0)]),  # values stay encoded
        (
            "$v=1&$m$&wid=$v$&.c",
            [
                ("vardef", "v", "1", 0),
                ("macro", "m", None, 5),
                ("command", "wid", "$v$", 9),
                ("comment", "c", None, 17),
            ],
        ),
    ],
)
def test_modifiers(split, text, expected):
    assert _items(split, text) == expected


def test_items_of_a_macro_name_it():
    assert split_modifiers("wid=1&qlt=2", macro="view") == [
        Item("command", "wid", "1", 0, "view"),
        Item("command", "qlt", "2", 6, "view"),
    ]


@SPLITTERS
@pytest.mark.parametrize(
    ("text", "offset", "reason"),
    [
        ("=5", 0, "missing command name"),
        ("wid=1&=5", 6, "missing command name"),
        ("$abc", 0, "malformed macro or variable"),
        ("wid=1&$a$b", 9, "unexpected character 'b'"),
        ("$$", 0, "malformed macro or variable"),
        ("wi d=1", 2, "unexpected character ' '"),
        ("wid-1", 3, "unexpected character '-'"),
        ("1wid=5", 0, "unexpected character '1'"),
        ("%77id=5", 0, "unexpected character '%'"),  # names are not decoded
        ("é=1", 0, "unexpected character"),
    ],
)
def test_malformed_modifiers(split, text, offset, reason):
    with pytest.raises(ParseError) as info:
        split(text)
    error = info.value
    assert not isinstance(error, LarkError)
    assert error.__cause__ is None and error.__suppress_context__
    assert error.offset == offset
    assert reason in error.reason
    assert error.text == text[text.rfind("&", 0, offset) + 1 :].split("&")[0]
    assert error.expected
    assert f"at offset {offset}" in str(error)


@SPLITTERS
@pytest.mark.parametrize("text", ["wi d=1", "wid$=1", "wid-1", "wid.x"])
def test_a_bad_character_after_a_command_name_says_what_a_name_is(split, text):
    with pytest.raises(ParseError) as info:
        split(text)
    assert "in a command name" in info.value.reason
    assert info.value.expected.startswith("a command name of letters, digits and '_'")


def test_errors_inside_a_macro_name_the_macro():
    with pytest.raises(ParseError) as info:
        split_modifiers("wid=1&=5", macro="view")
    assert info.value.macro == "view"
    assert "at offset 6 of macro $view$" in str(info.value)
    with pytest.raises(ParseError) as info:
        parse("$view$", macros={"view": "wid=1&=5"})
    assert info.value.macro == "view" and info.value.offset == 6


@pytest.mark.parametrize("prefix", ["?", "&", "?&", "&&"])
def test_a_leading_question_mark_or_ampersand(prefix):
    assert parse(prefix + "wid=100&.c") == parse("wid=100")


@SPLITTERS
@pytest.mark.parametrize("text", ["text=\udcff%20", "\udcff", "$v=\ud800&wid=1"])
def test_lone_surrogates_are_parse_errors(split, text):
    with pytest.raises(ParseError) as info:
        split(text)
    assert info.value.offset == text.index(next(c for c in text if "\ud800" <= c <= "\udfff"))


def test_lone_surrogate_in_the_object_name_is_a_parse_error():
    with pytest.raises(ParseError, match="object name"):
        parse("text=$object$%20", object_name="a\udcffb")


def test_grammar_is_read_from_the_checkout():
    assert "modifiers := modifier" in grammar_text()


# --- value coding --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "decoded"),
    [
        ("plain", "plain"),
        ("a%2Cb", "a,b"),
        ("a%2cb", "a,b"),  # hex digits in either case
        ("about+the+image", "about the image"),  # '+' is a space
        ("1%2B1", "1+1"),
        ("rate%26weight%3D85%25%2027%23", "rate&weight=85% 27#"),  # the reference's example
        ("100%", "100%"),  # a '%' without two hex digits stays literal
        ("%zz%4", "%zz%4"),
        ("caf%C3%A9", "café"),  # UTF-8 when the bytes are UTF-8
        ("caf%E9", "café"),  # else ISO-8859-1, IS's code page
        ("%E9t%C3%A9", "étÃ©"),  # one value, one reading: not UTF-8, so all ISO-8859-1
        ("é+%41", "é A"),
    ],
)
def test_decode_value(raw, decoded):
    assert decode_value(raw) == decoded


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        ("plain,list", "plain,list"),
        ("a&b=c%d", "a%26b%3Dc%25d"),
        ("a b+c", "a%20b%2Bc"),
        ("$object$", "%24object%24"),
        ("tab\there", "tab%09here"),
        ("café", "café"),
    ],
)
def test_encode_value(value, encoded):
    assert encode_value(value) == encoded


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(codec="utf-8")))
def test_encoding_is_the_inverse_of_decoding(value):
    encoded = encode_value(value)
    assert not set(encoded) & set("&=+$# \t\r\n")
    assert all(re.match("[0-9A-F]{2}", encoded[i + 1 : i + 3]) for i in _indexes(encoded, "%"))
    assert decode_value(encoded) == value


def _indexes(text: str, char: str) -> list[int]:
    return [i for i, c in enumerate(text) if c == char]


def test_an_encoded_comma_still_separates_arguments():
    # Values are decoded before the command splits its list (§1.4; r-icc.md).
    assert parse("rect=0%2C0%2C10%2C20") == parse("rect=0,0,10,20")
    with pytest.raises(ParseError) as info:
        parse("icc=my%2Cprofile")  # "may not include ',' characters, even if HTTP-encoded"
    assert (info.value.command, info.value.argument, info.value.text) == ("icc", 1, "profile")


def test_an_encoded_ampersand_or_equals_is_part_of_the_value():
    assert parse("text=a%26b%3Dc&wid=1").get("text").args == ("a&b=c",)
