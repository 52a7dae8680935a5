"""E-mail notification of a finished export job, following its ``emailSetting``.

When each setting sends (always once, after the job has finished — Done, stopped or failed —
to the e-mail address of the user who submitted it):

- ``All``: always; the message lists every job log entry.
- ``Error``: only if the job had errors (an asset error or a fatal error); lists the errors.
- ``ErrorAndWarning``: only if the job had errors or warnings; lists errors and warnings.
- ``JobCompletion``: always; summary only, no entries.
- ``None``: never.

Every message holds the job name and handle, its final state, whether it failed fatally, the
start and end dates, the success/error/warning/total counts, and the package location with
its download URL: ``file://``, or the URL of the server that serves it (or "no package").
The subject is ``isrender export "<name>": <outcome>``.

SMTP comes from :class:`SmtpSettings`, given to the coordinator or read from the environment
(``ISRENDER_SMTP_HOST``, ``_PORT``, ``_SENDER``, ``_STARTTLS``, ``_USER``, ``_PASSWORD``).
"""

from __future__ import annotations

import os
import re
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage

from engine import storage
from engine.catalog import JobRecord, LogDetail
from engine.errors import EmailError
from engine.mailbox import single_mailbox

ENV_PREFIX = "ISRENDER_SMTP_"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_SEVERITIES = {
    "All": None,  # every entry
    "Error": ("error",),
    "ErrorAndWarning": ("error", "warning"),
    "JobCompletion": (),
    "None": (),
}


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    sender: str = "isrender@localhost"
    starttls: bool = False
    user: str | None = None
    password: str | None = None
    timeout: float = 30.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SmtpSettings | None:
        """Settings from ``ISRENDER_SMTP_*``; ``None`` when ``ISRENDER_SMTP_HOST`` is unset."""
        env = os.environ if environ is None else environ
        host = env.get(ENV_PREFIX + "HOST", "").strip()
        if not host:
            return None
        port = env.get(ENV_PREFIX + "PORT", "25").strip()
        if not port.isdigit():
            raise EmailError(f"{ENV_PREFIX}PORT must be a port number, not {port!r}")
        starttls = env.get(ENV_PREFIX + "STARTTLS", "").strip().lower() in ("1", "true", "yes")
        return cls(
            host=host,
            port=int(port),
            sender=env.get(ENV_PREFIX + "SENDER") or cls.sender,
            starttls=starttls,
            user=env.get(ENV_PREFIX + "USER") or None,
            password=env.get(ENV_PREFIX + "PASSWORD") or None,
        )


def should_send(setting: str, *, errors: int, warnings: int) -> bool:
    """Whether a job that ended with these counts notifies under ``setting``."""
    if setting in ("All", "JobCompletion"):
        return True
    if setting == "Error":
        return errors > 0
    if setting == "ErrorAndWarning":
        return errors > 0 or warnings > 0
    return False


def compose(
    record: JobRecord,
    details: Sequence[LogDetail],
    sender: str,
    *,
    download_url: str | None = None,
) -> EmailMessage:
    """The message for a finished job with its log ``details``; ``download_url`` replaces the
    package's ``file://`` URL (a server serving packages gives its own). EmailError if the
    sender or the recipient is not one mailbox. Control characters in the job name (a line
    feed) are shown as spaces: a header is one line."""
    if record.fatal_error:
        outcome = "failed"
    elif record.error_count or record.warning_count:
        outcome = f"done with {record.error_count} error(s), {record.warning_count} warning(s)"
    else:
        outcome = "done"
    name = _one_line(record.name)
    message = EmailMessage()
    message["Subject"] = f'isrender export "{name}": {outcome}'
    message["From"] = _mailbox("sender", sender)
    message["To"] = _mailbox("recipient", record.user_email)
    lines = [
        f"Job:      {name}",
        f"Handle:   {_one_line(record.handle)}",
        f"State:    {record.state}" + (" (fatal error)" if record.fatal_error else ""),
        f"Started:  {_date(record.start_date)}",
        f"Ended:    {_date(record.end_date)}",
        f"Assets:   {record.total_count} total, {record.success_count} exported, "
        f"{record.error_count} error(s), {record.warning_count} warning(s)",
        f"Package:  {record.package or 'no package'}",
    ]
    if record.package:
        local = storage.local_path(record.package)
        where = local.resolve().as_uri() if local is not None else record.package
        lines.append(f"Download: {download_url or where}")
    wanted = _SEVERITIES.get(record.email_setting, ())
    shown = [d for d in details if wanted is None or d.severity in wanted]
    if shown:
        lines += ["", "Log:"]
        lines += [_detail_line(detail) for detail in shown]
    message.set_content("\n".join(lines) + "\n")
    return message


def send(settings: SmtpSettings, message: EmailMessage) -> None:
    """Hand ``message`` to the SMTP server; :class:`EmailError` says why it could not."""
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.user:
                smtp.login(settings.user, settings.password or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException, ValueError) as exc:  # ValueError: a bad host name
        where = f"{settings.host}:{settings.port}"
        raise EmailError(f"cannot send the job e-mail through {where}: {exc}") from None


def _mailbox(role: str, address: str) -> Address:
    try:
        return single_mailbox(address)
    except ValueError as exc:
        raise EmailError(
            f"cannot send the job e-mail: {role} {address!r} is invalid: {exc}"
        ) from None


def _one_line(text: str) -> str:
    return _CONTROL.sub(" ", text)


def _date(value: datetime | None) -> str:
    return "-" if value is None else str(value)


def _detail_line(detail: LogDetail) -> str:
    asset = f" {detail.asset_name} ({detail.asset_handle})" if detail.asset_name else ""
    return f"  [{detail.severity}] {detail.log_type}{asset}: {detail.message}"
