"""The optional result cache: encoded renditions on disk, keyed by their ETag.

Off unless a folder is given (``isrender serve --cache-dir DIR``). Each entry is one file,
``DIR/ab/<etag>``, holding the MIME type on its first line and then the bytes. Files are
written to ``DIR/tmp`` and renamed into place, so a reader (this process or another one
sharing the folder) sees a whole entry or none. A hit rewrites the file's modification time,
so eviction, which removes the least recently used files until the folder holds at most
90 % of ``max_bytes``, keeps what is asked for. Each process tracks an estimate of the
folder's size and scans it only when the estimate passes the bound; entries another process
removed are simply misses.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path

_KEY = re.compile(r"[0-9a-f]{16,64}\Z")
#: After eviction the cache holds at most this share of its bound.
LOW_WATER = 0.9


class ResultCache:
    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self.tmp = root / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)
        self._estimate = self._scan()[1]

    def _path(self, etag: str) -> Path:
        key = etag.strip('"')
        if not _KEY.match(key):
            raise ValueError(f"not a cache key: {etag!r}")
        return self.root / key[:2] / key

    def get(self, etag: str) -> tuple[bytes, str] | None:
        """The entry's bytes and MIME type, or None."""
        path = self._path(etag)
        try:
            with open(path, "rb") as handle:
                mime = handle.readline().decode("ascii").strip()
                data = handle.read()
            os.utime(path)
        except (OSError, UnicodeDecodeError):
            return None
        return data, mime

    def put(self, etag: str, data: bytes, mime: str) -> None:
        if len(data) > self.max_bytes * (1 - LOW_WATER):
            return  # one entry must never evict most of the cache
        path = self._path(etag)
        path.parent.mkdir(exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.tmp)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(mime.encode("ascii") + b"\n" + data)
            os.replace(name, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(name)
            raise
        self._estimate += len(data) + len(mime) + 1
        if self._estimate > self.max_bytes:
            self._evict()

    def _scan(self) -> tuple[list[tuple[float, int, Path]], int]:
        entries = []
        for folder in self.root.iterdir():
            if folder == self.tmp or not folder.is_dir():
                continue
            for entry in os.scandir(folder):
                with contextlib.suppress(OSError):
                    stat = entry.stat()
                    entries.append((stat.st_mtime, stat.st_size, Path(entry.path)))
        return entries, sum(size for _, size, _ in entries)

    def _evict(self) -> None:
        entries, total = self._scan()
        entries.sort()
        while entries and total > self.max_bytes * LOW_WATER:
            _, size, path = entries.pop(0)
            with contextlib.suppress(OSError):
                path.unlink()
            total -= size
        self._estimate = total
