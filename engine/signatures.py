"""Typed command signatures: declared data that turns a value's text into typed arguments.

A :class:`CommandSignature` lists the positional :class:`Param` of one command; each param
has an :class:`ArgType` that converts one or more comma-separated parts of the (decoded) value
and formats the result back to canonical text. Plugins declare new commands with the same
classes (see ``engine.hookspecs``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from engine.colors import Color, parse_color
from engine.errors import ColorError
from engine.stages import Scope, Stage


class ArgError(ValueError):
    """Raised by an :class:`ArgType` for a part it cannot convert; ``expected`` says what fits."""

    def __init__(self, expected: str, text: str | None = None) -> None:
        super().__init__(expected)
        self.expected = expected
        self.text = text


class ArgType:
    """Converts ``parts[i:]`` into one value; most types consume exactly one part."""

    description = "a value"

    def take(self, parts: Sequence[str], i: int) -> tuple[Any, int]:
        """Return ``(value, parts consumed)`` starting at ``parts[i]`` (which is not empty)."""
        return self.convert(parts[i]), 1

    def convert(self, text: str) -> Any:
        raise NotImplementedError

    def format(self, value: Any) -> str:
        return str(value)


def format_real(value: float) -> str:
    """The shortest text that reads back as exactly ``value`` (``repr``), without a ``.0``
    tail and without '+', which would decode as a space: ``2``, ``0.5``, ``1e-05``, ``1e16``."""
    text = repr(float(value)).replace("e+", "e")
    return text[:-2] if text.endswith(".0") else text


# ASCII digits only: ``\d`` would also accept "١٠٠" (and ``str.isdigit`` even "²").
_INT = re.compile(r"[+-]?[0-9]+\Z")
_REAL = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\Z")


@dataclass(frozen=True)
class Int(ArgType):
    min: int | None = None
    max: int | None = None

    @property
    def description(self) -> str:  # type: ignore[override]
        return "an integer" + _range_text(self.min, self.max)

    def convert(self, text: str) -> int:
        if not _INT.match(text):
            raise ArgError(self.description, text)
        try:
            value = int(text)
        except ValueError:  # more digits than int() converts (sys.get_int_max_str_digits())
            raise ArgError(self.description, text) from None
        if (self.min is not None and value < self.min) or (
            self.max is not None and value > self.max
        ):
            raise ArgError(self.description, text)
        return value


@dataclass(frozen=True)
class Real(ArgType):
    min: float | None = None
    max: float | None = None
    min_exclusive: bool = False

    @property
    def description(self) -> str:  # type: ignore[override]
        if self.min_exclusive and self.min is not None:
            low = f" greater than {format_real(self.min)}"
            high = f" and at most {format_real(self.max)}" if self.max is not None else ""
            return "a real number" + low + high
        return "a real number" + _range_text(self.min, self.max)

    def convert(self, text: str) -> float:
        if not _REAL.match(text):
            raise ArgError(self.description, text)
        value = float(text)
        if not math.isfinite(value):
            raise ArgError(self.description, text)
        too_low = self.min is not None and (
            value <= self.min if self.min_exclusive else value < self.min
        )
        if too_low or (self.max is not None and value > self.max):
            raise ArgError(self.description, text)
        return value

    def format(self, value: float) -> str:
        return format_real(value)


def _range_text(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f" from {format_real(low)} to {format_real(high)}"
    if low is not None:
        return f" of at least {format_real(low)}"
    if high is not None:
        return f" of at most {format_real(high)}"
    return ""


_TRUE = frozenset({"1", "true", "on"})
_FALSE = frozenset({"0", "false", "off"})


@dataclass(frozen=True)
class Bool(ArgType):
    """``0|1``; ``on|off`` and ``true|false`` are accepted everywhere (decision §5.8).

    ``words`` selects the canonical spelling: ``("0", "1")`` or ``("off", "on")``.
    """

    words: tuple[str, str] = ("0", "1")

    @property
    def description(self) -> str:  # type: ignore[override]
        return f"{self.words[0]} or {self.words[1]}"

    def convert(self, text: str) -> bool:
        folded = text.lower()
        if folded in _TRUE:
            return True
        if folded in _FALSE:
            return False
        raise ArgError(self.description, text)

    def format(self, value: bool) -> str:
        return self.words[1] if value else self.words[0]


@dataclass(frozen=True)
class Enum(ArgType):
    """A case-insensitive keyword; ``aliases`` map extra spellings onto a canonical one."""

    values: tuple[str, ...]
    aliases: tuple[tuple[str, str], ...] = ()
    _lookup: dict[str, str] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        lookup = {v.lower(): v for v in self.values}
        lookup.update({a.lower(): v for a, v in self.aliases})
        object.__setattr__(self, "_lookup", lookup)

    @property
    def description(self) -> str:  # type: ignore[override]
        return "one of " + "|".join(self.values)

    def convert(self, text: str) -> str:
        try:
            return self._lookup[text.lower()]
        except KeyError:
            raise ArgError(self.description, text) from None

    def extended(self, *values: str) -> Enum:
        """A copy that also accepts ``values`` (plugins adding formats or modes)."""
        extra = tuple(v for v in values if v.lower() not in self._lookup)
        return Enum(self.values + extra, self.aliases)


@dataclass(frozen=True)
class Text(ArgType):
    """Free text (object names, ids); ``rest`` makes it span the rest of the value, commas
    (even a leading one: ``text=,a``) included."""

    description_text: str = "text"
    rest: bool = False

    @property
    def description(self) -> str:  # type: ignore[override]
        return self.description_text

    def take(self, parts: Sequence[str], i: int) -> tuple[Any, int]:
        if self.rest:
            return ",".join(parts[i:]), len(parts) - i
        return parts[i], 1

    def convert(self, text: str) -> str:
        return text


@dataclass(frozen=True)
class ColorArg(ArgType):
    """A colour of §1.7 spanning 1 to 5 comma-separated parts.

    ``spaces`` restricts the pixel types allowed (``op_colorize`` takes RGB only). The colour
    takes as many parts as parse as one colour, so trailing params (``op_colorize=255,0,0,norm``)
    keep theirs.
    """

    spaces: tuple[str, ...] = ("gray", "rgb", "cmyk")

    @property
    def description(self) -> str:  # type: ignore[override]
        return "a colour (" + "/".join(self.spaces) + ")"

    def take(self, parts: Sequence[str], i: int) -> tuple[Color, int]:
        # A colour's components are numbers; the first non-numeric part after i ends it.
        end = i + 1
        while end < len(parts) and end - i < 5 and _COLOR_PART.match(parts[end]):
            end += 1
        last_error: ColorError | None = None
        for stop in range(end, i, -1):
            try:
                color = parse_color(",".join(parts[i:stop]))
            except ColorError as exc:
                last_error = last_error or exc  # the longest reading explains best
                continue
            if color.space not in self.spaces:
                raise ArgError(self.description, ",".join(parts[i:stop]))
            return color, stop - i
        raise ArgError(f"{self.description}: {last_error}", parts[i])

    def format(self, value: Color) -> str:
        return value.to_is()


_COLOR_PART = re.compile(r"[0-9]+(\.[0-9]*)?([rgkRGK]?[sS]?)\Z")


@dataclass(frozen=True)
class HexList(ArgType):
    """The rest of the value as a list of 6-digit hex RGB colours (``quantize`` colorList)."""

    description = "a list of RRGGBB hex colours"

    def take(self, parts: Sequence[str], i: int) -> tuple[tuple[str, ...], int]:
        colors = []
        for part in parts[i:]:
            if not re.fullmatch(r"[0-9a-fA-F]{6}", part):
                raise ArgError(self.description, part)
            colors.append(part.lower())
        return tuple(colors), len(parts) - i

    def format(self, value: tuple[str, ...]) -> str:
        return ",".join(value)


_REQUIRED: Any = object()


@dataclass(frozen=True)
class Param:
    """One positional argument; ``default`` is used when it is omitted or left empty."""

    name: str
    type: ArgType
    default: Any = _REQUIRED

    @property
    def required(self) -> bool:
        return self.default is _REQUIRED


REQUIRED = _REQUIRED


@dataclass(frozen=True)
class CommandSignature:
    """Declared syntax of one command.

    ``noop`` commands are accepted and kept in the plan but do nothing in an offline render
    (``cache``, ``id``, ``locale`` ...). A command whose params are all optional may appear
    without a value.
    """

    name: str
    params: tuple[Param, ...]
    scope: Scope = Scope.LAYER
    stage: Stage = Stage.FILTER
    noop: bool = False
    doc: str = ""

    @property
    def key(self) -> str:
        return self.name.lower()

    @cached_property
    def _one_part_each(self) -> bool:
        """Every param takes exactly one part (no colours, lists or rest-of-value text)."""
        return all(type(p.type).take is ArgType.take for p in self.params)

    def parse_args(self, parts: Sequence[str]) -> tuple[Any, ...]:
        """Convert the value's parts into one value per param (``None`` where omitted).

        Raises ``ArgError`` with ``.argument`` set to the failing param's index.
        """
        if self._one_part_each:
            return self._parse_simple(parts)
        values: list[Any] = []
        i = 0
        for index, param in enumerate(self.params):
            missing = i >= len(parts) or parts[i] == ""
            if missing and i < len(parts) - 1 and isinstance(param.type, Text) and param.type.rest:
                missing = False  # "text=,a" is the text ",a", not an omitted argument
            if missing:
                if param.required:
                    raise _at(ArgError(param.type.description + f" for '{param.name}'"), index)
                values.append(None)
                i += 1
                continue
            try:
                value, used = param.type.take(parts, i)
            except ArgError as exc:
                raise _at(exc, index) from None
            values.append(value)
            i += used
        if i < len(parts) and any(parts[i:]):
            extra = ArgError(f"at most {len(self.params)} argument(s)", ",".join(parts[i:]))
            raise _at(extra, len(self.params))
        while values and values[-1] is None:
            values.pop()
        return tuple(values)

    def _parse_simple(self, parts: Sequence[str]) -> tuple[Any, ...]:
        """``parse_args`` when part i is param i (the common case, kept cheap)."""
        params = self.params
        if len(parts) > len(params) and any(parts[len(params) :]):
            extra = ArgError(f"at most {len(params)} argument(s)", ",".join(parts[len(params) :]))
            raise _at(extra, len(params))
        values: list[Any] = []
        for index, param in enumerate(params):
            part = parts[index] if index < len(parts) else ""
            if part == "":
                if param.required:
                    raise _at(ArgError(param.type.description + f" for '{param.name}'"), index)
                values.append(None)
                continue
            try:
                values.append(param.type.convert(part))
            except ArgError as exc:
                raise _at(exc, index) from None
        while values and values[-1] is None:
            values.pop()
        return tuple(values)

    def format_args(self, args: Sequence[Any]) -> str:
        return ",".join(
            "" if value is None else param.type.format(value)
            for param, value in zip(self.params, args, strict=False)
        )

    def defaults(self) -> dict[str, Any]:
        return {p.name: (None if p.required else p.default) for p in self.params}


def _at(error: ArgError, index: int) -> ArgError:
    error.argument = index  # type: ignore[attr-defined]
    return error
