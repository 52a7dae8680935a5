"""The limits of one export job (Scene7's, DMC "Exporting assets"; reference §4.3)."""

from __future__ import annotations

from dataclasses import dataclass

GIB = 1024**3


@dataclass(frozen=True)
class ExportLimits:
    """``max_assets``: handles per job, refused at submit (ApiFault 30001).
    ``max_package_bytes``: size of the ZIP package; a job that would exceed it fails with a
    fatal error and writes no package at all (1 GB is taken as 1 GiB).
    ``max_convert_pixels``: width × height of one converted image; a larger rendition is an
    error entry for that asset only. Originals are not limited (as in Scene7).
    ``max_convert_seconds``: time one conversion may take in its worker process; a
    conversion still running then is ended (its worker is killed and replaced) and is an
    error entry for that asset only; ``None``: no limit. Enforced by the default executor
    (:class:`~engine.export.pool.RecyclingProcessPool`) and on a Dask cluster (inside the
    worker, see :mod:`~engine.export.batch`); not by an executor of your own.
    """

    max_assets: int = 500
    max_package_bytes: int = GIB
    max_convert_pixels: int = 100_000_000
    max_convert_seconds: float | None = 120.0


DEFAULT_LIMITS = ExportLimits()
