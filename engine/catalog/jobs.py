"""The job vocabulary the catalog stores (IPS constants, §4.7) and its argument checks.

States: IPS documents ``Unknown, New, WaitingClient, WaitingCoordinator, Running, Stopping,
Done``; this engine uses ``New``, ``Running``, ``Stopping`` and ``Done``, adds ``Paused``
(``pauseJob``/``resumeJob`` need a state to be in), and ``Unknown`` for a job whose worker
vanished. A job is active until it is finished (``Done`` or ``Unknown``, with an end date).
``progress`` is a fraction 0.0–1.0, as in IPS ``TaskProgress``.
"""

from __future__ import annotations

import re

from engine.errors import ApiFault

JOB_STATES = ("New", "Running", "Paused", "Stopping", "Done", "Unknown")
ACTIVE_STATES = ("New", "Running", "Paused", "Stopping")
FINAL_STATES = ("Done", "Unknown")
SEVERITIES = ("success", "error", "warning", "info")
EMAIL_SETTINGS = ("All", "Error", "ErrorAndWarning", "JobCompletion", "None")
LOG_SORT_FIELDS = ("Date", "LogType")
MAX_LOG_PAGE = 1000


def _invalid(message: str) -> ApiFault:
    return ApiFault(message, code=ApiFault.INVALID_PARAMETER)


def check_choice(what: str, value: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise _invalid(f"invalid {what} {value!r}; expected one of {', '.join(choices)}")
    return value


def check_required(what: str, value: str) -> str:
    if not value or not value.strip():
        raise ApiFault(f"missing {what}", code=ApiFault.MISSING_PARAMETER)
    return value


# Lone surrogates: how Python shows bytes that are not UTF-8 (a command-line argument, PEP 383).
_SURROGATE = re.compile("[\ud800-\udfff]")


def check_text(what: str, value: str) -> str:
    """Refuse text holding bytes that were not UTF-8 (ApiFault 30001).

    Names a user types to find things again (e-mail, company, preset, job) are refused rather
    than stored with U+FFFD as file names are: a replaced name could never be typed back, and
    different bytes would become the same name."""
    bad = None if not isinstance(value, str) or value.isascii() else _SURROGATE.search(value)
    if bad is not None:
        raise _invalid(f"invalid {what} {value!r}: it holds bytes that are not UTF-8")
    return value


def check_progress(progress: float | None) -> float | None:
    if progress is not None and not 0.0 <= progress <= 1.0:
        raise _invalid(f"invalid progress {progress!r}; expected a fraction from 0.0 to 1.0")
    return progress


def check_page(page: int, per_page: int) -> None:
    if page < 1:
        raise _invalid(f"invalid results page {page}; pages count from 1")
    if not 1 <= per_page <= MAX_LOG_PAGE:
        raise _invalid(f"invalid records per page {per_page}; expected 1 to {MAX_LOG_PAGE}")
