"""The ZIP package of a job: written under a temporary name, renamed only when complete.

``<packages>/<job key>.zip`` is either absent or complete. While a job runs, converted
renditions wait in ``<job key>.staging.part/`` and the ZIP grows as ``<job key>.zip.part``;
anything ending in ``.part`` belongs to a job that has not finished and is removed when that
job turns out to be dead (see :func:`remove_job_files`).

``packages`` is a location (``engine.storage``): a local folder, or a URL on shared storage.
There the ZIP grows in a local temporary file and is uploaded in one PUT, which is atomic.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from engine import storage
from engine.errors import PackageTooLarge

PART = ".part"
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
    with zipfile.ZipFile(path, "w", allowZip64=True) as archive:
        for entry in entries:
            info = zipfile.ZipInfo(entry.name, date_time=when)
            info.compress_type = zipfile.ZIP_STORED if _stored(entry.name) else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with (
                storage.open_read(entry.location) as source,
                archive.open(info, "w", force_zip64=True) as sink,
            ):
                shutil.copyfileobj(source, sink, 1024 * 1024)


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
