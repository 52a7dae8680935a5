"""Closing the jobs of processes that died (SIGKILL, power loss) and deleting their leftovers.

A job is active while it is New, Running, Paused or Stopping. If the process that owns it ran
on this host and is gone, the job is claimed (its owner becomes this process: see
:func:`close_interrupted`), marked Done with a fatal error and a ``FatalError`` "interrupted"
entry, and its notification goes out as its ``emailSetting`` says. Jobs owned by
another host are left alone (their process cannot be checked from here). Then every temporary
``*.part`` file or folder under ``packages/`` that no live job owns is deleted; a complete
package is never touched.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.export import joblog
from engine.export.email import SmtpSettings
from engine.export.notify import notify
from engine.export.owner import Liveness, current_owner, owner_liveness
from engine.export.package import job_key, remove_temporaries


def recover(catalog: Any, smtp: SmtpSettings | None) -> list[str]:
    """Close the dead jobs, clean up; returns the handles of the jobs it closed."""
    closed, live = [], []
    for record in catalog.active_jobs_all():
        if owner_liveness(record.owner) is Liveness.DEAD:
            if close_interrupted(catalog, record, smtp):
                closed.append(record.handle)
        else:
            live.append(job_key(record.handle))
    remove_temporaries(Path(catalog.home) / "packages", live)
    return closed


def close_interrupted(catalog: Any, record: Any, smtp: SmtpSettings | None) -> bool:
    """Mark one dead job interrupted; ``False`` if another process claimed or finished it first.

    The job is first claimed (a compare-and-set on its owner, from the dead process to this
    one), so of several coordinators recovering at once exactly one logs, notifies and
    finishes it. Should this process die in turn before finishing, the job's owner is again a
    dead process and the next coordinator closes it.
    """
    if not catalog.claim_job(record.handle, current_owner(), record.owner):
        return False
    log = joblog.JobLog(catalog, record.handle)
    log.job_entry(
        joblog.FATAL,
        "error",
        f"interrupted: the process that ran this job ({record.owner or 'unknown'}) ended "
        f"while the job was {record.state}; no package was written",
    )
    notify(catalog, log, smtp, package=None, fatal=True)
    catalog.finish_job(record.handle, fatal_error=True)
    return True
