"""What an operator sets for ``isrender serve``: the catalog, the render pool and HTTP caching.

Each field can come from the command line (``isrender serve --workers 4``) or, when the app
is made by another ASGI server through :func:`engine.server.create_app`, from the environment
(``ISRENDER_WORKERS=4``; see :meth:`ServerSettings.from_env`).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit

from engine.catalog.home import resolve_home
from engine.cores import usable_cores
from engine.errors import SettingsError

#: Adobe's default client cache time for images (attribute::Expiration): 10 hours.
DEFAULT_MAX_AGE = 10 * 3600


@dataclass(frozen=True)
class ServerSettings:
    """``workers`` render processes take renders from a queue of at most ``queue`` waiting
    requests (beyond that: 503 with ``Retry-After``). A render running longer than
    ``render_timeout`` seconds is stopped (504) and its worker replaced. On SIGTERM or Ctrl-C
    the server stops accepting and gives the requests in flight ``drain_timeout`` seconds.
    ``max_age`` is the default ``Cache-Control: max-age`` of images (a company's
    ``Expiration`` attribute overrides it), ``non_image_max_age`` that of properties.
    ``cache_dir`` turns on the result cache (``engine.server.cache``) of at most
    ``cache_bytes``. ``public_url`` is the base URL clients reach the server at
    (``https://images.example.com``), for the links the server writes where no request
    gives it, such as export package URLs in job logs and e-mails; by default the base URL
    of the latest IPS request. A web sign-in (``engine.web``)
    lasts ``session_timeout`` seconds; export jobs run ``export_workers`` conversions at once
    (default: one per core)."""

    home: Path = field(default_factory=resolve_home)
    workers: int = field(default_factory=usable_cores)
    queue: int | None = None  # default: 16 per worker
    render_timeout: float = 30.0
    drain_timeout: float = 30.0
    max_age: int = DEFAULT_MAX_AGE
    non_image_max_age: int = DEFAULT_MAX_AGE
    tasks_per_worker: int = 64
    retry_after: int = 1
    cache_dir: Path | None = None
    cache_bytes: int = 1024**3
    session_timeout: float = 8 * 3600.0
    export_workers: int | None = None
    public_url: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "home", resolve_home(self.home))
        if self.cache_dir is not None:
            object.__setattr__(self, "cache_dir", Path(self.cache_dir).expanduser())
        if self.public_url is not None:
            object.__setattr__(self, "public_url", _base_url(self.public_url))
        if self.queue is None:
            object.__setattr__(self, "queue", 16 * self.workers)
        most = max_workers()
        checks = {
            "workers": 1 <= self.workers <= most,
            "queue": (self.queue or 0) >= 0,
            "render_timeout": math.isfinite(self.render_timeout) and self.render_timeout > 0,
            "drain_timeout": math.isfinite(self.drain_timeout) and self.drain_timeout >= 0,
            "max_age": self.max_age >= 0,
            "non_image_max_age": self.non_image_max_age >= 0,
            "tasks_per_worker": self.tasks_per_worker >= 1,
            "retry_after": self.retry_after >= 0,
            "cache_bytes": self.cache_bytes >= 1,
            "session_timeout": self.session_timeout > 0,
            "export_workers": self.export_workers is None or 1 <= self.export_workers <= most,
        }
        for name, ok in checks.items():
            if not ok:
                bound = f" (1 to {most}: {WORKERS_PER_CORE} per core)" if "workers" in name else ""
                raise SettingsError(f"invalid server setting {name}={getattr(self, name)!r}{bound}")

    @property
    def capacity(self) -> int:
        """Renders running or waiting at most: one per worker plus the queue."""
        return self.workers + (self.queue or 0)

    @classmethod
    def from_env(cls, **overrides: object) -> ServerSettings:
        """Settings from ``ISRENDER_<FIELD>`` variables (``ISRENDER_HOME``,
        ``ISRENDER_WORKERS``, ``ISRENDER_RENDER_TIMEOUT`` ...), then ``overrides``."""
        values: dict[str, object] = {}
        for item in fields(cls):
            text = os.environ.get(f"ISRENDER_{item.name.upper()}")
            if not text:
                continue
            if item.name in ("home", "cache_dir"):
                values[item.name] = Path(text)
            elif item.name == "public_url":
                values[item.name] = text
            else:
                kind = float if item.name in _SECONDS else int
                values[item.name] = _number(kind, item.name, text)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]


_SECONDS = ("render_timeout", "drain_timeout", "session_timeout")
#: Rendering is CPU-bound: more processes than this per core only add memory (each may hold
#: up to ``RenderConfig.max_decode_bytes`` of pixels) and context switches.
WORKERS_PER_CORE = 4


def max_workers() -> int:
    """The most render (or export) worker processes a server may start on this machine: per
    core this process may run on (a container's CPU set, not the host's count)."""
    return WORKERS_PER_CORE * usable_cores()


def _number(kind: type, name: str, text: str) -> int | float:
    try:
        return kind(text)
    except ValueError:
        raise SettingsError(
            f"ISRENDER_{name.upper()}={text!r} is not a{'n integer' if kind is int else ' number'}"
        ) from None


def _base_url(text: str) -> str:
    """``text`` without a trailing ``/``; SettingsError unless it is an absolute http(s) URL
    without query or fragment."""
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise SettingsError(
            f"invalid server setting public_url={text!r}: expected an http:// or https:// base "
            "URL such as https://images.example.com"
        )
    return text.strip().rstrip("/")
