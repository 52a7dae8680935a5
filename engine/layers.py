"""Resolvers: how the object names of ``src=`` and ``mask=`` become image data.

A resolver is any callable ``name -> source`` (a path, bytes, a binary file or a PIL image)
that raises :class:`~engine.errors.SourceError` for a name it cannot serve; the render core
never looks anything up itself. The CLI serves a folder (:class:`FolderResolver`); exports
and servers serve the company's catalog.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path

from engine.errors import SourceError


class FolderResolver:
    """Objects are files under one folder: ``brand/logo`` is ``FOLDER/brand/logo`` or, when
    that does not exist, the one ``FOLDER/brand/logo.*`` (IS object names usually omit the
    extension). A leading ``/`` is ignored; nothing outside the folder is served."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()

    def __call__(self, name: str) -> Path:
        path = (self.root / name.lstrip("/")).resolve()
        if not path.is_relative_to(self.root):
            raise SourceError(f"object {name!r} is outside the folder {self.root}")
        if path.is_file():
            return path
        pattern = glob.escape(str(path)) + ".*"
        matches = sorted(p for p in map(Path, glob.glob(pattern)) if p.is_file())
        if len(matches) == 1:
            return matches[0]
        if matches:
            found = ", ".join(p.name for p in matches)
            raise SourceError(f"object {name!r} is ambiguous in {self.root}: {found}")
        raise SourceError(f"no image named {name!r} in {self.root}")

    def __repr__(self) -> str:
        return f"FolderResolver({str(self.root)!r})"
