"""How the grammar splits requests that nest requests (``src=is(...)``, ``mask=is{...}``).

Adobe's nesting page (``r-request-nesting-and-embedding.md``): "the command delimiter
characters ('?', '&', '=') within nested requests must not be HTTP-encoded", so a nested
request's value runs to its matching bracket, '&'s, macros and variables included; the
fast path and the Lark grammar must agree on it (``test_language_properties`` holds them to
the same items for generated text as well).
"""

from __future__ import annotations

import pytest

from engine import MacroTable, ParseError, parse
from engine.parser import MAX_REQUEST_LENGTH
from engine.syntax import MAX_BRACKET_DEPTH, lark_split, split_modifiers

SPLITTERS = pytest.mark.parametrize("split", [split_modifiers, lark_split], ids=["fast", "lark"])
BRACKETS = pytest.mark.parametrize("brackets", ["()", "{}"], ids=["parens", "braces"])


def _items(split, text: str) -> list[tuple[str, str, str | None, int]]:
    return [(i.kind, i.name, i.value, i.offset) for i in split(text)]


@SPLITTERS
@BRACKETS
@pytest.mark.parametrize("command", ["src", "mask", "SRC"])
@pytest.mark.parametrize(
    "inner",
    [
        "logo?$sized$",  # the only modifier
        "logo?$w=20&$sized$",  # the last (the defect: "unexpected character ')'")
        "logo?$sized$&wid=3",  # the first
        "logo?wid=3&$sized$&hei=4",  # in the middle
        "?$a$&$b$",  # no object, only macros
        "logo?$w=20&$sized$&.note",  # before a comment
    ],
)
def test_a_macro_anywhere_in_a_nested_request_stays_inside_it(split, brackets, command, inner):
    opening, closing = brackets
    value = f"is{opening}{inner}{closing}"
    text = f"layer=1&{command}={value}&$after$&wid=5"
    end = len(f"layer=1&{command}={value}")
    assert _items(split, text) == [
        ("command", "layer", "1", 0),
        ("command", command, value, 8),
        ("macro", "after", None, end + 1),
        ("command", "wid", "5", end + 9),
    ]


@SPLITTERS
def test_nested_requests_inside_nested_requests(split):
    text = "src=is(a?src=is{b?$m$&wid=1}&$n$)&mask=is(?mask=is(c?$k$))&$o$"
    assert _items(split, text) == [
        ("command", "src", "is(a?src=is{b?$m$&wid=1}&$n$)", 0),
        ("command", "mask", "is(?mask=is(c?$k$))", 34),
        ("macro", "o", None, 59),
    ]


@SPLITTERS
@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("src=ir(cat/obj?src=is(tex?res=30)&res=30)", "ir(cat/obj?src=is(tex?res=30)&res=30)"),
        ("src=fxg(a&b)", "fxg(a&b)"),
        ("mask=(http://example.com/a.jpg?x=1&y=2)", "(http://example.com/a.jpg?x=1&y=2)"),
        ("src={a&b}", "{a&b}"),
        ("src=Is(a&b)", "Is(a&b)"),  # any case, as nesting.py accepts it
    ],
)
def test_embedded_requests_and_foreign_urls_are_kept_whole_too(split, text, value):
    assert _items(split, text) == [("command", text.partition("=")[0], value, 0)]


@SPLITTERS
@pytest.mark.parametrize(
    "text",
    [
        "text={\\rtf1 a}&wid=1",  # only src= and mask= nest requests
        "src=logo(1)&wid=1",  # an object name with brackets that opens nothing
        "$v=is(a&wid=1",  # a variable's value ends at '&'
        "srcx=is(a&wid=1",
    ],
)
def test_other_values_still_end_at_the_next_ampersand(split, text):
    assert _items(split, text)[-1] == ("command", "wid", "1", text.rindex("&") + 1)


@SPLITTERS
@pytest.mark.parametrize(
    ("text", "offset", "reason"),
    [
        ("src=is(logo?wid=1", 6, "the '(' at offset 6 is never closed"),
        ("wid=1&src=is{a?src=is(b?c)", 12, "the '{' at offset 12 is never closed"),
        ("src=is(a?src=is(b?c)&$m$", 6, "the '(' at offset 6 is never closed"),
        ("src=is(a?b}", 10, "'}' does not close the '(' at offset 6"),
        ("src=is{a?src=is(b?c})", 19, "'}' does not close the '(' at offset 15"),
        ("src=is(a?b))", 11, "')' follows its closing bracket instead of '&'"),
        ("mask=is(a)x&wid=1", 10, "'x' follows its closing bracket instead of '&'"),
        ("src=is(a)&src=is(b", 16, "the '(' at offset 16 is never closed"),
    ],
)
def test_unbalanced_brackets_are_a_clear_error_with_the_offset(split, text, offset, reason):
    with pytest.raises(ParseError) as info:
        split(text)
    error = info.value
    assert error.offset == offset, str(error)
    assert error.reason == f"malformed nested request: {reason}"
    assert error.expected.startswith("a nested request in matching brackets")
    assert f"at offset {offset}" in str(error)


@SPLITTERS
def test_an_error_before_the_nested_request_is_reported_first(split):
    with pytest.raises(ParseError) as info:
        split("wid=1&=5&src=is(a?b")
    assert info.value.offset == 6 and "missing command name" in info.value.reason


def test_an_unbalanced_nested_request_in_a_macro_names_the_macro():
    with pytest.raises(ParseError) as info:
        parse("$logo$", macros={"logo": "layer=1&src=is(logo?$sized$"})
    assert info.value.macro == "logo" and info.value.offset == 14
    assert "at offset 14 of macro $logo$" in str(info.value)


@SPLITTERS
def test_brackets_nest_at_most_max_bracket_depth(split):
    deepest = "src=is(" + "(" * (MAX_BRACKET_DEPTH - 1) + ")" * MAX_BRACKET_DEPTH
    assert _items(split, deepest) == [("command", "src", deepest[4:], 0)]
    too_deep = "src=is(" + "(" * MAX_BRACKET_DEPTH + ")" * (MAX_BRACKET_DEPTH + 1)
    with pytest.raises(ParseError) as info:
        split(too_deep)
    assert info.value.offset == 6 + MAX_BRACKET_DEPTH
    assert f"brackets nested deeper than {MAX_BRACKET_DEPTH} levels" in info.value.reason


def test_hostile_bracket_soup_within_the_length_limit_is_refused():
    """Deep mismatched brackets used to make Lark build its tree in depth × length steps."""
    half = (MAX_REQUEST_LENGTH - 16) // 2
    for text in ("src=is(" + "(" * half + ")" * (half - 1) + "}", "src=is(" + "({" * half):
        with pytest.raises(ParseError, match="brackets nested deeper"):
            parse(text)


def test_the_length_limit_counts_the_nested_request():
    body = "wid=1&" * (MAX_REQUEST_LENGTH // 6)
    with pytest.raises(ParseError, match="too long"):
        parse(f"layer=1&src=is(logo?{body})")
    assert parse(f"layer=1&src=is(logo?{body[: MAX_REQUEST_LENGTH // 2]})")


def test_a_nested_request_is_one_modifier_for_the_expansion_limit():
    """A macro inside a nested request is expanded when the nested request is parsed (with
    its own 64 KiB limit), not in the outer one; the outer limit still holds for macros
    that hold nested requests."""
    table = MacroTable({"big": "text=" + "x" * 40_000, "nest": "layer=1&src=is(?$big$&$big$)"})
    plan = parse("$nest$", macros=table)  # the outer request holds the text, unexpanded
    assert plan.to_modifiers() == "layer=1&src=is(?$big$&$big$)"  # printed as written
    with pytest.raises(ParseError, match="expands to more than"):
        parse("?$big$&$big$", macros=table)  # what the nested request parses when rendered
    table = MacroTable({"nest": "layer=1&src=is(?" + "wid=1&" * 6000 + ")"})
    with pytest.raises(ParseError, match="expands to more than"):
        parse("&".join(["$nest$"] * 2), macros=table)


def test_a_nested_request_is_decoded_once_by_the_request_that_parses_it():
    """The nesting page: nested requests are encoded like the outer one, never twice; so an
    encoded '&' inside a nested value is the nested command's, not a delimiter."""
    from engine.nesting import nested_plan

    plan = parse("layer=1&src=is(my%20logo?text=a%26b&wid=3)&$w=1")
    request = plan.nodes[0].arg("object")
    assert request == "is(my%20logo?text=a%26b&wid=3)"  # kept as written
    assert parse(plan.to_modifiers()) == plan  # and printed so
    obj, inner = nested_plan(request[3:-1], None, None)
    assert obj == "my logo"
    assert [(n.command, n.args) for n in inner] == [("text", ("a&b",)), ("wid", (3,))]
