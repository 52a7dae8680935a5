"""Export jobs submitted for later: IPS ``submitJob`` with ``execTime`` or ``execSchedule``.

A scheduled job is validated when it is scheduled (the same faults as an immediate submit),
stored in the catalog, and submitted to the coordinator by the scheduler's thread when its
time comes, as the user who scheduled it (with that user's role at that moment). It survives
a restart: a fire time that passed while no scheduler ran fires once at start (Quartz's
"fire now" misfire rule), then the schedule continues from the present.

- ``execTime``: fires once, then the scheduled job is gone (the job it started remains).
- ``execSchedule``: a Quartz cron expression (see :mod:`engine.export.cron`) read in the
  scheduler's time zone (the server's local zone by default); fires until deleted.

Several processes may run schedulers on one catalog: each fire is claimed with one
compare-and-set, so exactly one of them submits it. A fire that cannot be submitted (an asset
deleted meanwhile, the user no longer a member) is recorded as a finished job with a
``FatalError`` entry, so it shows in ``getJobLogs``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import Any

from engine.catalog import Catalog, ScheduledJob
from engine.errors import ApiFault, AuthorizationFault, IsRenderError, JobError
from engine.export.coordinator import JOB_TYPE, Coordinator
from engine.export.cron import CronExpression
from engine.export.job import ExportJob
from engine.export.owner import current_owner
from engine.export.prepare import prepare

Clock = Callable[[], datetime]
_log = logging.getLogger(__name__)


def system_clock() -> datetime:
    return datetime.now(UTC)


class Scheduler:
    """``clock`` returns the current aware time (injectable for tests); ``interval`` is how
    often the thread started by :meth:`start` looks for due jobs."""

    def __init__(
        self,
        catalog: Catalog,
        coordinator: Coordinator,
        *,
        clock: Clock = system_clock,
        zone: tzinfo | None = None,
        interval: float = 1.0,
    ) -> None:
        self.catalog = catalog
        self.coordinator = coordinator
        self.clock = clock
        self.zone = zone or datetime.now().astimezone().tzinfo or UTC
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- the IPS operations ----------------------------------------------------------------

    def schedule(
        self,
        session: Any,
        job: ExportJob,
        *,
        name: str,
        description: str = "",
        exec_time: datetime | None = None,
        exec_schedule: str | None = None,
    ) -> ScheduledJob:
        """Validate ``job`` now and store it to run at ``exec_time`` or by ``exec_schedule``
        (exactly one of them)."""
        session.require("submitJob")
        if (exec_time is None) == (exec_schedule is None):
            raise ApiFault(
                "give either execTime or execSchedule, not both", code=ApiFault.INVALID_PARAMETER
            )
        prepared = prepare(session, job, self.coordinator.limits)
        now = self.clock()
        if exec_schedule is not None:
            cron = CronExpression.parse(exec_schedule)
            first = cron.next_after(now, self.zone)
            if first is None:
                raise ApiFault(
                    f"execSchedule {exec_schedule!r} never fires after {now:%Y-%m-%d %H:%M:%S}",
                    code=ApiFault.INVALID_PARAMETER,
                )
            text: str | None = cron.text
        else:
            assert exec_time is not None
            if exec_time.tzinfo is None:  # Adobe asks for a time zone; read none as server time
                exec_time = exec_time.replace(tzinfo=self.zone)
            first, text = exec_time, None
        return self.catalog.create_scheduled_job(
            company=session.company.handle,
            user=session.user.handle,
            name=name,
            job_type=JOB_TYPE,
            spec=prepared.job.to_spec(),
            description=description,
            exec_schedule=text,
            time_zone=self.zone_name,
            next_fire=first,
        )

    def list(self, session: Any) -> list[ScheduledJob]:
        """``getScheduledJobs``: the company's scheduled jobs, soonest first."""
        session.require("getScheduledJobs")
        return self.catalog.list_scheduled_jobs(session.company.handle)

    def get(self, session: Any, handle: str) -> ScheduledJob:
        """One of the company's scheduled jobs; another company's or an unknown handle is
        AuthorizationFault 20005."""
        try:
            job = self.catalog.scheduled_job(handle)
        except JobError:
            job = None
        if job is None or job.company != session.company.handle:
            raise AuthorizationFault(
                f"illegal job handle {handle!r}", code=AuthorizationFault.ILLEGAL_PARAMETER_VALUE
            )
        return job

    def execute(self, session: Any, handle: str) -> str:
        """``executeJob``: submit the scheduled job now (its schedule is unchanged); returns
        the handle of the job started."""
        session.require("executeJob")
        job = self.get(session, handle)
        return self.coordinator.submit_job(session, ExportJob.from_spec(job.spec), name=job.name)

    def delete(self, session: Any, handle: str) -> None:
        """``deleteJob`` of a scheduled job: it will not fire again."""
        session.require("deleteJob")
        self.catalog.delete_scheduled_job(self.get(session, handle).handle)

    @property
    def zone_name(self) -> str:
        return str(getattr(self.zone, "key", None) or datetime.now(self.zone).tzname() or "UTC")

    # --- firing ------------------------------------------------------------------------------

    def fire_due(self) -> list[str]:
        """Submit every job whose time has come (claiming each fire first); returns the
        handles of the jobs started or recorded as failed."""
        now = self.clock()
        started = []
        for job in self.catalog.due_scheduled_jobs(now):
            then = None
            if job.exec_schedule is not None:
                then = CronExpression.parse(job.exec_schedule).next_after(now, self.zone)
            if self.catalog.claim_scheduled_fire(job, then):
                started.append(self._submit(job))
        return started

    def _submit(self, job: ScheduledJob) -> str:
        try:
            session = self.catalog.session_for(job.user, job.company)
            return self.coordinator.submit_job(
                session, ExportJob.from_spec(job.spec), name=job.name
            )
        except IsRenderError as exc:
            return self._record_failure(job, exc)

    def _record_failure(self, job: ScheduledJob, exc: IsRenderError) -> str:
        handle = self.catalog.create_job(
            company=job.company,
            user=job.user,
            name=job.name,
            job_type=job.job_type,
            spec=job.spec,
            email_setting="None",
            owner=current_owner(),
        )
        self.catalog.add_job_log(
            handle,
            log_type="FatalError",
            severity="error",
            message=f"the scheduled job {job.handle} could not be submitted: {exc}",
        )
        self.catalog.finish_job(handle, fatal_error=True)
        return handle

    # --- lifetime ------------------------------------------------------------------------------

    def start(self) -> None:
        """Fire due jobs now and then every ``interval`` seconds in a daemon thread."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="isrender scheduler", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while True:
            try:
                self.fire_due()  # the catalog gives this thread its own connection
            except Exception:  # a busy or broken database: say so, try again next tick
                _log.exception("the job scheduler could not fire due jobs")
            if self._stop.wait(self.interval):
                return

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
