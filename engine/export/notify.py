"""Send a finished job's notification (rules in :mod:`engine.export.email`) and log the result.

Called just before the job is marked finished, so whoever waits for the job sees the e-mail
already handed to the SMTP server; a failure to send is a warning entry, never a job failure.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from engine.export import email, joblog


def notify(
    catalog: Any,
    log: joblog.JobLog,
    smtp: email.SmtpSettings | None,
    *,
    package: str | None,
    fatal: bool,
    url: str | None = None,
) -> None:
    """``url``: where the package can be downloaded (default: its ``file://`` URL)."""
    record = catalog.get_job(log.job)
    counts = {"errors": record.error_count, "warnings": record.warning_count}
    if not email.should_send(record.email_setting, **counts):
        return
    if smtp is None:
        log.job_entry(
            joblog.EMAIL_FAILURE,
            "warning",
            f"no e-mail sent to {record.user_email}: no SMTP server is configured "
            f"(set {email.ENV_PREFIX}HOST)",
        )
        return
    final = replace(
        record, state="Done", package=package, fatal_error=fatal, end_date=datetime.now(UTC)
    )
    try:
        details = _all_details(catalog, log.job)
        email.send(smtp, email.compose(final, details, smtp.sender, download_url=url))
    except email.EmailError as exc:
        log.job_entry(joblog.EMAIL_FAILURE, "warning", str(exc))
        return
    except Exception as exc:  # whatever else goes wrong with the e-mail, the job's work stands
        log.job_entry(
            joblog.EMAIL_FAILURE,
            "warning",
            f"cannot send the job e-mail: {type(exc).__name__}: {exc}",
        )
        return
    log.job_entry(joblog.EMAIL_SENT, "info", f"e-mail sent to {record.user_email}")


def _all_details(catalog: Any, job: str) -> list[Any]:
    details: list[Any] = []
    page = 1
    while True:
        batch = catalog.job_log_details(job, page=page, per_page=1000)
        details.extend(batch)
        if len(batch) < 1000:
            return details
        page += 1
