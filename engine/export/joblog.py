"""The job log an export writes, in IPS log types (reference §4.7).

IPS has no export-specific log types; the "get" family fits best. The mapping:

================  ========  =============================================================
logType           severity  when
================  ========  =============================================================
BeginGet          info      the job starts (asset count, fmt, the IS request)
ReturnSuccess     success   an asset is in the package (its entry name, format, size)
ReturnSuccess     warning   a convert job exported an asset as its original (not an image)
GetFailure        error     an asset was refused (set type), its original is missing, or
                            its conversion failed (corrupt file, render error, Mpixel limit)
FileCancel        warning   the job was stopped before the asset was exported
DuplicateSkipped  info      the same handle was given again; exported once
FatalError        error     the job failed as a whole (package limit, interrupted process)
EndGet            info      the job ends (files and package location)
EmailSent         info      the notification went out (not an IPS type)
EmailFailure      warning   the notification could not be sent (not an IPS type)
================  ========  =============================================================

Counts follow severity: ``success_count`` is what the package holds without caveat,
``warning_count`` originals-instead and cancellations (and a failed e-mail), ``error_count``
the failed assets plus a fatal error.
"""

from __future__ import annotations

from typing import Any

from engine.export.prepare import AssetRef

BEGIN = "BeginGet"
SUCCESS = "ReturnSuccess"
FAILURE = "GetFailure"
CANCEL = "FileCancel"
DUPLICATE = "DuplicateSkipped"
FATAL = "FatalError"
END = "EndGet"
EMAIL_SENT = "EmailSent"
EMAIL_FAILURE = "EmailFailure"


class JobLog:
    """Writes one job's entries; each is committed by the catalog as it is added."""

    def __init__(self, catalog: Any, job: str) -> None:
        self.catalog = catalog
        self.job = job

    def job_entry(self, log_type: str, severity: str, message: str) -> None:
        self.catalog.add_job_log(self.job, log_type=log_type, message=message, severity=severity)

    def asset_entry(self, log_type: str, severity: str, asset: AssetRef, message: str) -> None:
        self.catalog.add_job_log(
            self.job,
            log_type=log_type,
            message=message,
            severity=severity,
            asset_name=asset.name,
            asset_type=asset.asset_type,
            asset_handle=asset.handle,
        )
