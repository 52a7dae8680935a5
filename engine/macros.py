"""Command macros (§2.2): macro tables, Scene7 macro files and textual expansion.

A macro ``$name$`` stands alone between ``&`` separators and is replaced, early and textually,
by its definition, so precedence is positional: a macro overrides the commands before it and
the commands after it override the macro. Nested macros expand too; a cycle, more than
``MAX_DEPTH`` levels or more than ``MAX_ITEMS`` expansion steps is an error, as is a macro
the table does not define (decision §5.1: IS documents no behaviour; ignoring a typo would
silently change renditions).
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from functools import cached_property

from engine.errors import MacroError
from engine.syntax import Item, split_modifiers

MAX_DEPTH = 16
MAX_ITEMS = 4096
# A macro file is read whole; Scene7 presets hold at most 512 characters, so even a library of
# tens of thousands of them is a few MiB.
MAX_FILE_BYTES = 64 * 1024 * 1024


class MacroTable(Mapping[str, str]):
    """An immutable, case-insensitive table of macro definitions (name → modifier string).

    Hashable, so parsed plans can be cached per table; each definition is split into
    modifiers once per table (:meth:`parsed`), not once per request that invokes it.
    """

    def __init__(self, definitions: Mapping[str, str] | None = None) -> None:
        defs: dict[str, str] = {}
        names: dict[str, str] = {}
        for name, definition in (definitions or {}).items():
            bare = _bare(name)
            defs[bare.lower()] = definition
            names[bare.lower()] = bare
        self._defs = defs
        self._names = names
        self._parsed: dict[str, tuple[Item, ...]] = {}

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, str] | MacroTable | None) -> MacroTable:
        if isinstance(mapping, MacroTable):
            return mapping
        return cls(mapping)

    def __getitem__(self, name: str) -> str:
        return self._defs[_bare(name).lower()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and _bare(name).lower() in self._defs

    def __iter__(self) -> Iterator[str]:
        return iter(self._names.values())

    def __len__(self) -> int:
        return len(self._defs)

    def parsed(self, name: str) -> tuple[Item, ...]:
        """The definition of macro ``name`` as modifiers, which name the macro (spelled as
        the table defines it) for error messages. ``KeyError`` if it is not defined."""
        key = _bare(name).lower()
        items = self._parsed.get(key)
        if items is None:
            items = tuple(split_modifiers(self._defs[key], macro=self._names[key]))
            self._parsed[key] = items
        return items

    @cached_property
    def _hash(self) -> int:
        return hash(frozenset(self._defs.items()))

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, MacroTable):
            return self._defs == other._defs
        return NotImplemented

    def __repr__(self) -> str:
        return f"MacroTable({dict(self.items())!r})"

    def merged(self, other: Mapping[str, str]) -> MacroTable:
        """A new table with ``other``'s definitions added (they win on clashes)."""
        combined = dict(self.items())
        combined.update(other)
        return MacroTable(combined)


def _bare(name: str) -> str:
    """``$view$`` and ``view`` name the same macro."""
    if len(name) >= 2 and name[0] == "$" and name[-1] == "$":
        return name[1:-1]
    return name


def expand(items: list[Item], table: MacroTable | None) -> list[Item]:
    """Replace every macro item by its parsed definition, recursively.

    Every macro invocation and every modifier taken from a definition counts against
    ``MAX_ITEMS``, so neither long definitions nor wide trees of short or empty ones
    (``$a$`` = 50 × ``$b$``, ``$b$`` = 50 × ``$c$`` ...) can make expansion run away.
    """
    if not any(item.kind == "macro" for item in items):
        return items
    out: list[Item] = []
    _expand_into(out, items, table, (), [0])
    return out


def _expand_into(
    out: list[Item],
    items: Sequence[Item],
    table: MacroTable | None,
    stack: tuple[str, ...],
    steps: list[int],  # one counter shared by the whole recursion
) -> None:
    for item in items:
        if stack or item.kind == "macro":
            steps[0] += 1
            if steps[0] > MAX_ITEMS:
                raise MacroError(
                    f"macro expansion takes more than {MAX_ITEMS} steps",
                    text=f"${item.macro or item.name}$",
                    expected="macros that expand to a bounded request",
                )
        if item.kind != "macro":
            out.append(item)
            continue
        key = item.name.lower()
        where = {"offset": item.offset, "macro": item.macro}
        if table is None or key not in table:
            known = "no macro table was given" if not table else f"{len(table)} macros defined"
            raise MacroError(
                f"undefined macro ${item.name}$ ({known})",
                text=f"${item.name}$",
                expected="a macro defined in the macro table",
                **where,
            )
        if key in stack:
            chain = " → ".join(f"${n}$" for n in (*stack, key))
            raise MacroError(f"macro cycle {chain}", text=f"${item.name}$", **where)
        if len(stack) >= MAX_DEPTH:
            raise MacroError(
                f"macros nested more than {MAX_DEPTH} deep", text=f"${item.name}$", **where
            )
        _expand_into(out, table.parsed(key), table, (*stack, key), steps)


def load_macros(path: str | os.PathLike[str]) -> MacroTable:
    """Read a Scene7 macro file (tab-delimited ``Name``/``Definition`` with a header row) of
    at most ``MAX_FILE_BYTES``."""
    return parse_macro_file(read_data_file(path, "macro file"), source=os.fspath(path))


def read_data_file(path: str | os.PathLike[str], what: str) -> bytes:
    """The bytes of a catalog data file (a macro file, a template file) of at most
    ``MAX_FILE_BYTES``; ``what`` names the kind of file in errors."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise MacroError(f"cannot read {what} {os.fspath(path)!r}: {exc.strerror}") from None
    if len(data) > MAX_FILE_BYTES:
        raise MacroError(
            f"{what} {os.fspath(path)} is larger than {MAX_FILE_BYTES // 2**20} MiB",
            expected="a catalog data file of IS modifiers (presets of at most 512 characters)",
        )
    return data


def parse_macro_file(data: bytes, *, source: str = "<macro file>") -> MacroTable:
    """Parse macro-file bytes: UTF-8 or UTF-16 with a BOM, else ISO-8859-1; CR, LF or CRLF records;
    double-quoted fields; columns whose name starts with '.' ignored; later duplicates win.

    Every error names the file and the line where the record starts."""
    records: dict[str, tuple[str, str]] = {}
    for _line, (name, definition) in parse_data_file(
        data, ("name", "definition"), source=f"macro file {source}", key="macro name"
    ):
        # Names are case-insensitive, so "View" after "view" replaces it: later records win.
        records[_bare(name).lower()] = (name, definition)
    return MacroTable(dict(records.values()))


def parse_data_file(
    data: bytes,
    fields: Sequence[str],
    *,
    source: str,
    key: str,
    optional: Sequence[str] = (),
) -> list[tuple[int, list[str]]]:
    """The records of a catalog data file (Adobe's ``r-catalog-data-files.md``): a header row
    naming the columns (case-insensitive), then tab-separated records. Returns, per record, its
    line and its values of ``fields`` then ``optional`` (``''`` where the file has no such
    column), stripped; the first field (what ``key`` names) must not be empty. ``source``
    starts every error."""
    rows = _records(_decode(data, source), source)
    header_text = "<TAB>".join(f.capitalize() for f in fields)
    if not rows:
        raise MacroError(f"{source} is empty; expected a {header_text} header")
    header_line, header = rows[0]
    names = [field.strip().lower() for field in header]
    if any(field not in names for field in fields):
        raise MacroError(
            f"{source}, line {header_line}: header {header!r}",
            expected=f"a header row with the fields {' and '.join(f.capitalize() for f in fields)}",
        )
    columns = [names.index(field) for field in fields]
    extra = [names.index(field) if field in names else None for field in optional]
    out = []
    for line, row in rows[1:]:
        if len(row) <= max(columns):
            raise MacroError(
                f"{source}, line {line}: {len(row)} field(s)",
                expected=f"at least {max(columns) + 1} tab-separated fields",
            )
        values = [row[at].strip() for at in columns]
        values += [row[at].strip() if at is not None and at < len(row) else "" for at in extra]
        if not values[0]:
            raise MacroError(f"{source}, line {line}: empty {key}")
        out.append((line, values))
    return out


_BOM = b"\xef\xbb\xbf"
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")


#: Byte-order marks → encoding: UTF-8, and UTF-16 as Excel's "Unicode Text" saves it.
_BOMS = {_BOM: "utf-8", b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}


def _decode(data: bytes, source: str) -> str:
    mark = next((mark for mark in _BOMS if data.startswith(mark)), None)
    if mark is None:
        return data.decode("latin-1")
    encoding = _BOMS[mark]
    try:
        return data[len(mark) :].decode(encoding)
    except UnicodeDecodeError as exc:
        at = len(mark) + exc.start
        text = data[len(mark) : at].decode(encoding, "replace")
        line = len(_LINE_BREAK.findall(text.encode("utf-8"))) + 1
        name = encoding.upper().replace("-LE", "").replace("-BE", "")
        raise MacroError(
            f"{source}, line {line}: byte 0x{data[at]:02x} is not {name}, yet the "
            f"file starts with a {name} byte-order mark",
            expected=f"{name} text after the byte-order mark (a file without one is ISO-8859-1)",
        ) from None


def _records(text: str, source: str) -> list[tuple[int, list[str]]]:
    """The non-blank records, each with the line it starts on."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t")
    rows = []
    start = 1
    try:
        for row in reader:
            if row:
                rows.append((start, row))
            start = reader.line_num + 1
    except csv.Error as exc:
        reason = str(exc)
        if "field larger than field limit" in reason:
            reason = f"a field is longer than {csv.field_size_limit()} characters"
        raise MacroError(
            f"{source}, line {start}: {reason}",
            expected="macro definitions of at most 64 KiB (the request limit)",
        ) from None
    return rows
