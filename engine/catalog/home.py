"""Where a catalog lives: an explicit folder, else ``$ISRENDER_HOME``, else the per-user
default ``$XDG_DATA_HOME/isrender`` (``~/.local/share/isrender`` when ``XDG_DATA_HOME`` is unset
or not absolute, as the XDG Base Directory specification says).

The folder holds ``catalog.sqlite3`` (with its WAL files) and ``blobs/``.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_HOME = "ISRENDER_HOME"
DB_NAME = "catalog.sqlite3"
BLOBS_DIR = "blobs"


def default_home() -> Path:
    xdg = os.environ.get("XDG_DATA_HOME", "")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".local" / "share"
    return base / "isrender"


def resolve_home(home: str | os.PathLike[str] | None = None) -> Path:
    """The catalog folder to use (not created here)."""
    if home is not None and os.fspath(home):
        return Path(home).expanduser()
    env = os.environ.get(ENV_HOME, "")
    if env:
        return Path(env).expanduser()
    return default_home()
