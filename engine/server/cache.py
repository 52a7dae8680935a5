"""The optional result cache: encoded renditions on disk, keyed by their ETag.

Off unless a folder is given (``isrender serve --cache-dir DIR``). Each entry is one file,
``DIR/ab/<etag>``, holding the MIME type on its first line and then the bytes. Files are
written to ``DIR/tmp`` and renamed into place, so a reader (this process or another one
sharing the folder) sees a whole entry or none. A hit rewrites the file's modification time,
so eviction, which removes the least recently used files until the folder holds at most
90 % of ``max_bytes``, keeps what is asked for. Each process tracks an estimate of the
folder's size and scans it when the estimate passes the bound, and at the latest after writing
10 % of the bound (the other processes' writes are unseen between scans, so N processes
overshoot the bound by at most N × 10 %); entries another process removed are simply misses.
A temporary file older than a minute when a cache opens is a killed writer's and is removed.
Eviction only ever removes the cache's own entries, so a folder given by mistake (the home,
``$EMPTY``, which is the working directory) loses no other file.
An entry that cannot be written (a full or read-only disk) is not stored: the reply is served
all the same, and the server log gets one warning until writing works again.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
import time
from pathlib import Path

_KEY = re.compile(r"[0-9a-f]{16,64}\Z")
_FOLDER = re.compile(r"[0-9a-f]{2}\Z")
_TMP_PREFIX = "isrender-cache-"
#: After eviction the cache holds at most this share of its bound.
LOW_WATER = 0.9
#: A temporary file this old (seconds) when a cache opens belongs to a writer that died.
STALE_TMP_S = 60.0

log = logging.getLogger("isrender.server")


class ResultCache:
    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self.tmp = root / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)
        self._remove_stale_temporary_files()
        self._estimate = self._scan()[1]
        self._unscanned = 0  # bytes written by this process since it last scanned the folder
        self._failing = False  # the last write failed (and was logged)

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
        try:
            self._write(path, mime.encode("ascii") + b"\n" + data)
            size = len(data) + len(mime) + 1
            self._estimate += size
            self._unscanned += size
            unseen_limit = self.max_bytes * (1 - LOW_WATER)  # what other processes may add
            if self._estimate > self.max_bytes or self._unscanned > unseen_limit:
                self._evict()
        except OSError as exc:
            if not self._failing:
                log.warning("result cache %s: cannot store entries, serving without: %s",
                            self.root, exc)  # fmt: skip
            self._failing = True
            return
        self._failing = False

    def _write(self, path: Path, content: bytes) -> None:
        path.parent.mkdir(exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.tmp, prefix=_TMP_PREFIX)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(content)
            os.replace(name, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(name)
            raise

    def _remove_stale_temporary_files(self) -> None:
        stale = time.time() - STALE_TMP_S
        for entry in os.scandir(self.tmp):
            if not entry.name.startswith(_TMP_PREFIX):
                continue  # not one of ours
            with contextlib.suppress(OSError):
                if entry.stat().st_mtime < stale:
                    os.unlink(entry.path)

    def _scan(self) -> tuple[list[tuple[float, int, Path]], int]:
        """The cache's own entries (``xx/<key>`` whose key starts with ``xx``), never other
        files of the folder: eviction deletes what this lists."""
        entries = []
        for folder in self.root.iterdir():
            if not (_FOLDER.match(folder.name) and folder.is_dir()):
                continue
            for entry in os.scandir(folder):
                if not (_KEY.match(entry.name) and entry.name.startswith(folder.name)):
                    continue
                with contextlib.suppress(OSError):
                    stat = entry.stat(follow_symlinks=False)
                    entries.append((stat.st_mtime, stat.st_size, Path(entry.path)))
        return entries, sum(size for _, size, _ in entries)

    def _evict(self) -> None:
        """Scan the folder; past the bound, remove the least recently used entries."""
        entries, total = self._scan()
        self._unscanned = 0
        if total <= self.max_bytes:
            self._estimate = total
            return
        entries.sort()
        while entries and total > self.max_bytes * LOW_WATER:
            _, size, path = entries.pop(0)
            with contextlib.suppress(OSError):
                path.unlink()
            total -= size
        self._estimate = total
