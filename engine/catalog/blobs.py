"""Content-addressed store of original files: ``blobs/ab/cdef…`` named by the sha256 hex.

A file is first written to ``blobs/tmp/`` while hashing, then, once accepted, renamed into place
(``os.replace`` on one file system), so a blob is either complete or absent. Identical content
is stored once; blobs are made read-only because many assets may share one.

An upload holds an exclusive lock (``flock``) on its temporary file for as long as it runs; the
operating system releases it when the process ends, however it ends. A temporary file that is
older than ``STALE_AFTER_S`` and whose lock can be taken is therefore a leftover of an
interrupted upload: every upload first deletes those (:meth:`BlobStore.remove_stale_uploads`).
A live upload's file is never touched, however long it runs. Where ``flock`` does not exist,
only files older than ``STALE_WITHOUT_LOCKS_S`` are taken for leftovers.

With shared storage (``remote``, an fsspec URL such as ``s3://bucket/prefix/blobs``, see
``engine.storage``) the store of record is that URL: a committed upload is PUT there (an
atomic write) unless that content is already there, and the local folder becomes a cache of
the same layout. A blob never changes (its name is its content), so a cached copy is never
stale; :meth:`BlobStore.path` fetches a missing one for whoever needs a local file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from engine import storage

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

CHUNK = 1024 * 1024
STALE_AFTER_S = 60.0  # a fresh file may not be locked yet (between mkstemp and flock)
STALE_WITHOUT_LOCKS_S = 24 * 3600.0
UPLOAD_PREFIX = "upload-"


@dataclass(frozen=True)
class StagedBlob:
    """A file written to the temp folder, hashed, not yet in the store."""

    path: Path
    checksum: str
    size: int


class BlobStore:
    def __init__(self, root: Path, remote: str | None = None) -> None:
        self.root = root
        self.remote = remote
        self.tmp = root / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)

    def _local(self, checksum: str) -> Path:
        if len(checksum) != 64 or any(c not in "0123456789abcdef" for c in checksum):
            raise ValueError(f"not a sha256 hex digest: {checksum!r}")
        return self.root / checksum[:2] / checksum[2:]

    def location(self, checksum: str) -> str:
        """The blob's location in the store of record: a local path or a URL (for workers)."""
        local = self._local(checksum)
        if self.remote is None:
            return str(local)
        return storage.join(self.remote, checksum[:2], checksum[2:])

    def path(self, checksum: str) -> Path:
        """A local file holding the blob ``checksum`` (whether or not it exists); with shared
        storage it is fetched into the local cache first if it is there."""
        local = self._local(checksum)
        if self.remote is not None and not local.is_file():
            location = self.location(checksum)
            if storage.exists(location):
                fd, name = tempfile.mkstemp(dir=self.tmp, prefix="fetch-")
                try:
                    with os.fdopen(fd, "wb") as out, storage.open_read(location) as source:
                        shutil.copyfileobj(source, out, CHUNK)
                    self._install(Path(name), local)
                finally:
                    Path(name).unlink(missing_ok=True)
        return local

    def exists(self, checksum: str) -> bool:
        if self._local(checksum).is_file():
            return True
        return self.remote is not None and storage.exists(self.location(checksum))

    def open(self, checksum: str) -> BinaryIO:
        return open(self.path(checksum), "rb")

    @contextlib.contextmanager
    def staged(self, source: str | os.PathLike[str] | bytes) -> Iterator[StagedBlob]:
        """Copy ``source`` (a path or the bytes themselves) to a temp file while hashing it.

        The temp file is removed on leaving the block unless :meth:`commit` moved it into the
        store, so a rejected upload leaves nothing behind.
        """
        self.remove_stale_uploads()
        fd, name = tempfile.mkstemp(dir=self.tmp, prefix=UPLOAD_PREFIX)
        staged_path = Path(name)
        try:
            with os.fdopen(fd, "wb") as out:  # open, and so locked, until the block ends
                _lock(out.fileno())
                digest = hashlib.sha256()
                size = 0
                for chunk in _chunks(source):
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
                out.flush()
                os.fsync(out.fileno())
                yield StagedBlob(staged_path, digest.hexdigest(), size)
        finally:
            staged_path.unlink(missing_ok=True)

    def commit(self, staged: StagedBlob) -> Path:
        """Move a staged file into the store; if the content is already there, keep that copy.
        With shared storage it is uploaded first (unless there already) and then cached."""
        if self.remote is not None:
            location = self.location(staged.checksum)
            if not storage.exists(location):
                storage.put_file(staged.path, location)
        target = self._local(staged.checksum)
        if not target.is_file():
            self._install(staged.path, target)
        return target

    @staticmethod
    def _install(source: Path, target: Path) -> None:
        target.parent.mkdir(exist_ok=True)
        os.chmod(source, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        os.replace(source, target)

    def remove_stale_uploads(self, *, now: float | None = None) -> list[Path]:
        """Delete the temporary files of uploads that were interrupted (see the module
        docstring); returns what was deleted."""
        now = time.time() if now is None else now
        removed = []
        for path in self.tmp.glob(f"{UPLOAD_PREFIX}*"):
            try:
                age = now - path.stat().st_mtime
                if age >= STALE_AFTER_S and _abandoned(path, age):
                    path.unlink()
                    removed.append(path)
            except OSError:  # gone meanwhile (committed or removed by another cleaner)
                continue
        return removed


def _lock(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _abandoned(path: Path, age: float) -> bool:
    """Whether no process is writing ``path`` any more."""
    if fcntl is None:
        return age >= STALE_WITHOUT_LOCKS_S
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False  # its upload is still running
    finally:
        os.close(fd)  # also releases the lock just taken
    return True


def _chunks(source: str | os.PathLike[str] | bytes) -> Iterator[bytes]:
    if isinstance(source, bytes | bytearray | memoryview):
        yield bytes(source)
        return
    with open(source, "rb") as handle:
        while chunk := handle.read(CHUNK):
            yield chunk
