"""Property tests of the IS language: robustness, canonical form, fast path = grammar."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import IsRenderError, MacroTable, ParseError, parse, resolve
from engine.commands import IS_COMMANDS
from engine.signatures import Bool, ColorArg, CommandSignature, Enum, HexList, Int, Real, Text
from engine.syntax import _split_fast, encode_value, lark_split, split_modifiers

PROPERTY = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Every code point, surrogates included (they reach Python strings from undecodable bytes).
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=80)

# Pieces that look like the language, so that '&'-joined strings hit its corners.
_TOKENS = [
    "wid", "WID", "hei", "fmt", "qlt", "layer", "src", "text", "bgc", "op_usm", "rect",
    "cache", "req", "tiff", "jpeg", "comp", "1", "0", "-1", "2.5e3", "ff0000", "0x70g",
    "$", "=", "%", "%2C", "%2", "%zz", "+", ",", ".", "?", "$v$", "$v=", "$object$",
    "$view$", " ", "é", "\n", "_", "src=is(", "mask={", "src=(", "(", ")", "{", "}",
]  # fmt: skip
PIECES = st.lists(st.lists(st.sampled_from(_TOKENS), max_size=6).map("".join), max_size=8).map(
    "&".join
)
MACROS = MacroTable({"view": "wid=100&$inner$", "inner": "qlt=$v$", "loop": "$loop$"})


@PROPERTY
@given(st.one_of(ANY_TEXT, PIECES))
def test_any_text_raises_only_isrender_errors(text):
    for macros in (None, MACROS):
        try:
            plan = parse(text, macros=macros, object_name="obj")
        except IsRenderError:
            continue
        assert parse(plan.to_modifiers()).nodes == plan.nodes  # whatever parses is canonical
        assert str(plan).startswith("Plan")


# --- valid requests built from the command signatures -------------------------------------

_BOUND = 10**6


def _real_texts(value: float) -> st.SearchStrategy[str]:
    return st.sampled_from([repr(value), f"{value:g}", f"{value:E}", f"{value:.3f}"])


def argument_texts(kind: Any) -> st.SearchStrategy[str]:
    """Decoded text of one valid argument of type ``kind`` (commas only where they belong)."""
    if isinstance(kind, Int):
        low = kind.min if kind.min is not None else -_BOUND
        high = kind.max if kind.max is not None else _BOUND
        return st.integers(low, high).map(str)
    if isinstance(kind, Real):
        low = kind.min if kind.min is not None else -_BOUND
        high = kind.max if kind.max is not None else _BOUND
        numbers = st.floats(low, high, exclude_min=kind.min_exclusive, allow_nan=False)
        return numbers.flatmap(_real_texts).filter(lambda text: _in_range(kind, text))
    if isinstance(kind, Bool):
        return st.sampled_from(["0", "1", "on", "off", "true", "false", "ON", "False"])
    if isinstance(kind, Enum):
        words = list(kind.values) + [alias for alias, _ in kind.aliases]
        return st.sampled_from(words).flatmap(lambda w: st.sampled_from([w, w.upper()]))
    if isinstance(kind, Text):
        alphabet = st.characters(codec="utf-8", exclude_characters="" if kind.rest else ",")
        return st.text(alphabet, min_size=1, max_size=12)
    if isinstance(kind, ColorArg):
        return colours(rgb_only=kind.spaces == ("rgb",))
    if isinstance(kind, HexList):
        hex6 = st.integers(0, 0xFFFFFF).map(lambda n: f"{n:06x}")
        return st.lists(hex6, min_size=1, max_size=4).map(",".join)
    raise AssertionError(f"no strategy for {kind!r}")


def _in_range(kind: Real, text: str) -> bool:
    try:
        kind.convert(text)
    except ValueError:
        return False
    return True


def colours(*, rgb_only: bool) -> st.SearchStrategy[str]:
    byte = st.integers(0, 255)
    percent = st.integers(0, 100).map(str)
    rgb = st.one_of(
        st.lists(byte.map(str), min_size=3, max_size=4).map(",".join),
        st.lists(byte, min_size=3, max_size=4).map(lambda bs: "".join(f"{b:02x}" for b in bs)),
    )
    if rgb_only:
        return rgb
    gray = st.one_of(percent, byte.map(lambda b: f"0x{b:02X}g"))
    cmyk = st.lists(percent, min_size=4, max_size=5).map(lambda ps: ",".join(ps) + "k")
    source = st.sampled_from(["", "s"])
    return st.tuples(st.one_of(rgb, gray, cmyk), source).map("".join)


@st.composite
def command_modifiers(draw, sig: CommandSignature) -> str:
    """``name=value`` for ``sig`` with valid arguments, optional ones omitted or left empty."""
    parts: list[str] = []
    for param in sig.params:
        if not param.required and draw(st.booleans()):
            parts.append("")  # omitted (trailing) or an empty position (fmt=tif,,jpeg)
            continue
        text = draw(argument_texts(param.type))
        parts.append(",".join(encode_value(p) for p in text.split(",")))
    while parts and parts[-1] == "":
        parts.pop()
    value = ",".join(parts)
    name = draw(st.sampled_from([sig.name, sig.name.upper(), sig.name.lower()]))
    return f"{name}={value}" if value or draw(st.booleans()) else name


_SIGNATURES = [sig for sig in IS_COMMANDS if sig.key not in ("layer", "effect")]
_OTHER = st.sampled_from(
    ["layer=1", "layer=2,top", "layer=comp", "layer=0", "effect=-1", "effect=2", ".comment", ""]
)
VALID_REQUESTS = st.lists(
    st.one_of(st.sampled_from(_SIGNATURES).flatmap(command_modifiers), _OTHER), max_size=12
).map("&".join)


@PROPERTY
@given(VALID_REQUESTS)
def test_resolve_is_idempotent_and_keeps_the_plan(text):
    once = resolve(text)
    assert resolve(once) == once
    assert parse(once) == parse(text)


# --- the fast path is the grammar ---------------------------------------------------------


@PROPERTY
@given(st.one_of(ANY_TEXT, PIECES, VALID_REQUESTS))
def test_fast_path_and_grammar_agree(text):
    try:
        expected = lark_split(text)
    except ParseError:
        expected = None
    try:
        actual = split_modifiers(text)
    except ParseError:
        actual = None
    assert actual == expected
    # The regular expression alone neither accepts what the grammar refuses nor refuses
    # what it accepts (so the Lark parser is only ever needed to explain an error).
    if not any("\ud800" <= c <= "\udfff" for c in text):  # refused before either runs
        assert _split_fast(text, None) == expected
