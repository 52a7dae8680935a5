"""Names of the files in an export package: safe, and unique within one job.

Rules, in this order:

1. Sanitise: keep only the last path component (``/`` and ``\\`` both separate), drop control
   characters, replace ``:`` (a Windows drive or stream) with ``_``, strip surrounding spaces
   and dots. What is left empty (or was ``.``/``..``) becomes ``asset-<n>``.
2. A converted asset keeps its base name (the name without its last extension) and takes the
   rendition's extension: ``fileToExport.jpg`` → ``fileToExport.tiff``. An original keeps its
   name as it is.
3. Unique: names are allocated in the order of ``assetHandleArray``; a name already taken (case
   folded, so packages unpack the same on case-insensitive file systems) gets ``-2``, ``-3`` …
   before its extension: ``a.png``, ``a-2.png``, ``a-3.png``.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def sanitise(name: str, fallback: str) -> str:
    """A single, harmless file name for a ZIP entry (rule 1)."""
    last = re.split(r"[/\\]", name)[-1]
    cleaned = _CONTROL.sub("", last).replace(":", "_").strip().strip(".").strip()
    return cleaned or fallback


def split_extension(name: str) -> tuple[str, str]:
    """``("photo", ".jpg")`` for ``photo.jpg``; ``("photo", "")`` without an extension."""
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        return name, ""
    return stem, "." + ext


def converted_name(name: str, extension: str) -> str:
    """Rule 2: the base name of ``name`` with ``extension`` (given without the dot)."""
    return f"{split_extension(name)[0]}.{extension}"


class NameAllocator:
    """Rule 3: hands out each name once per job."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def allocate(self, name: str) -> str:
        stem, ext = split_extension(name)
        candidate, number = name, 1
        while candidate.casefold() in self._taken:
            number += 1
            candidate = f"{stem}-{number}{ext}"
        self._taken.add(candidate.casefold())
        return candidate
