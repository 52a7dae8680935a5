"""Variables and macros expand within bounds (issue 8 items 15 and 22): the 64 KiB request
limit holds for the expanded request, checked as it grows; the parse cache is bounded in
bytes; every variable name a definition accepts can be referenced."""

from __future__ import annotations

import tracemalloc

import pytest

from engine import MacroTable, ParseError, parse, resolve
from engine.parser import _CACHE, CACHE_BYTES, MAX_REQUEST_LENGTH, clear_cache

# --- item 22: definition and reference agree -------------------------------------------------


@pytest.mark.parametrize(
    ("definition", "reference"),
    [
        ("$my var=400", "$my var$"),
        ("$é=400", "$é$"),
        ("$a!=400", "$a!$"),
        ("$!_s7product=400", "$!_S7PRODUCT$"),  # case-insensitive, like every name
        ("$my+var=400", "$my%20var$"),  # names compare decoded: '+' and %20 are spaces
        ("$a.b-c_d=400", "$a.b-c_d$"),
    ],
)
def test_every_name_a_definition_accepts_can_be_referenced(definition, reference):
    assert resolve(f"{definition}&wid={reference}") == "wid=400"


def test_a_dollar_that_opens_no_reference_leaves_the_next_one_intact():
    # "$5 and $" names no variable: its closing '$' is not consumed, so "$x$" still is one.
    assert parse("$x=7&text=costs $5 and $x$").get("text").args == ("costs $5 and 7",)
    assert parse("$x=7&text=$$x$$").get("text").args == ("$7$",)


def test_substitution_is_not_recursive():
    assert parse("$a=1&$b=$a$&text=$b$").get("text").args == ("$a$",)


# --- item 15: the limit bounds the expanded request ------------------------------------------


def test_variables_cannot_expand_a_request_past_the_limit():
    # 31 KB that used to expand to 50 M characters (resolve ran for minutes).
    request = "$a=" + "1" * 1000 + "&" + "&".join("text=" + "$a$" * 5000 for _ in range(2))
    assert len(request) < MAX_REQUEST_LENGTH
    with pytest.raises(ParseError, match="expands to more than 65536 characters") as info:
        resolve(request)
    assert info.value.command == "text"


def test_macros_cannot_expand_a_request_past_the_limit():
    table = MacroTable({"big": "text=" + "x" * 40_000})
    assert len(resolve("$big$", macros=table)) > 40_000
    with pytest.raises(ParseError, match="expands to more than"):
        parse("$big$&$big$", macros=table)


def test_a_request_just_within_the_limit_still_parses():
    request = "$a=" + "y" * 100 + "&text=" + "$a$" * 600
    assert len(parse(request).get("text").args[0]) == 60_000


def test_the_parse_cache_is_bounded_in_bytes():
    clear_cache()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(800):  # 800 distinct plans of 60 K characters each: 48 MB unbounded
            parse(f"$a={'z' * 100}&wid={i + 1}&text=" + "$a$" * 600)
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert _CACHE.bytes <= CACHE_BYTES
    assert held < 1.25 * CACHE_BYTES
    assert len(_CACHE) < 800
    clear_cache()
    assert _CACHE.bytes == 0
