"""engine.templates.templated_request: what template= makes of a request (c-templates.md)."""

from __future__ import annotations

import pytest

from engine.errors import ParseError
from engine.templates import Template, templated_request

BODY = "$text=default&size=10,10&color=ff0000&layer=1&src=$object$&text=$text$"


def test_request_variables_come_first_and_replace_the_defaults():
    request = templated_request("template=t&$text=mine&wid=5", Template(BODY, "fmt=png"))
    assert request == (
        "$text=mine&size=10,10&color=ff0000&layer=1&src=$object$&text=$text$&wid=5&fmt=png"
    )


def test_a_template_command_from_a_preset_is_dropped_with_the_preset_expanded():
    macros = {"promo": "template=t&$text=promo&qlt=80"}
    request = templated_request("$promo$&wid=5", Template(BODY), macros)
    assert "template" not in request and "$promo$" not in request
    assert request.startswith("$text=promo&size=10,10") and request.endswith("qlt=80&wid=5")


@pytest.mark.parametrize(("body", "post", "field"), [
    ("size=5,5&template=other", "", "the body"),
    ("size=5,5", "template=other", "the post-modifier"),
])  # fmt: skip
def test_template_command_inside_a_template_is_an_error(body, post, field):
    with pytest.raises(ParseError, match=f"not allowed in {field} of template 'frame'"):
        templated_request("template=frame", Template(body, post), name="frame")
