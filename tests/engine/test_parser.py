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
