"""The operation tree: precedence, pipeline order, printing and canonical serialisation."""

from __future__ import annotations

import pytest

from engine import parse, resolve


@pytest.mark.parametrize(
    "modifiers",
    [
        "$a=$object$&text=$a$",  # no recursive substitution: the text is "$object$"
        "$v=my$OBJECT$file.tif&src=$v$",
    ],
)
def test_resolved_text_is_final_even_with_an_object_name(modifiers):
    once = resolve(modifiers, object_name="shoe")
    assert "$object$" in parse(once).nodes[0].args[0].lower()
    assert resolve(once, object_name="shoe") == once
    assert parse(once, object_name="shoe").nodes == parse(modifiers, object_name="shoe").nodes
