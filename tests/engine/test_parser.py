"""``engine.parse``: variables, decoding, layers, typed values and error reports."""

from __future__ import annotations

import pytest

from engine import ParseError, parse, resolve


@pytest.mark.parametrize(
    "modifiers",
    [
        "wid=١٠٠",  # Arabic-Indic digits: int() reads them, IS does not
        "rotate=١.٥",
        "bgc=١٠٠,0,0",
        "layer=²&op_blur=1",  # str.isdigit() is true, int() raises ValueError
        "layer=" + "9" * 5000,  # more digits than int() converts
        "wid=" + "9" * 5000,
    ],
)
def test_numbers_are_ascii_decimal_and_bad_ones_are_parse_errors(modifiers):
    with pytest.raises(ParseError):
        parse(modifiers)


def test_large_but_convertible_numbers_still_parse():
    assert resolve("crop=0,0,1000000000,1") == "crop=0,0,1000000000,1"


@pytest.mark.parametrize(
    ("modifiers", "command", "text"),
    [
        ("text=,hello", "text", ",hello"),
        ("id=,x", "id", ",x"),
        ("text=,", "text", ","),
        ("textAttr=a,,b,", "textAttr", "a,,b,"),
        ("req=props,,json", "req", ",json"),
    ],
)
def test_free_text_spanning_the_rest_keeps_every_comma(modifiers, command, text):
    node = parse(modifiers).get(command)
    assert node is not None
    assert node.args[-1] == text
    assert parse(resolve(modifiers)) == parse(modifiers)


def test_an_empty_trailing_free_text_argument_is_omitted():
    assert parse("req=props,").get("req").args == ("props",)


@pytest.mark.parametrize(
    ("modifiers", "offset"),
    [("wid=abc", 0), ("?wid=abc", 1), ("?qlt=1&wid=abc", 7), (" \t?wid=abc ", 3), ("\nwid=abc", 1)],
)
def test_error_offsets_count_from_the_start_of_the_given_string(modifiers, offset):
    with pytest.raises(ParseError) as info:
        parse(modifiers)
    assert info.value.offset == offset
    assert modifiers[offset:].startswith("wid=")


def test_no_variables_in_layer_and_effect():
    # "Custom variables cannot be applied to the layer= and effect= commands."
    assert parse("$x=2&effect=$x$").get("effect").args == ("$x$",)
    with pytest.raises(ParseError, match="invalid layer"):
        parse("$n=1&layer=$n$")


@pytest.mark.parametrize(
    ("modifiers", "canonical"),
    [
        ("printRes=0.13601738374324682", "printRes=0.13601738374324682"),
        ("rotate=-2.34e4", "rotate=-23400"),
        ("rotate=1E-5", "rotate=1e-05"),
        ("rotate=1e+20", "rotate=1e20"),  # '+' decodes as a space: canonical text has none
        ("rotate=12.50", "rotate=12.5"),
        ("scl=2.0", "scl=2"),
    ],
)
def test_reals_print_back_exactly(modifiers, canonical):
    assert resolve(modifiers.replace("+", "%2B")) == canonical
    assert parse(canonical) == parse(modifiers.replace("+", "%2B"))
