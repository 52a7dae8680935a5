"""Content-addressed store of original files: ``blobs/ab/cdef…`` named by the sha256 hex.

A file is first written to ``blobs/tmp/`` while hashing, then, once accepted, renamed into place
(``os.replace`` on one file system), so a blob is either complete or absent. Identical content
is stored once; blobs are made read-only because many assets may share one.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StagedBlob:
    """A file written to the temp folder, hashed, not yet in the store."""

    path: Path
    checksum: str
    size: int


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)

    def path(self, checksum: str) -> Path:
        """Where the blob ``checksum`` lives (whether or not it exists)."""
        if len(checksum) != 64 or any(c not in "0123456789abcdef" for c in checksum):
            raise ValueError(f"not a sha256 hex digest: {checksum!r}")
        return self.root / checksum[:2] / checksum[2:]

    def exists(self, checksum: str) -> bool:
        return self.path(checksum).is_file()

    def open(self, checksum: str) -> BinaryIO:
        return open(self.path(checksum), "rb")

    @contextlib.contextmanager
    def staged(self, source: str | os.PathLike[str] | bytes) -> Iterator[StagedBlob]:
        """Copy ``source`` (a path or the bytes themselves) to a temp file while hashing it.

        The temp file is removed on leaving the block unless :meth:`commit` moved it into the
        store, so a rejected upload leaves nothing behind.
        """
        fd, name = tempfile.mkstemp(dir=self.tmp, prefix="upload-")
        staged_path = Path(name)
        try:
            digest = hashlib.sha256()
            size = 0
            with os.fdopen(fd, "wb") as out:
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
        """Move a staged file into the store; if the content is already there, keep that copy."""
        target = self.path(staged.checksum)
        if target.is_file():
            return target
        target.parent.mkdir(exist_ok=True)
        os.chmod(staged.path, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        os.replace(staged.path, target)
        return target


def _chunks(source: str | os.PathLike[str] | bytes) -> Iterator[bytes]:
    if isinstance(source, bytes | bytearray | memoryview):
        yield bytes(source)
        return
    with open(source, "rb") as handle:
        while chunk := handle.read(CHUNK):
            yield chunk
