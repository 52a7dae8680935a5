"""Text → syntax items: the Lark grammar of ``grammar/modifiers.lark`` and value coding.

``split_modifiers`` returns one :class:`Item` per modifier with its raw value and offset;
Lark's own exceptions never leave this module (they become :class:`~engine.errors.ParseError`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import NamedTuple

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from engine.errors import ParseError

GRAMMAR_FILE = "modifiers.lark"


class Item(NamedTuple):
    """One modifier as written: ``kind`` is command, macro, vardef or comment.

    ``name`` keeps the written spelling (without ``$``); ``value`` is the raw, still encoded
    text after ``=`` (``None`` when there was no ``=``); ``offset`` is where the modifier starts.
    (A named tuple: immutable like a frozen dataclass, at a third of its construction cost.)
    """

    kind: str
    name: str
    value: str | None
    offset: int
    macro: str | None = None  # the macro this item was expanded from, for error messages


def grammar_text() -> str:
    """The grammar, from an installed wheel (``engine/_grammar``) or from a source checkout."""
    packaged = resources.files("engine") / "_grammar" / GRAMMAR_FILE
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    checkout = Path(__file__).resolve().parent.parent / "grammar" / GRAMMAR_FILE
    return checkout.read_text(encoding="utf-8")


class _ToItems(Transformer):
    """Applied while parsing (LALR), so no intermediate tree is built."""

    def start(self, children: list) -> list[Item]:
        return [c for c in children if c is not None]

    def command(self, children: list) -> Item:
        name, equal, value = children
        # "wid=" has an empty value; "wid" has none.
        text = None if equal is None else str(value or "")
        return Item("command", str(name), text, name.start_pos)

    def nested(self, children: list[Token]) -> Item:
        opener = children[0]
        name, _, value = opener.partition("=")
        return Item("command", name, value + "".join(children[1:]), opener.start_pos)

    def macro(self, children: list[Token]) -> Item:
        token = children[0]
        return Item("macro", token[1:-1], None, token.start_pos)

    def vardef(self, children: list) -> Item:
        token, _equal, value = children
        return Item("vardef", token[1:], "" if value is None else str(value), token.start_pos)

    def comment(self, children: list[Token]) -> Item:
        token = children[0]
        return Item("comment", token[1:], None, token.start_pos)


@cache
def _parser() -> Lark:
    return Lark(
        grammar_text(),
        parser="lalr",
        lexer="contextual",
        transformer=_ToItems(),
        maybe_placeholders=True,
        propagate_positions=False,
    )


@cache
def _terminals() -> dict[str, Callable[[str], re.Match[str] | None]]:
    """``fullmatch`` of each terminal of the grammar, for the fast path."""
    return {t.name: re.compile(t.pattern.to_regexp()).fullmatch for t in _parser().terminals}


def split_modifiers(text: str, *, macro: str | None = None) -> list[Item]:
    """Parse a modifier string into items; ``macro`` names the macro being parsed, if any."""
    check_text(text, macro=macro)
    items = _split_fast(text, macro)
    if items is None:
        items = _lark_items(text, macro)
        if macro is not None:
            items = [item._replace(macro=macro) for item in items]
    return items


def _lark_items(text: str, macro: str | None) -> list[Item]:
    """Lark's items of ``text``, or the first error in it as a :class:`ParseError`.

    The first nested request with bad brackets is found without Lark, which then only reads
    the modifiers before it (to report an earlier error first): Lark never sees brackets
    nested deeper than :data:`MAX_BRACKET_DEPTH` (its tree for them costs depth × length).
    """
    fault = _nested_fault(text) if "(" in text or "{" in text else None
    try:
        items = _parser().parse(text if fault is None else text[: fault[0]])
    except UnexpectedInput as exc:
        raise _parse_error(text, exc, macro) from None
    if fault is None:
        return items
    start, offset, reason = fault
    modifier = text[start:]
    raise ParseError(
        f"malformed nested request: {reason}",
        text=modifier if len(modifier) <= 120 else modifier[:117] + "...",
        offset=offset,
        expected="a nested request in matching brackets ('(' with ')', '{' with '}'), "
        "then '&' or the end of the request",
        macro=macro,
    )


def lark_split(text: str) -> list[Item]:
    """The grammar alone (no fast path); for tests that compare the two."""
    check_text(text)
    return _lark_items(text, None)


_SURROGATE = re.compile("[\ud800-\udfff]")


def check_text(text: str, *, macro: str | None = None, what: str = "modifiers") -> None:
    """Refuse lone surrogates (undecodable bytes smuggled in by ``surrogateescape``).

    They cannot be %-decoded or printed as UTF-8, so they would surface later as a
    ``UnicodeError`` instead of a :class:`ParseError`.
    """
    if text.isascii():
        return
    bad = _SURROGATE.search(text)
    if bad is not None:
        raise ParseError(
            f"{what} contain the lone surrogate {bad.group()!r}, which is no character",
            text=text,
            offset=bad.start(),
            macro=macro,
            expected="valid Unicode text (send raw bytes %-encoded)",
        )


def _split_fast(text: str, macro: str | None) -> list[Item] | None:
    """The grammar without Lark, or ``None`` where Lark has to explain a failure.

    No terminal but a nested request contains '&', so a request is its '&'-separated pieces,
    each one modifier, except that a nested request's value runs to its closing bracket. A
    command is ``NAME[=VALUE]`` and a variable definition ``VARIABLE=[VALUE]``; neither name
    contains '=' and ``VALUE`` is anything up to the next '&', so the text before the first
    '=' is the name. A property test holds this to the same answers as Lark.
    """
    terminals = _terminals()
    is_name, is_variable = terminals["NAME"], terminals["VARIABLE"]
    is_comment, is_macro = terminals["COMMENT"], terminals["MACRO"]
    opens_nested = _opens_nested() if "(" in text or "{" in text else None
    items: list[Item] = []
    offset = resume = 0
    for piece in text.split("&"):
        if offset < resume:  # inside the nested request before
            pass
        elif opens_nested is not None and (opener := opens_nested(piece)):
            end, fault = _nested_end(text, offset + opener.end() - 1)
            if fault is not None:
                return None
            name = piece[: piece.index("=")]
            items.append(Item("command", name, text[offset + len(name) + 1 : end], offset, macro))
            resume = end + 1
        elif piece:
            head, equal, value = piece.partition("=")
            if is_name(head):
                items.append(Item("command", head, value if equal else None, offset, macro))
            elif equal and is_variable(head):
                items.append(Item("vardef", head[1:], value, offset, macro))
            elif is_comment(piece):
                items.append(Item("comment", piece[1:], None, offset, macro))
            elif is_macro(piece):
                items.append(Item("macro", piece[1:-1], None, offset, macro))
            else:
                return None
        offset += len(piece) + 1
    return items


@cache
def _opens_nested() -> Callable[[str], re.Match[str] | None]:
    """``match`` of the grammar's openers of a nested request (``src=is(``, ``mask={``, ...)."""
    patterns = (_parser().get_terminal(name).pattern for name in ("NESTED_PAREN", "NESTED_BRACE"))
    return re.compile("|".join(p.to_regexp() for p in patterns)).match


def opens_nested(command: str, value: str) -> bool:
    """Whether ``command=value`` holds a nested or embedded request (``src=is(...)``, ...).

    Such a value is kept as written, %-escapes included: it is decoded when the nested
    request itself is parsed, as Adobe's nesting page says nested requests are encoded like
    the outer one, never twice.
    """
    return _opens_nested()(f"{command}={value}") is not None


#: Brackets in a nested request nest at most this deep (rendering stops at fewer levels of
#: nested requests, ``engine.nesting.MAX_NESTING``; foreign URLs may hold a few more).
MAX_BRACKET_DEPTH = 64
_BRACKET = re.compile(r"[(){}]")
_CLOSES = {"(": ")", "{": "}"}


def _nested_end(text: str, start: int) -> tuple[int, str | None]:
    """Where the nested request whose bracket opens at ``start`` ends (the index after its
    closing bracket), or the offset of what is wrong with its brackets and why."""
    open_brackets: list[int] = []
    for match in _BRACKET.finditer(text, start):
        index, char = match.start(), match.group()
        if char in _CLOSES:
            open_brackets.append(index)
            if len(open_brackets) > MAX_BRACKET_DEPTH:
                return index, f"brackets nested deeper than {MAX_BRACKET_DEPTH} levels"
            continue
        opened = open_brackets.pop()
        if _CLOSES[text[opened]] != char:
            return index, f"{char!r} does not close the {text[opened]!r} at offset {opened}"
        if not open_brackets:
            end = index + 1
            if end < len(text) and text[end] != "&":
                return end, f"{text[end]!r} follows its closing bracket instead of '&'"
            return end, None
    opened = open_brackets[-1]
    return opened, f"the {text[opened]!r} at offset {opened} is never closed"


def _nested_fault(text: str) -> tuple[int, int, str] | None:
    """The first nested request with unbalanced brackets: its offset, the offset of the fault
    and the reason (for error messages; the fast path only sees that it cannot split)."""
    opens_nested = _opens_nested()
    offset = resume = 0
    for piece in text.split("&"):
        if offset >= resume and (opener := opens_nested(piece)):
            end, fault = _nested_end(text, offset + opener.end() - 1)
            if fault is not None:
                return offset, end, fault
            resume = end + 1
        offset += len(piece) + 1
    return None


def _parse_error(text: str, exc: UnexpectedInput, macro: str | None) -> ParseError:
    offset = getattr(exc, "pos_in_stream", None)
    if isinstance(exc, UnexpectedToken) and exc.token is not None:
        offset = exc.token.start_pos
    if offset is None or isinstance(exc, UnexpectedEOF):
        offset = len(text)
    start = text.rfind("&", 0, offset) + 1
    end = text.find("&", offset)
    modifier = text[start : end if end >= 0 else len(text)]
    char = text[offset : offset + 1]
    if offset > start and _terminals()["NAME"](text[start:offset]):
        reason = f"unexpected character {char!r} in a command name"
        expected = "a command name of letters, digits and '_', then '=' and its value"
    elif char == "$":
        reason, expected = "malformed macro or variable", "$name$ or $name=value"
    elif char == "=" and offset == start:
        reason, expected = "missing command name", "a command name before '='"
    elif isinstance(exc, UnexpectedCharacters | UnexpectedToken):
        reason = f"unexpected character {char!r}" if char else "unexpected end"
        expected = "a command name (letters, digits, '_'), $macro$, $var=value or .comment"
    else:
        reason, expected = "unexpected end of request", "a modifier"
    return ParseError(
        f"malformed modifier {modifier!r}: {reason}",
        text=modifier,
        offset=offset,
        expected=expected,
        macro=macro,
    )


_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")


def decode_value(raw: str) -> str:
    """HTTP-decode one value: ``+`` is a space and ``%xx`` a byte (decision §5.4).

    Decoded bytes are read as UTF-8 when they form valid UTF-8, else as ISO-8859-1 (IS's
    documented code page). A ``%`` not followed by two hex digits stays literal.
    """
    if "%" not in raw and "+" not in raw:
        return raw
    text = raw.replace("+", " ")
    if "%" not in text:
        return text
    data = bytearray()
    pos = 0
    for match in _ESCAPE.finditer(text):
        data += text[pos : match.start()].encode("utf-8")
        data.append(int(match.group(1), 16))
        pos = match.end()
    data += text[pos:].encode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


_UNSAFE = re.compile(r"[%&=+#$\s<>\"{}|\\^\[\]`\x00-\x1f\x7f]")


def encode_value(value: str) -> str:
    """Percent-encode what may not stand in a value (the inverse of :func:`decode_value`).

    ``$`` is encoded too: a value is final once its references are substituted, and a
    literal ``$object$`` left in it must not be substituted when the text is parsed again.
    """
    if not _UNSAFE.search(value):
        return value
    return _UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode("utf-8")), value)
