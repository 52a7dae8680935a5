"""HTTP caching of IS replies: strong ETags, conditional requests, ``cache=`` and max-age.

* ``ETag``: a strong validator, the sha256 of the engine version, the asset's content hash,
  the canonical resolved request (presets, variables and URL modifiers applied; without
  ``cache=``, and for images without ``id=``/``handler=``, which change no byte) and the
  request type and response format (for ``imageprops`` also the properties, which name the
  asset: one file may be two assets): equal tags mean byte-identical replies.
* ``If-None-Match`` (any matching tag, or ``*``) → 304 before any rendering; without it,
  ``If-Modified-Since`` at or after ``Last-Modified`` (when the file or its URL modifiers
  last changed) → 304.
* ``Cache-Control``: ``public, max-age=N`` from the company's ``Expiration`` attribute
  (hours; ``NonImgExpiration`` for properties), else the server's ``--max-age``; ``0``
  gives ``no-cache`` and ``-1`` a year. IS ``cache=off`` or ``cache=off,…`` (client side off)
  gives ``no-store``; the server half switches the result cache (``engine.server.cache``)
  when it is on; ``validate``/``update`` leave client caching on, as Adobe documents.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from functools import cache
from importlib import metadata

from engine.errors import ParseError

ONE_YEAR = 365 * 24 * 3600
_MODES = ("on", "off", "validate", "update")


@cache
def engine_version() -> str:
    try:
        return metadata.version("isrender")
    except metadata.PackageNotFoundError:
        return "0"


def etag(*parts: str) -> str:
    digest = hashlib.sha256("\0".join((engine_version(), *parts)).encode("utf-8", "replace"))
    return f'"{digest.hexdigest()[:40]}"'


def http_date(when: datetime) -> str:
    return format_datetime(when.astimezone(UTC).replace(microsecond=0), usegmt=True)


def not_modified(headers: Mapping[str, str], tag: str | None, modified: datetime | None) -> bool:
    """Whether a conditional GET/HEAD may be answered 304 (RFC 9110 §13.2.2 order)."""
    match = headers.get("if-none-match")
    if match is not None:
        if tag is None:
            return False
        tags = {t.strip().removeprefix("W/") for t in match.split(",")}
        return "*" in tags or tag in tags
    since = headers.get("if-modified-since")
    if since is None or modified is None:
        return False
    try:
        when = parsedate_to_datetime(since)
    except (TypeError, ValueError, IndexError):
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return modified.replace(microsecond=0) <= when


@dataclass(frozen=True)
class CacheModes:
    """What ``cache=`` allows: client caching, and reading/writing the result cache."""

    client: bool = True
    read: bool = True
    write: bool = True


def cache_modes(mode: str | None) -> CacheModes:
    """``cache=on|off|validate|update`` (both halves) or ``cache=client,server``; ``update``
    renders afresh and stores the result, ``validate`` is ``on`` (entries are keyed by the
    content hash, so a changed file never matches an old entry)."""
    if mode is None or not mode.strip():
        return CacheModes()
    parts = [part.strip().lower() for part in mode.split(",")]
    valid = (len(parts) == 1 and parts[0] in _MODES) or (
        len(parts) == 2 and all(part in ("on", "off") for part in parts)
    )
    if not valid:
        raise ParseError(
            "invalid value",
            command="cache",
            text=mode,
            expected="on, off, validate, update, or client,server each on or off",
        )
    client, server = parts if len(parts) == 2 else (parts[0], parts[0])
    return CacheModes(client != "off", server in ("on", "validate"), server != "off")


def cache_control(max_age: int | None, *, client: bool = True) -> str:
    """``max_age`` None: not cacheable (resolve, validate, errors)."""
    if max_age is None or not client:
        return "no-store"
    if max_age == 0:
        return "no-cache"
    return f"public, max-age={max_age}"


def max_age_of(attributes: Mapping[str, str], name: str, default: int) -> int:
    """Seconds from a company's ``Expiration``/``NonImgExpiration`` attribute (hours)."""
    text = attributes.get(name)
    if not text:
        return default
    hours = float(text)
    return ONE_YEAR if hours < 0 else round(hours * 3600)
