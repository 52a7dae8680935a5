"""Modifier string → :class:`~engine.plan.Plan`: macros, variables, typed arguments, layers.

The steps, in IS's order: split the request into modifiers (grammar), expand macros in place
(textually, so precedence is positional), then walk the modifiers left to right: variable
definitions are recorded, ``layer=`` opens a segment, and each command has its variable
references substituted, its value %-decoded, split at commas and converted by its signature.
The last occurrence of a command wins per layer; view and request commands are global.
"""

from __future__ import annotations

import re
import sys
import threading
from collections import OrderedDict
from collections.abc import Hashable, Mapping
from functools import lru_cache

from engine.effects import EFFECT_MACROS
from engine.errors import ParseError
from engine.macros import MacroTable, expand
from engine.plan import COMP, Layer, Node, Plan, effect_layer, effect_parent, execution_key
from engine.registry import Registry, get_registry, on_change
from engine.signatures import ArgError
from engine.stages import COMPOSITE_SCOPED, Stage
from engine.syntax import Item, check_text, decode_value, opens_nested, split_modifiers

#: Scene7 limits preset query strings to 512 characters; requests may be longer, but not
#: unboundedly so (hostile input must not cost unbounded memory or time). The limit holds for
#: the request as written and for the request its macros and variables expand to.
MAX_REQUEST_LENGTH = 64 * 1024
#: The parse cache holds at most this many plans and this many bytes (estimated) of them.
CACHE_SIZE = 4096
CACHE_BYTES = 32 * 1024 * 1024
#: A layer number: ASCII digits (``str.isdigit`` accepts "²", which ``int`` refuses).
_LAYER_NUMBER = re.compile(r"[0-9]{1,9}\Z")
_EFFECT_NUMBER = re.compile(r"-?[0-9]{1,9}\Z")
DEFAULT_MACROS = MacroTable(EFFECT_MACROS)
#: The commands whose value may be a nested request (``src=is(...)``, ``mask=is(...)``).
_NESTING = ("src", "mask")
#: Commands that set the same thing; within a layer the last of a group wins (§1.6 rule 4 for
#: the layer type; the pixel and normalised forms of crop, extend, size, pos, origin, anchor).
_EXCLUSIVE = {
    key: group
    for group in (
        ("src", "text", "textps"),
        ("crop", "cropn"),
        ("extend", "extendn"),
        ("size", "sizen"),
        ("pos", "posn"),
        ("origin", "originn"),
        ("anchor", "anchorn"),
    )
    for key in group
}


def parse(
    modifiers: str,
    *,
    macros: Mapping[str, str] | MacroTable | None = None,
    object_name: str | None = None,
    variables: Mapping[str, str] | None = None,
) -> Plan:
    """Parse an IS modifier string into a plan (cached per string, macro table, object and
    variables).

    ``macros`` maps macro names (with or without the ``$``) to definitions; pass a
    :class:`MacroTable` to benefit from the cache. ``object_name`` predefines ``$object$``;
    ``variables`` predefines variables (a nested request's, forwarded from the request that
    contains it), which the request's own ``$var=`` definitions override.
    """
    table = _with_default_macros(MacroTable.from_mapping(macros) if macros else None)
    forwarded = tuple(sorted(variables.items())) if variables else ()
    key = (modifiers, table, object_name, forwarded)
    plan = _CACHE.get(key)
    if plan is None:
        builder = _Builder(get_registry(), object_name, forwarded)
        plan = builder.build(modifiers, table)
        _CACHE.put(key, plan, _weight(modifiers, builder))
    return plan


def resolve(
    modifiers: str,
    *,
    macros: Mapping[str, str] | MacroTable | None = None,
    object_name: str | None = None,
) -> str:
    """The canonical, fully expanded modifier string (IS ``req=resolve``)."""
    return parse(modifiers, macros=macros, object_name=object_name).to_modifiers()


@lru_cache(maxsize=64)
def _with_default_macros(table: MacroTable | None) -> MacroTable:
    """The caller's macros over IS's default-catalog ones ($shadow$, $glow$)."""
    return DEFAULT_MACROS.merged(table) if table else DEFAULT_MACROS


class _PlanCache:
    """A least-recently-used cache bounded in entries and in (estimated) bytes."""

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries: OrderedDict[Hashable, tuple[Plan, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Plan | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry[0]

    def put(self, key: Hashable, plan: Plan, weight: int) -> None:
        if weight > self.max_bytes // 8:
            return  # one request may not push out most of the others
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.bytes -= old[1]
            self._entries[key] = (plan, weight)
            self.bytes += weight
            while len(self._entries) > self.max_entries or self.bytes > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self.bytes -= dropped

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.bytes = 0


_CACHE = _PlanCache(CACHE_SIZE, CACHE_BYTES)
on_change(_CACHE.clear)


def clear_cache() -> None:
    """Forget every cached plan (benchmarks measure parsing without it)."""
    _CACHE.clear()


#: Estimated bytes a cached plan holds per node (the node, its arguments tuple and their
#: objects; measured with tracemalloc) besides the characters of its expanded text.
_NODE_BYTES = 400


def _weight(text: str, builder: _Builder) -> int:
    char_bytes = 1 if text.isascii() else 4
    return sys.getsizeof(text) + char_bytes * builder.length + _NODE_BYTES * len(builder.nodes)


class _Builder:
    def __init__(
        self,
        registry: Registry,
        object_name: str | None,
        forwarded: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self.registry = registry
        self.object_name = object_name
        # Forwarded definitions come from a parsed plan: their names are lookup keys already.
        self.variables: dict[str, str] = dict(forwarded)
        if object_name is not None:
            check_text(object_name, what="the object name")
            self.variables["object"] = object_name
        self.layer: Layer = COMP
        self.layer_names: dict[str, int] = {}
        self.nodes: dict[tuple[Layer | None, str], Node] = {}
        self.length = 0  # characters of the expanded request so far

    def build(self, text: str, table: MacroTable | None) -> Plan:
        if not isinstance(text, str):
            raise ParseError(f"modifiers must be a string, not {type(text).__name__}")
        if len(text) > MAX_REQUEST_LENGTH:
            raise ParseError(
                f"request of {len(text)} characters is too long",
                expected=f"at most {MAX_REQUEST_LENGTH} characters",
            )
        # A leading '?' and surrounding white space are no modifiers; they become empty
        # ones, so that error offsets still count from the start of the caller's string.
        text = text.rstrip()
        start = len(text) - len(text.lstrip())
        if text.startswith("?", start):
            start += 1
        text = "&" * start + text[start:]
        for item in expand(split_modifiers(text), table):
            self._spend(len(item.name) + len(item.value or "") + 2, item)
            if item.kind == "command":
                self._command(item)
            elif item.kind == "vardef":
                self.variables[variable_key(item.name)] = item.value or ""
        nodes = sorted(self.nodes.values(), key=execution_key)
        # $object$ is each request's own; every other definition reaches nested requests.
        variables = tuple((k, v) for k, v in self.variables.items() if k != "object")
        return Plan(tuple(nodes), self.object_name, variables)

    def _command(self, item: Item) -> None:
        key = item.name.lower()
        if key == "layer":
            self._layer(item)
            return
        if key == "effect":
            self._effect(item)
            return
        sig = self.registry.signatures.get(key)
        if sig is None:
            raise ParseError(
                f"unknown command '{item.name}'",
                command=item.name,
                offset=item.offset,
                macro=item.macro,
                expected="an IS command or a command provided by a plugin",
            )
        raw = item.value
        if raw and "$" in raw and key != "effect":  # no variables in layer= and effect=, §2.1
            raw = self._substitute(raw, item)
        if raw and key in _NESTING and opens_nested(key, raw):
            value, parts = raw, [raw]  # the nested request decodes its own values
        else:
            value = decode_value(raw) if raw else ""
            parts = value.split(",") if value else []
        try:
            args = sig.parse_args(parts)
        except ArgError as exc:
            index = getattr(exc, "argument", None)
            raise ParseError(
                "invalid value",
                command=sig.name,
                argument=index,
                text=exc.text if exc.text is not None else value,
                offset=item.offset,
                macro=item.macro,
                expected=exc.expected,
            ) from None
        if sig.scope.is_global:
            layer: Layer | None = None
            stage = sig.stage
        elif self.layer == COMP and sig.stage < Stage.FILTER and key not in COMPOSITE_SCOPED:
            layer, stage = 0, sig.stage  # source transforms of layer=comp act on layer 0
        else:
            layer = self.layer
            stage = Stage.FILTER if sig.stage == Stage.SHARPEN and layer != COMP else sig.stage
        for other in _EXCLUSIVE.get(key, ()):
            self.nodes.pop((layer, other), None)
        self.nodes[(layer, key)] = Node(sig.name, args, stage, layer, sig)

    def _substitute(self, raw: str, item: Item) -> str:
        """``raw`` with each ``$name$`` of a defined variable replaced by its value.

        A name is what a definition may hold (anything but ``$``, ``&`` and ``=``); a
        ``$...$`` that names no variable stays literal, and its closing ``$`` may open the
        next reference. The growth counts against the expanded request's length as it goes.
        """
        out: list[str] = []
        pos = 0
        while (start := raw.find("$", pos)) >= 0 and (end := raw.find("$", start + 1)) >= 0:
            name = raw[start + 1 : end]
            value = self.variables.get(variable_key(name)) if "=" not in name else None
            if value is None:
                out.append(raw[pos:end])
                pos = end
                continue
            self._spend(len(value) - len(name) - 2, item)
            out += (raw[pos:start], value)
            pos = end + 1
        out.append(raw[pos:])
        return "".join(out)

    def _spend(self, characters: int, item: Item) -> None:
        self.length += characters
        if self.length > MAX_REQUEST_LENGTH:
            raise ParseError(
                "the request expands to more than "
                f"{MAX_REQUEST_LENGTH} characters (macros and variables substituted)",
                command=item.name if item.kind == "command" else None,
                offset=item.offset,
                macro=item.macro,
                expected=f"at most {MAX_REQUEST_LENGTH} characters once expanded",
            )

    def _effect(self, item: Item) -> None:
        """``effect=n`` (n a non-zero integer) starts the segment of an effect layer attached
        to the current layer (``r-effect.md``); no variables here either."""
        value = decode_value(item.value or "")
        if not _EFFECT_NUMBER.match(value) or int(value) == 0:
            expected = "a non-zero integer: < 0 behind the layer, > 0 inside it"
            raise _segment_error(item, "invalid effect layer", value, expected)
        parent = effect_parent(self.layer)
        self.layer = effect_layer(self.layer if parent is None else parent[0], int(value))

    def _layer(self, item: Item) -> None:
        """``layer=n|comp[,name]`` or ``layer=name`` (no variables allowed here, §2.1)."""
        value = decode_value(item.value or "")
        number, _, name = value.partition(",")
        if number.lower() == "comp":
            self.layer = COMP
        elif _LAYER_NUMBER.match(number):
            self.layer = int(number)
        elif not name and number in self.layer_names:
            self.layer = self.layer_names[number]
            return
        else:
            expected = "n, comp, n,name or the name of a layer defined earlier"
            raise _segment_error(item, "invalid layer", value, expected)
        if name:
            reason = None
            if name.lower() == COMP:  # r-layer.md: "comp is not permitted as a name string"
                reason = "'comp' is not permitted as a layer name"
            elif (
                isinstance(self.layer, int) and self.layer_names.get(name, self.layer) != self.layer
            ):
                reason = f"layer name {name!r} is already used by layer {self.layer_names[name]}"
            if reason is not None:
                raise _segment_error(item, reason, value)
            if isinstance(self.layer, int):
                self.layer_names[name] = self.layer


def _segment_error(item: Item, reason: str, value: str, expected: str | None = None) -> ParseError:
    """A bad ``layer=`` or ``effect=`` value."""
    return ParseError(
        reason,
        command=item.name.lower(),
        text=value,
        offset=item.offset,
        macro=item.macro,
        expected=expected,
    )


def variable_key(name: str) -> str:
    """How a variable is looked up: %-decoded (``+`` a space) and case-insensitive, so the
    name of ``$my+var=`` and of the reference ``$my%20var$`` are the same."""
    return decode_value(name).lower()
