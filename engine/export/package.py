"""The ZIP package of a job: written under a temporary name, renamed only when complete.

``<packages>/<job key>.zip`` is either absent or complete. While a job runs, converted
renditions wait in ``<job key>.staging.part/`` and the ZIP grows as ``<job key>.zip.part``;
anything ending in ``.part`` belongs to a job that has not finished and is removed when that
job turns out to be dead (see :func:`remove_job_files`).

``packages`` is a location (``engine.storage``): a local folder, or a URL on shared storage.
There the ZIP grows in a local temporary file and is uploaded in one PUT, which is atomic;
the renditions it packs are downloaded several at once, ahead of the writer.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import tempfile
import time
import zipfile
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from engine import storage
from engine.errors import PackageTooLarge

PART = ".part"
READ_AHEAD = 8  # files read at once while the ZIP is written (see _read_ahead)
READ_AHEAD_BYTES = 64 * 1024**2
MAX_KEY = 96
#: Formats that are compressed already: stored, not deflated again.
_STORED = frozenset(
    {".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".jp2", ".heic", ".zip", ".mp4", ".pdf"}
)


@dataclass(frozen=True)
class Entry:
    name: str  # already sanitised and unique
    location: str  # the file to package (engine.storage)
    size: int  # its size in bytes


def job_key(job_handle: str) -> str:
    """A short, file-name-safe, unique form of a job handle (which holds '|', the job name
    in any script and length, ...): no dots, at most ``MAX_KEY`` characters."""
    key = re.sub(r"[^A-Za-z0-9_-]+", "_", job_handle).strip("_") or "job"
    if len(key) <= MAX_KEY:
        return key
    digest = hashlib.sha256(job_handle.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{key[: MAX_KEY - 17]}_{digest}"


def package_location(packages: str, job_handle: str) -> str:
    return storage.join(packages, f"{job_key(job_handle)}.zip")


def staging_location(packages: str, job_handle: str) -> str:
    return storage.join(packages, f"{job_key(job_handle)}.staging{PART}")


def write_package(entries: Sequence[Entry], target: str, max_bytes: int) -> str:
    """Write ``entries`` to ``target`` (via ``target.part``); no file at all on failure.

    The files' sizes are checked against ``max_bytes`` first, the finished ZIP (headers and
    all) again before it is renamed (or uploaded).
    """
    total = sum(entry.size for entry in entries)
    if total > max_bytes:
        raise PackageTooLarge(too_large(total, max_bytes))
    local = storage.local_path(target)
    if local is not None:
        temporary = local.with_name(local.name + PART)
    else:
        fd, name = tempfile.mkstemp(suffix=".zip" + PART)
        os.close(fd)
        temporary = Path(name)
    try:
        _write_zip(entries, temporary)
        if temporary.stat().st_size > max_bytes:
            raise PackageTooLarge(too_large(temporary.stat().st_size, max_bytes))
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
        if local is not None:
            os.replace(temporary, local)
        else:
            storage.put_file(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return target


def _write_zip(entries: Sequence[Entry], path: Path) -> None:
    when = time.localtime()[:6]
    with (
        zipfile.ZipFile(path, "w", allowZip64=True) as archive,
        ThreadPoolExecutor(READ_AHEAD, thread_name_prefix="isrender package") as readers,
    ):
        for entry, source in _read_ahead(entries, readers):
            info = zipfile.ZipInfo(entry.name, date_time=when)
            info.compress_type = zipfile.ZIP_STORED if _stored(entry.name) else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with source, archive.open(info, "w", force_zip64=True) as sink:
                shutil.copyfileobj(source, sink, 1024 * 1024)


def _read_ahead(
    entries: Sequence[Entry], readers: ThreadPoolExecutor
) -> Iterator[tuple[Entry, BinaryIO]]:
    """Each entry with its file open for reading, in order. Up to ``READ_AHEAD`` files (and
    ``READ_AHEAD_BYTES``, but always the next one) are read ahead at once, so on shared
    storage the ZIP is written while the next renditions download instead of one GET after
    the other."""
    waiting = deque(entries)
    ahead: deque[tuple[Entry, Future[BinaryIO]]] = deque()
    held = 0
    try:
        while waiting or ahead:
            while (
                waiting
                and len(ahead) < READ_AHEAD
                and (not ahead or held + waiting[0].size <= READ_AHEAD_BYTES)
            ):
                entry = waiting.popleft()
                held += entry.size
                ahead.append((entry, readers.submit(_opened, entry.location)))
            entry, reading = ahead.popleft()
            held -= entry.size
            yield entry, reading.result()
    finally:  # a failure: close what was opened ahead
        for _entry, reading in ahead:
            if not reading.cancel() and reading.exception() is None:
                reading.result().close()


def _opened(location: str) -> BinaryIO:
    """A local file opened, a remote one downloaded whole (one GET)."""
    if storage.is_remote(location):
        return io.BytesIO(storage.read_bytes(location))
    return storage.open_read(location)


def remove_job_files(packages: str, job_handle: str) -> list[str]:
    """Delete the temporary files and the package of a job that ended without recording
    them (only ever called for a job its caller has claimed)."""
    staging = staging_location(packages, job_handle)
    package = package_location(packages, job_handle)
    return [location for location in (staging, package + PART, package) if storage.remove(location)]


def _stored(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in _STORED


def too_large(size: int, limit: int) -> str:
    """The fatal error of a job whose package exceeds ``limit`` bytes."""
    return (
        f"the package would hold at least {size:,} bytes, more than the limit of {limit:,} "
        "bytes per export job; no package was written — export fewer or smaller assets per job"
    )
