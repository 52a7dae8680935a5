"""Catalog records as the JSON the pages read."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import quote

from engine.catalog import Asset, Company, JobRecord, LogDetail


def asset(company: Company, record: Asset) -> dict[str, Any]:
    """An asset; ``path`` is its Image Serving URL path when it is an image."""
    image = record.asset_type == "Image" and record.blob is not None
    return {
        "handle": record.handle,
        "name": record.name,
        "type": record.asset_type,
        "folder": record.folder,
        "width": record.width,
        "height": record.height,
        "size": record.size,
        "path": f"/is/image/{quote(company.name, safe='')}/{quote(record.name, safe='')}"
        if image
        else None,
    }


def job(record: JobRecord) -> dict[str, Any]:
    return {
        "handle": record.handle,
        "name": record.name,
        "state": record.state,
        "finished": record.finished,
        "progress": record.progress,
        "message": record.message,
        "user": record.user_email,
        "submitted": _date(record.submit_date),
        "started": _date(record.start_date),
        "ended": _date(record.end_date),
        "success": record.success_count,
        "errors": record.error_count,
        "warnings": record.warning_count,
        "total": record.total_count,
        "fatal": record.fatal_error,
        "package": bool(record.package),
        "spec": record.spec,
    }


def detail(entry: LogDetail) -> dict[str, Any]:
    return {
        "date": _date(entry.date),
        "severity": entry.severity,
        "type": entry.log_type,
        "message": entry.message,
        "asset": entry.asset_name,
        "assetType": entry.asset_type,
        "assetHandle": entry.asset_handle,
    }


def safe_file_name(name: str) -> str:
    """A job name as a download's file name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "package"


def _date(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None
