"""The ZIP package of a job: written under a temporary name, renamed only when complete.

``<packages>/<job key>.zip`` is either absent or complete. While a job runs, converted
renditions wait in ``<job key>.staging.part/`` and the ZIP grows as ``<job key>.zip.part``;
anything ending in ``.part`` belongs to a job that has not finished and is removed when that
job turns out to be dead (see :func:`remove_job_files`).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

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
    path: Path


def job_key(job_handle: str) -> str:
    """A short, file-name-safe, unique form of a job handle (which holds '|', the job name
    in any script and length, ...): no dots, at most ``MAX_KEY`` characters."""
    key = re.sub(r"[^A-Za-z0-9_-]+", "_", job_handle).strip("_") or "job"
    if len(key) <= MAX_KEY:
        return key
    digest = hashlib.sha256(job_handle.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{key[: MAX_KEY - 17]}_{digest}"


def package_path(packages: Path, job_handle: str) -> Path:
    return packages / f"{job_key(job_handle)}.zip"


def staging_path(packages: Path, job_handle: str) -> Path:
    return packages / f"{job_key(job_handle)}.staging{PART}"


def write_package(entries: Sequence[Entry], target: Path, max_bytes: int) -> Path:
    """Write ``entries`` to ``target`` (via ``target.part``); no file at all on failure.

    The files' sizes are checked against ``max_bytes`` first, the finished ZIP (headers and
    all) again before it is renamed.
    """
    total = sum(entry.path.stat().st_size for entry in entries)
    if total > max_bytes:
        raise PackageTooLarge(too_large(total, max_bytes))
    temporary = target.with_name(target.name + PART)
    try:
        with zipfile.ZipFile(temporary, "w", allowZip64=True) as archive:
            for entry in entries:
                method = zipfile.ZIP_STORED if _stored(entry.name) else zipfile.ZIP_DEFLATED
                archive.write(entry.path, entry.name, compress_type=method)
        if temporary.stat().st_size > max_bytes:
            raise PackageTooLarge(too_large(temporary.stat().st_size, max_bytes))
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return target


def remove_job_files(packages: Path, job_handle: str) -> list[Path]:
    """Delete the temporary files and the package of a job that ended without recording
    them (only ever called for a job its caller has claimed)."""
    staging, package = staging_path(packages, job_handle), package_path(packages, job_handle)
    removed = []
    for path in (staging, package.with_name(package.name + PART), package):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        elif path.exists():
            path.unlink(missing_ok=True)
        else:
            continue
        removed.append(path)
    return removed


def _stored(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in _STORED


def too_large(size: int, limit: int) -> str:
    """The fatal error of a job whose package exceeds ``limit`` bytes."""
    return (
        f"the package would hold at least {size:,} bytes, more than the limit of {limit:,} "
        "bytes per export job; no package was written — export fewer or smaller assets per job"
    )
