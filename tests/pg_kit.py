"""A throwaway PostgreSQL server for the tests, and a fresh schema per test.

``ISRENDER_TEST_DATABASE_URL`` names a server to use (``.ci/run`` starts one); without it,
:func:`throwaway_server` starts one with the server binaries on ``PATH`` (``initdb``,
``pg_ctl``; as root they run as the ``postgres`` user), on 127.0.0.1 and a free port, and
stops it and deletes its files at the end.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

ENV_URL = "ISRENDER_TEST_DATABASE_URL"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _tool(name: str) -> str | None:
    """A server program: on PATH, else where Debian's ``postgresql`` package puts it."""
    found = shutil.which(name)
    if found is None:
        candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
        found = candidates[-1] if candidates else None
    return found


def _as_server_user(command: list[str]) -> list[str]:
    command = [_tool(command[0]) or command[0], *command[1:]]
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def unavailable() -> str | None:
    """Why no throwaway server can be started here, or ``None``."""
    for tool in ("initdb", "pg_ctl"):
        if _tool(tool) is None:
            return f"{tool} is not installed (Debian: apt-get install postgresql)"
    return None


@contextlib.contextmanager
def throwaway_server() -> Iterator[str]:
    """Start a PostgreSQL server; yields its URL."""
    folder = Path(tempfile.mkdtemp(prefix="isrender-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data, port = folder / "data", free_port()
    run = lambda *args: subprocess.run(  # noqa: E731
        _as_server_user([*args]), check=True, capture_output=True, text=True
    )
    try:
        run("initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={port} "
            f"-c unix_socket_directories={folder} -c fsync=off"
        )
        run("pg_ctl", "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start")
        try:
            yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
        finally:
            run("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def fresh_schema(server_url: str) -> Iterator[str]:
    """A new empty schema on the server; yields a URL whose connections use only it."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {name}")
    separator = "&" if "?" in server_url else "?"
    try:
        yield f"{server_url}{separator}options={quote(f'-csearch_path={name}')}"
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {name} CASCADE")
