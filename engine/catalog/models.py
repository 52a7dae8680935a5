"""The catalog's records: frozen dataclasses handed out by :class:`~engine.catalog.Catalog`.

All dates are timezone-aware UTC datetimes; all handles are opaque strings (see ``handles``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Company:
    handle: str
    name: str


@dataclass(frozen=True)
class User:
    handle: str
    email: str
    first_name: str = ""
    last_name: str = ""


@dataclass(frozen=True)
class Asset:
    """An uploaded file or a set of other assets.

    ``asset_type`` is an IPS asset type (§4.4) for files: ``Image``, ``Pdf``, ``Svg``, ``Zip``,
    ``Video``, ``PostScript``, ``Xml`` or the generic ``Asset``. For sets it is the kind of set:
    ``ImageSet``, ``SpinSet``, ``RenderSet``, ``MediaSet``, ``VideoSet``, ``eCatalog``,
    ``OfferSet`` or ``MultiBitrateVideoSet`` (IPS files the last five as ``AssetSet`` with that
    ``subType``; one string is what callers dispatch on). ``blob`` and ``checksum`` are the
    sha256 of the original file, ``None`` for sets; ``members`` lists a set's asset handles.
    ``url_modifier`` and ``url_post_modifier`` are IS's ``catalog::Modifier`` (applied before
    the request) and ``catalog::PostModifier`` (after it), set with IPS ``setUrlModifier``;
    ``modified`` is when the file or those modifiers last changed.
    """

    handle: str
    name: str
    asset_type: str
    company: str
    folder: str
    size: int
    width: int | None
    height: int | None
    checksum: str | None
    uploaded: datetime
    members: tuple[str, ...] = ()
    blob: str | None = None
    url_modifier: str = ""
    url_post_modifier: str = ""
    modified: datetime | None = None

    @property
    def is_set(self) -> bool:
        return self.blob is None


@dataclass(frozen=True)
class JobRecord:
    """A job and its job-log summary; the counts are derived from the log rows by severity."""

    handle: str
    company: str
    user: str
    user_email: str
    name: str
    job_type: str
    state: str
    spec: dict[str, Any]
    email_setting: str
    progress: float | None
    message: str | None
    owner: str | None
    submit_date: datetime
    start_date: datetime | None
    end_date: datetime | None
    package: str | None
    fatal_error: bool
    success_count: int = 0
    error_count: int = 0
    warning_count: int = 0
    lease_expires: datetime | None = None  # see engine.export.owner
    total_count: int = field(init=False)

    def __post_init__(self) -> None:
        total = self.success_count + self.error_count + self.warning_count
        object.__setattr__(self, "total_count", total)

    @property
    def finished(self) -> bool:
        return self.end_date is not None


@dataclass(frozen=True)
class LogDetail:
    """One job-log entry (IPS ``JobLogDetail`` plus its date and severity)."""

    log_type: str
    message: str
    severity: str
    asset_name: str | None
    asset_type: str | None
    asset_handle: str | None
    date: datetime


@dataclass(frozen=True)
class ScheduledJob:
    """A job submitted with ``execTime`` (``exec_schedule`` is ``None``: it fires once) or
    ``execSchedule`` (a Quartz cron expression, read in ``time_zone``), not run yet.
    ``next_fire`` is when the scheduler submits it next."""

    handle: str
    company: str
    user: str
    user_email: str
    name: str
    job_type: str
    spec: dict[str, Any]
    description: str
    exec_schedule: str | None
    time_zone: str
    next_fire: datetime | None
    created: datetime
