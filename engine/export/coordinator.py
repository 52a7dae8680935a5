"""The ExportJob coordinator: the IPS job operations for export jobs (reference §4.2, §4.5).

Each method first checks the session's role (``session.require``; AuthorizationFault 20003) and
acts only on the session's company: another company's job handle is refused exactly like an
unknown one (AuthorizationFault 20005).

Jobs run in background threads of the process that submitted them; conversions run on an
executor (by default local worker processes, one per CPU, recycled regularly — see ``pool``).
Control goes through the job's state in the catalog, so ``stop_job``, ``pause_job`` and
``resume_job`` work from any process, e.g. ``isrender jobs stop`` in another terminal:

- ``pause_job`` (New or Running → Paused): no further asset is dispatched; conversions in
  flight finish. ``resume_job`` (Paused → Running) continues.
- ``stop_job`` (New, Running or Paused → Stopping): conversions in flight finish, every asset
  not yet dispatched is logged ``FileCancel``, the package of what was done is still written,
  and the job ends Done (without a fatal error). Stopping a job whose process is gone closes
  it at once as interrupted.

Each operation is one compare-and-set on the job's state, so two processes controlling the same
job at the same moment never undo each other; an operation that does not apply to the job's
state (resuming a job that is not Paused, pausing a Stopping one, any on a finished job) is
refused with JobError.

Crash recovery (closing the jobs whose process died, see ``recovery``) is the coordinator's
work, never a side effect of reading: from its first job on, a coordinator renews the lease of
the jobs it runs every ``lease_seconds / 3`` and runs recovery every ``lease_seconds`` (see
``housekeeping``), so a job whose coordinator died on another host sharing the catalog is
closed once its lease has expired; :meth:`Coordinator.recover` runs it on demand. Stopping a
dead job closes it at once, as above.

A job whose bookkeeping keeps failing (the catalog's write lock held elsewhere for longer than
its busy timeout, a full disk) is retried a few times and otherwise abandoned: ``wait`` raises
JobError at once instead of waiting for ever, and the job is closed as interrupted by the next
recovery.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future
from datetime import datetime
from typing import Any

from engine.catalog import Catalog, JobRecord, LogDetail
from engine.cores import usable_cores
from engine.errors import AuthorizationFault, JobError, SettingsError
from engine.export import owner
from engine.export.batch import convert_batch
from engine.export.cluster import BATCH, DaskExecutor, chosen_executor
from engine.export.email import SmtpSettings
from engine.export.housekeeping import DEFAULT_LEASE_S, Housekeeper, lease_until
from engine.export.job import ExportJob
from engine.export.limits import DEFAULT_LIMITS, ExportLimits
from engine.export.pool import RecyclingProcessPool
from engine.export.prepare import Prepared, prepare
from engine.export.recovery import close_interrupted, recover
from engine.export.runner import JobRunner
from engine.export.worker import PRELOAD, ConvertTask

JOB_TYPE = "ExportJob"  # IPS JobTypes has no export value; the job detail's type name

# The states each control operation applies to; the target state is included where repeating
# the operation changes nothing.
STOPPABLE = ("New", "Running", "Paused", "Stopping")
PAUSABLE = ("New", "Running", "Paused")
RESUMABLE = ("Paused",)


class Coordinator:
    """``executor``: any :class:`concurrent.futures.Executor` for the conversions, or the
    address of a Dask scheduler (``"tcp://host:8786"``, see ``cluster``); default
    ``$ISRENDER_EXECUTOR``, else a :class:`RecyclingProcessPool` of ``max_workers`` local
    processes (default: one per CPU). With your own executor, ``max_workers`` is how many
    conversion tasks one job keeps in flight (default: CPUs; on Dask twice the cluster's
    worker threads when the coordinator is made, each task a batch of up to
    ``cluster.BATCH`` assets). Your own executor gets one conversion per task and no time
    limit.
    ``smtp``: where notifications go; default from ``ISRENDER_SMTP_*``, none if unset.
    ``poll_interval``: how often a running job reads its state (pause/stop) and ``wait``
    reads the job.
    ``lease_seconds``: how long a job of this coordinator counts as alive for coordinators
    on other hosts without a heartbeat (see ``housekeeping``).
    ``package_url``: job handle → the URL a front end serves the job's package at; given, it
    is written in the job's ``EndGet`` log entry and the e-mail instead of the file's path.
    """

    def __init__(
        self,
        catalog: Catalog,
        *,
        executor: Executor | str | None = None,
        max_workers: int | None = None,
        smtp: SmtpSettings | None = None,
        limits: ExportLimits = DEFAULT_LIMITS,
        poll_interval: float = 0.2,
        lease_seconds: float = DEFAULT_LEASE_S,
        package_url: Callable[[str], str] | None = None,
    ) -> None:
        if max_workers is not None and (not isinstance(max_workers, int) or max_workers < 1):
            raise SettingsError(f"max_workers must be 1 or more, not {max_workers!r}")
        if limits.max_convert_seconds is not None and not limits.max_convert_seconds > 0:
            raise SettingsError(
                "ExportLimits.max_convert_seconds must be more than 0 (or None: no limit), "
                f"not {limits.max_convert_seconds!r}"
            )
        if not isinstance(lease_seconds, int | float) or not lease_seconds > 0:
            raise SettingsError(f"lease_seconds must be more than 0, not {lease_seconds!r}")
        self.catalog = catalog
        self.lease_seconds = float(lease_seconds)
        self.limits = limits
        self.smtp = smtp if smtp is not None else SmtpSettings.from_env()
        self.poll_interval = poll_interval
        self.package_url = package_url
        executor = chosen_executor(executor)
        self._cluster = DaskExecutor(executor) if isinstance(executor, str) else None
        # On Dask a job keeps twice the cluster's threads in flight: a worker that finishes
        # has its next task at hand instead of waiting for the round trip through this process.
        default_workers = 2 * self._cluster.threads if self._cluster is not None else None
        self.workers = max_workers or default_workers or usable_cores()
        self._executor = self._cluster or executor
        # On Dask several assets go in one task, each under the time limit the task enforces
        # itself (see ``batch``); the local pool enforces it by killing its worker.
        on_dask = isinstance(self._executor, DaskExecutor)
        self._batch = BATCH if on_dask else 1
        self._task_time_limit = limits.max_convert_seconds if on_dask else None
        self._pool: RecyclingProcessPool | None = None
        self._lock = threading.Lock()
        self._threads: dict[str, threading.Thread] = {}
        self._failures: dict[str, Exception] = {}
        self._housekeeper: Housekeeper | None = None
        self._closed = False

    # --- submitJob ---------------------------------------------------------------------------

    def submit_job(self, session: Any, job: ExportJob, *, name: str | None = None) -> str:
        """Validate, record and start ``job``; returns its handle at once (state New).

        ApiFault 30002/30001 for missing/invalid fields or limits, AuthorizationFault 20005 for
        a handle that is unknown or another company's; nothing is recorded then.
        """
        session.require("submitJob")
        if self._closed:
            raise JobError("this coordinator is closed; create a new one to submit jobs")
        prepared = prepare(session, job, self.limits)
        with owner.registry_lock:  # recovery never sees the new job unregistered
            handle = self.catalog.create_job(
                company=session.company.handle,
                user=session.user.handle,
                name=name or f"Export_{datetime.now():%Y-%m-%d-%H:%M:%S}",
                job_type=JOB_TYPE,
                spec=prepared.job.to_spec(),
                email_setting=prepared.job.email_setting or "None",
                owner=owner.current_owner(),
                lease_expires=lease_until(self.lease_seconds),
            )
            owner.register(handle)
        thread = threading.Thread(
            target=self._run, args=(handle, prepared), name=f"isrender {handle}", daemon=True
        )
        with self._lock:
            self._threads[handle] = thread
            if self._housekeeper is None:
                self._housekeeper = Housekeeper(
                    self.catalog.reopen, self.recover, self.lease_seconds
                )
                self._housekeeper.start()
        thread.start()
        return handle

    def recover(self) -> list[str]:
        """Close the jobs of every company whose process died (see ``recovery``); returns
        their handles. For a service to call when it starts; from its first job on, the
        coordinator runs it every ``lease_seconds``."""
        with self.catalog.reopen() as catalog:  # this thread's own connection
            return recover(catalog, self.smtp)

    def _run(self, handle: str, prepared: Prepared) -> None:
        try:
            with self.catalog.reopen() as catalog:  # this thread's own connection
                JobRunner(
                    catalog,
                    handle,
                    prepared,
                    submit=self._submit,
                    window=self.workers,
                    batch=self._batch,
                    limits=self.limits,
                    smtp=self.smtp,
                    poll=self.poll_interval,
                    package_url=self.package_url,
                ).run()
        except Exception as exc:  # the job's end could not be recorded
            with self._lock:
                self._failures[handle] = exc
        finally:
            owner.unregister(handle)
            with self._lock:
                self._threads.pop(handle, None)

    def _submit(self, tasks: tuple[ConvertTask, ...]) -> Future:
        return self._current_executor().submit(convert_batch, tasks, self._task_time_limit)

    def _current_executor(self) -> Executor:
        if self._executor is not None:
            return self._executor
        with self._lock:
            if self._pool is None:
                self._pool = RecyclingProcessPool(
                    self.workers, time_limit=self.limits.max_convert_seconds, preload=PRELOAD
                )
            return self._pool

    # --- watching ----------------------------------------------------------------------------

    def wait(
        self,
        session: Any,
        job_handle: str,
        *,
        progress: Callable[[JobRecord], None] | None = None,
        timeout: float | None = None,
    ) -> JobRecord:
        """Block until the job has finished; ``progress`` gets the record whenever its state,
        progress or message changed. JobError if ``timeout`` seconds pass first. Needs the
        ``getActiveJobs`` permission; works for jobs run by any process."""
        session.require("getActiveJobs")
        record = self._job(session, job_handle)
        deadline = None if timeout is None else time.monotonic() + timeout
        seen = None
        while True:
            if progress is not None and seen != (record.state, record.progress, record.message):
                seen = (record.state, record.progress, record.message)
                progress(record)
            if record.finished:
                return record
            with self._lock:
                failure = self._failures.get(job_handle)
            if failure is not None:
                raise JobError(str(failure)) from None
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise JobError(
                    f"job {job_handle} is still {record.state} after {timeout:g} s "
                    f"({record.message or 'no progress yet'})"
                )
            time.sleep(self.poll_interval if left is None else min(self.poll_interval, left))
            record = self.catalog.get_job(job_handle)

    def get_active_jobs(self, session: Any) -> list[JobRecord]:
        """``getActiveJobs``: the company's unfinished jobs, newest first."""
        session.require("getActiveJobs")
        return self.catalog.list_jobs(session.company.handle, active_only=True)

    def get_job_logs(
        self, session: Any, *, user: str | None = None, limit: int | None = None
    ) -> list[JobRecord]:
        """``getJobLogs``: the company's jobs with their counts, newest first."""
        session.require("getJobLogs")
        return self.catalog.list_jobs(session.company.handle, user=user, limit=limit)

    def get_job(self, session: Any, job_handle: str) -> JobRecord:
        """One of the company's jobs with its counts (``getJobLogs`` for one job); another
        company's handle is refused like an unknown one."""
        session.require("getJobLogs")
        return self._job(session, job_handle)

    def get_job_log_details(
        self,
        session: Any,
        job_handle: str,
        *,
        log_types: Sequence[str] | None = None,
        page: int = 1,
        per_page: int = 1000,
        sort_by: str = "Date",
        descending: bool = False,
    ) -> list[LogDetail]:
        """``getJobLogDetails``: one page of the job's entries."""
        session.require("getJobLogDetails")
        self._job(session, job_handle)
        return self.catalog.job_log_details(
            job_handle,
            log_types=log_types,
            page=page,
            per_page=per_page,
            sort_by=sort_by,
            descending=descending,
        )

    # --- control -------------------------------------------------------------------------------

    def stop_job(self, session: Any, job_handle: str) -> JobRecord:
        """``stopJob`` (see the module docstring); stopping a Stopping job changes nothing."""
        session.require("stopJob")
        record = self._job(session, job_handle)
        self._transition(job_handle, STOPPABLE, "Stopping", "stopped")
        liveness = owner.job_liveness(record.handle, record.owner, record.lease_expires)
        if liveness is owner.Liveness.DEAD:
            close_interrupted(self.catalog, record, self.smtp)
        return self.catalog.get_job(job_handle)

    def pause_job(self, session: Any, job_handle: str) -> JobRecord:
        """``pauseJob``: New or Running → Paused; pausing a Paused job changes nothing."""
        session.require("pauseJob")
        self._job(session, job_handle)
        self._transition(job_handle, PAUSABLE, "Paused", "paused")
        return self.catalog.get_job(job_handle)

    def resume_job(self, session: Any, job_handle: str) -> JobRecord:
        """``resumeJob``: Paused → Running; any other job is refused (JobError)."""
        session.require("resumeJob")
        self._job(session, job_handle)
        self._transition(job_handle, RESUMABLE, "Running", "resumed")
        return self.catalog.get_job(job_handle)

    def _transition(
        self, job_handle: str, from_states: tuple[str, ...], to_state: str, verb: str
    ) -> None:
        """One compare-and-set in the catalog, so a state that another process writes at the
        same moment is never overwritten; JobError when the job is in none of
        ``from_states``."""
        if self.catalog.transition_job(job_handle, from_states, to_state):
            return
        record = self.catalog.get_job(job_handle)  # only to say why
        if record.finished:
            raise JobError(f"job {job_handle} has finished ({record.state}); it cannot be {verb}")
        legal = [state.lower() for state in from_states if state != to_state]
        raise JobError(
            f"job {job_handle} is {record.state.lower()}; only a {_or(legal)} job can be {verb}"
        )

    def _job(self, session: Any, job_handle: str) -> JobRecord:
        try:
            record = self.catalog.get_job(job_handle)
        except JobError:
            record = None
        if record is None or record.company != session.company.handle:
            raise AuthorizationFault(
                f"illegal job handle {job_handle!r}",
                code=AuthorizationFault.ILLEGAL_PARAMETER_VALUE,
            )
        return record

    # --- lifetime ------------------------------------------------------------------------------

    def close(self, *, timeout: float | None = None) -> bool:
        """Wait (up to ``timeout`` seconds) for the jobs this coordinator runs, then shut its
        worker processes down. Returns whether every job finished; unfinished jobs keep
        running, with their workers, until they end or the process exits (then the next
        coordinator closes them as interrupted)."""
        self._closed = True
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            threads = list(self._threads.values())
        for thread in threads:
            thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        if any(thread.is_alive() for thread in threads):
            return False  # the housekeeper keeps their leases
        if self._housekeeper is not None:
            self._housekeeper.stop(
                None if deadline is None else max(0.0, deadline - time.monotonic())
            )
            if self._housekeeper.is_alive():
                return False
        with self._lock:
            pool, self._pool = self._pool, None
            cluster, self._cluster = self._cluster, None
        for executor in (pool, cluster):
            if executor is not None:
                executor.shutdown()
        return True

    def __enter__(self) -> Coordinator:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc_info: object) -> None:
        """Waits for the jobs, except when leaving on Ctrl-C: then the process is ending, and
        its unfinished jobs are closed as interrupted by the next recovery."""
        interrupted = exc_type is not None and issubclass(exc_type, KeyboardInterrupt)
        self.close(timeout=0 if interrupted else None)


def _or(words: Sequence[str]) -> str:
    """``["a", "b", "c"]`` → ``"a, b or c"``."""
    return f"{', '.join(words[:-1])} or {words[-1]}" if len(words) > 1 else words[0]
