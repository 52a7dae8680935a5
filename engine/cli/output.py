"""What the commands share for output: JSON on stdout (dates as ISO 8601), and files."""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime
from typing import Any


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, default=_json_default)
    print()


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def write_file(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path``. A failed write names the file, as a failed open does
    (``OSError.filename``), so :func:`engine.cli.main` can report it in one line."""
    try:
        with open(path, "wb") as handle:
            handle.write(data)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, os.fspath(path)) from None
