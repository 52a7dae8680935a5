"""The grammar (``grammar/modifiers.lark``), its fast path and value coding."""

from __future__ import annotations

import pytest

from engine import ParseError, parse
from engine.syntax import lark_split, split_modifiers

SPLITTERS = pytest.mark.parametrize("split", [split_modifiers, lark_split], ids=["fast", "lark"])


@SPLITTERS
@pytest.mark.parametrize("text", ["text=\udcff%20", "\udcff", "$v=\ud800&wid=1"])
def test_lone_surrogates_are_parse_errors(split, text):
    with pytest.raises(ParseError) as info:
        split(text)
    assert info.value.offset == text.index(next(c for c in text if "\ud800" <= c <= "\udfff"))


def test_lone_surrogate_in_the_object_name_is_a_parse_error():
    with pytest.raises(ParseError, match="object name"):
        parse("text=$object$%20", object_name="a\udcffb")
