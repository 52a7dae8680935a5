"""Where blobs, staged renditions and packages live: a local folder, or any fsspec URL.

A *location* is a string: a local path (the default, and ``file://`` URLs, which become
paths), or a URL such as ``s3://bucket/prefix/blobs/ab/cd…`` that fsspec opens. Local
locations use the file system directly, exactly as before shared storage existed (fsspec is
not even imported); URLs go through fsspec, which is how Dask workers on other hosts read an
original and write a rendition that the coordinator then packages.

Atomic writes on every backend: a local file is written under a temporary name and renamed
(``os.replace``); an object store's PUT is atomic by itself (an object is either absent or
complete), so :func:`put_file` uploads to the final key directly.

``ISRENDER_STORAGE`` (or ``Catalog.open(storage=…)``) chooses the root; S3 needs
``pip install 'isrender[s3]'`` and the usual settings (``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, and for an S3-compatible service ``FSSPEC_S3_ENDPOINT_URL``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import unquote, urlparse

from engine.errors import SettingsError

ENV_STORAGE = "ISRENDER_STORAGE"
#: The extra that brings each protocol's fsspec implementation.
EXTRAS = {"s3": "s3", "s3a": "s3"}


def local_path(location: str) -> Path | None:
    """The path of a local location (a path or a ``file://`` URL), ``None`` for a URL."""
    if location.startswith("file://"):
        return Path(unquote(urlparse(location).path))
    if "://" in location:
        return None
    return Path(location)


def is_remote(location: str) -> bool:
    return local_path(location) is None


def source_of(location: str) -> Path | bytes:
    """What ``engine.render`` takes for a location: the path of a local file, the bytes of a
    remote one."""
    path = local_path(location)
    return path if path is not None else read_bytes(location)


def join(base: str, *parts: str) -> str:
    path = local_path(base)
    if path is not None:
        return str(path.joinpath(*parts))
    return "/".join([base.rstrip("/"), *parts])


def filesystem(location: str) -> tuple[Any, str]:
    """The fsspec file system of a URL and the path within it; SettingsError naming the extra
    when its implementation is not installed."""
    protocol = location.split("://", 1)[0]
    extra = EXTRAS.get(protocol)
    hint = f"pip install 'isrender[{extra}]'" if extra else "install its fsspec implementation"
    try:
        import fsspec.core
    except ImportError:
        raise SettingsError(
            f"storage at {location} needs fsspec: {hint} (or 'isrender[s3]' for S3)"
        ) from None
    try:
        return fsspec.core.url_to_fs(location)
    except (ImportError, ValueError) as exc:
        raise SettingsError(f"storage at {location} cannot be used: {exc}; {hint}") from None


def check_root(location: str) -> str:
    """A storage root as given (a local folder is created); SettingsError for an unusable one."""
    path = local_path(location)
    if path is None:
        filesystem(location)
        return location.rstrip("/")
    path.mkdir(parents=True, exist_ok=True)
    return str(path)


def exists(location: str) -> bool:
    path = local_path(location)
    if path is not None:
        return path.is_file()
    fs, inner = filesystem(location)
    return fs.exists(inner)


def size(location: str) -> int:
    """The size in bytes; OSError if it cannot be read."""
    path = local_path(location)
    if path is not None:
        return path.stat().st_size
    fs, inner = filesystem(location)
    try:
        return int(fs.size(inner))
    except FileNotFoundError:
        raise
    except Exception as exc:
        raise OSError(f"cannot read {location}: {exc}") from exc


def open_read(location: str) -> BinaryIO:
    path = local_path(location)
    if path is not None:
        return open(path, "rb")
    fs, inner = filesystem(location)
    return fs.open(inner, "rb")


def read_bytes(location: str) -> bytes:
    """A whole file; remotely one GET (no HEAD first)."""
    path = local_path(location)
    if path is not None:
        return path.read_bytes()
    fs, inner = filesystem(location)
    return fs.cat_file(inner)


def write_bytes(location: str, data: bytes) -> None:
    """Write a whole file: locally under a temporary name then renamed, remotely one PUT."""
    path = local_path(location)
    if path is None:
        fs, inner = filesystem(location)
        fs.pipe_file(inner, data)
        return
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def put_file(source: Path, location: str) -> None:
    """Store the local file ``source`` at ``location``, atomically (see the module
    docstring); ``source`` is left in place."""
    path = local_path(location)
    if path is None:
        fs, inner = filesystem(location)
        fs.put_file(str(source), inner)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.part")
    try:
        shutil.copyfile(source, temporary)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def names(folder: str) -> set[str]:
    """The names of the files in ``folder`` (one listing; empty if there is none)."""
    path = local_path(folder)
    if path is not None:
        try:
            return set(os.listdir(path))
        except FileNotFoundError:
            return set()
    fs, inner = filesystem(folder)
    try:
        listed = fs.ls(inner, detail=False, refresh=True)
    except FileNotFoundError:
        return set()
    return {name.rstrip("/").rsplit("/", 1)[-1] for name in listed}


def make_folder(location: str) -> None:
    """A local folder is created; object stores have no folders."""
    path = local_path(location)
    if path is not None:
        path.mkdir(parents=True, exist_ok=True)


def remove(location: str) -> bool:
    """Delete a file or a folder (with its contents); whether there was one."""
    path = local_path(location)
    if path is not None:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
            return True
        if path.exists():
            path.unlink(missing_ok=True)
            return True
        return False
    fs, inner = filesystem(location)
    fs.invalidate_cache()
    if not fs.exists(inner):
        return False
    fs.rm(inner, recursive=True)
    return True
