"""Where a catalog lives: an explicit folder, else ``$ISRENDER_HOME``, else the per-user
default ``$XDG_DATA_HOME/isrender`` (``~/.local/share/isrender`` when ``XDG_DATA_HOME`` is unset
or not absolute, as the XDG Base Directory specification says).

The folder holds ``catalog.sqlite3`` (with its WAL files) and ``blobs/``. Whoever can write
these files owns the catalog (they can add an administrator or replace an asset), and whoever
can read them can read every asset and password hash: so a home isrender creates is private to
its creator, the folders 0700 and the database 0600 (SQLite gives its WAL and shared-memory
files the database's permissions). A folder that already exists keeps the permissions it has.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

ENV_HOME = "ISRENDER_HOME"
PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600
DB_NAME = "catalog.sqlite3"
BLOBS_DIR = "blobs"
PACKAGES_DIR = "packages"
ENV_DATABASE_URL = "ISRENDER_DATABASE_URL"


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


def catalog_exists(path: Path) -> bool:
    """Whether ``path`` holds a catalog, so that a mistyped home never creates a new one (a
    front end checks this first). With ``$ISRENDER_DATABASE_URL`` the catalog is that
    database and the home only a local cache, which any new host creates: always true."""
    return bool(os.environ.get(ENV_DATABASE_URL)) or (path / DB_NAME).is_file()


def create_home(path: Path, *, with_database: bool = True) -> None:
    """Make the folder, its blob store and (``with_database``: the SQLite catalog) its empty
    database file, private to this user, as far as they do not exist yet (existing ones are
    left as they are)."""
    path.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    (path / BLOBS_DIR).mkdir(mode=PRIVATE_FOLDER, exist_ok=True)
    if not with_database:
        return
    # SQLite would create the database with the umask's permissions (usually 0644). An
    # existing database is never opened here: closing any descriptor of the file releases
    # every POSIX lock this process holds on it, so SQLite connections that other threads
    # hold would lose theirs (and the database could be corrupted). O_EXCL fails instead.
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path / DB_NAME, os.O_RDONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
