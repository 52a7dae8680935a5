"""Closing the jobs whose process died (SIGKILL, power loss) and deleting their leftovers.

A job is active while it is New, Running, Paused or Stopping. It is dead when the process that
owns it ran on this host and is gone, or is this very process and no thread of it runs the job
any more (its bookkeeping failed), or ran on another host and its lease has expired (its
coordinator stopped renewing it, see ``housekeeping``). A job of another host whose lease runs
is left alone.

Recovery only ever touches what it has atomically claimed: each dead job is first claimed (a
compare-and-set on its owner, from the dead process to this one), then marked Done with a
fatal error and a ``FatalError`` "interrupted" entry, its temporary ``*.part`` files and any
package it wrote but never recorded are deleted, and its notification goes out as its
``emailSetting`` says. A live job's files are never touched, whatever their age: they are
named after jobs that recovery did not claim. Recovery is run by the coordinator (see
``Coordinator.recover``), never as a side effect of reading jobs.
"""

from __future__ import annotations

import threading
from typing import Any

from engine.export import joblog
from engine.export.email import SmtpSettings
from engine.export.notify import notify
from engine.export.owner import Liveness, current_owner, job_liveness, registry_lock
from engine.export.package import remove_job_files

# One recovery at a time in a process: a job of this process is claimed by a compare-and-set
# that does not change its owner, so two recoveries here must not both claim it.
_recovering = threading.Lock()


def recover(catalog: Any, smtp: SmtpSettings | None) -> list[str]:
    """Close the dead jobs of every company; returns the handles of the jobs it closed."""
    closed = []
    with _recovering:
        with registry_lock:
            dead = [
                record
                for record in catalog.active_jobs_all()
                if job_liveness(record.handle, record.owner, record.lease_expires) is Liveness.DEAD
            ]
        for record in dead:
            if close_interrupted(catalog, record, smtp):
                closed.append(record.handle)
    return closed


def close_interrupted(catalog: Any, record: Any, smtp: SmtpSettings | None) -> bool:
    """Mark one dead job interrupted; ``False`` if another process claimed or finished it first.

    The job is first claimed, so of several coordinators recovering at once exactly one logs,
    cleans up, notifies and finishes it. Should this process die in turn before finishing,
    the job's owner is again a dead process and the next coordinator closes it.
    """
    if not catalog.claim_job(record.handle, current_owner(), record.owner):
        return False
    remove_job_files(catalog.packages, record.handle)
    log = joblog.JobLog(catalog, record.handle)
    log.job_entry(
        joblog.FATAL,
        "error",
        f"interrupted: the process that ran this job ({record.owner or 'unknown'}) ended "
        f"while the job was {record.state}; no package was kept",
    )
    notify(catalog, log, smtp, package=None, fatal=True)
    catalog.finish_job(record.handle, fatal_error=True)
    return True
