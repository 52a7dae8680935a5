"""IS property responses (reference §3.3): ``text`` (Java properties with the ``#S7Z OK``
first line), ``javascript``, ``xml`` and ``json`` (JSONP), as ``req=props,json`` asks."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from xml.sax.saxutils import quoteattr

from engine.errors import ParseError

FORMATS = ("text", "javascript", "xml", "json")
MIME_TYPES = {
    "text": "text/plain",
    "javascript": "text/javascript",
    "xml": "text/xml",
    "json": "text/javascript",
}
DEFAULT_HANDLER = "s7jsonResponse"
_HANDLER = re.compile(r"[A-Za-z0-9]+\Z")


def response_format(options: str | None) -> str:
    """The format a ``req=type,options`` asks for (default ``text``)."""
    name = (options or "text").strip().lower() or "text"
    if name not in FORMATS:
        raise ParseError(
            "unknown response format",
            command="req",
            argument=1,
            text=options,
            expected="|".join(FORMATS),
        )
    return name


def render_properties(
    props: Mapping[str, str],
    fmt: str,
    *,
    request_id: str | None = None,
    handler: str | None = None,
) -> tuple[bytes, str]:
    """The body and its Content-Type."""
    if fmt == "json":
        body = _jsonp(props, request_id, handler)
    elif fmt == "javascript":
        body = "".join(f"{name}='{_javascript(value)}';\n" for name, value in props.items())
    elif fmt == "xml":
        body = _xml(props)
    else:
        stamp = f"{datetime.now(UTC):%a %b %d %H:%M:%S UTC %Y}"
        lines = ["#S7Z OK", f"#{stamp}"]
        lines += [f"{_java(name, key=True)}={_java(value)}" for name, value in props.items()]
        body = "\n".join(lines) + "\n"
    return body.encode("utf-8"), f"{MIME_TYPES[fmt]}; charset=utf-8"


def _jsonp(props: Mapping[str, str], request_id: str | None, handler: str | None) -> str:
    name = handler or DEFAULT_HANDLER
    if not _HANDLER.match(name):
        raise ParseError(
            "invalid JSONP handler name", command="handler", text=name, expected="a-z, A-Z, 0-9"
        )
    data = json.dumps(dict(props), ensure_ascii=True)
    identifier = json.dumps(request_id or "", ensure_ascii=True)
    # JSON may hold U+2028/U+2029, which end a JavaScript line; ensure_ascii escapes them.
    return f"/*jsonp*/{name}({data},{identifier});\n"


#: What must not stay as is inside a JavaScript string literal: a backslash would escape the
#: closing quote (``\\'`` ends the literal early and the rest of the value runs as code), a line
#: terminator ends the line.
_JS_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def _javascript(value: str) -> str:
    """A value for a single-quoted literal: quotes doubled, as Adobe documents, and the
    characters of ``_JS_ESCAPES`` escaped, so the value can never end its literal."""
    escaped = "".join(_JS_ESCAPES.get(char, char) for char in value)
    return escaped.replace("'", "''")


def _xml(props: Mapping[str, str]) -> str:
    groups: dict[str, list[str]] = {}
    for name, value in props.items():
        group, _, field = name.rpartition(".")
        groups.setdefault(group, []).append(
            f"    <property name={quoteattr(field)} value={quoteattr(_xml_text(value))}/>"
        )
    parts = ['<?xml version="1.0" encoding="UTF-8"?>', "<prop-group>"]
    for group, lines in groups.items():
        parts.append(f"  <prop-group name={quoteattr(group)}>" if group else "  <prop-group>")
        parts += lines
        parts.append("  </prop-group>")
    parts.append("</prop-group>")
    return "\n".join(parts) + "\n"


def _xml_text(value: str) -> str:
    """XML 1.0 cannot carry most control characters, even escaped."""
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "\ufffd", value)


def _java(text: str, *, key: bool = False) -> str:
    """Java-properties escapes: backslash, line breaks, tabs, and ``=``/``:`` and spaces in
    keys; characters outside Latin-1 stay as UTF-8 (the body is UTF-8)."""
    out = []
    for index, char in enumerate(text):
        if char == "\\":
            out.append("\\\\")
        elif char in "\n\r\t\f":
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t", "\f": "\\f"}[char])
        elif char in "=:#!" and (key or index == 0):
            out.append("\\" + char)
        elif char == " " and (key or index == 0):
            out.append("\\ ")
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return "".join(out)
