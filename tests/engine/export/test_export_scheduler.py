"""The job scheduler and the catalog's scheduled jobs: claiming fires, failed fires, roles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from export_kit import image_bytes
from kits.catalog import member

from engine.catalog import Catalog
from engine.errors import AuthorizationFault, JobError
from engine.export import ExportJob
from engine.export.scheduler import Scheduler

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def scheduler(catalog, coordinator, clock) -> Scheduler:
    return Scheduler(catalog, coordinator, clock=clock, zone=UTC)


def orig(session) -> ExportJob:
    asset = session.upload(image_bytes(), name="a.jpg")
    return ExportJob(asset_handle_array=[asset.handle], fmt="orig")


def test_a_fire_is_claimed_once_however_many_schedulers_look(catalog, session, scheduler, clock):
    job = scheduler.schedule(session, orig(session), name="once", exec_time=START)
    (due,) = catalog.due_scheduled_jobs(clock())
    assert catalog.claim_scheduled_fire(due, None)
    assert not catalog.claim_scheduled_fire(due, None)  # the second reader lost
    assert not scheduler.fire_due()
    with pytest.raises(JobError):
        catalog.scheduled_job(job.handle)


def test_a_fire_that_cannot_be_submitted_is_a_failed_job(catalog, session, scheduler, clock):
    job = scheduler.schedule(
        session, orig(session), name="orphan", exec_time=START + timedelta(hours=1)
    )
    catalog.add_membership(session.user.handle, session.company.handle, "ImagePortalUser")
    clock.now += timedelta(hours=1)
    (handle,) = scheduler.fire_due()
    record = catalog.get_job(handle)
    assert record.finished and record.fatal_error
    (entry,) = catalog.job_log_details(handle)
    assert entry.log_type == "FatalError" and job.handle in entry.message
    assert "submitJob" in entry.message


def test_scheduling_checks_the_job_and_the_role_now(catalog, session, scheduler):
    with pytest.raises(AuthorizationFault):
        scheduler.schedule(
            session,
            ExportJob(asset_handle_array=["a|9|9"], fmt="orig"),
            name="x",
            exec_time=START,
        )
    reader = member(catalog, "Acme", "pat@acme.test", "ImagePortalUser")
    with pytest.raises(AuthorizationFault):
        scheduler.schedule(reader, orig(session), name="x", exec_schedule="0 0 * * * ?")
    assert not catalog.list_scheduled_jobs()


def test_another_companys_scheduled_job_is_an_unknown_one(catalog, session, scheduler):
    job = scheduler.schedule(session, orig(session), name="mine", exec_schedule="0 0 * * * ?")
    catalog.create_company("Other")
    oli = member(catalog, "Other", "oli@other.test")
    with pytest.raises(AuthorizationFault) as theirs:
        scheduler.delete(oli, job.handle)
    with pytest.raises(AuthorizationFault) as unknown:
        scheduler.delete(oli, "s|2|mine|99")
    assert theirs.value.code == unknown.value.code == AuthorizationFault.ILLEGAL_PARAMETER_VALUE
    assert [j.handle for j in scheduler.list(session)] == [job.handle]


def test_scheduled_jobs_persist_in_the_catalog(tmp_path, catalog, session, scheduler):
    job = scheduler.schedule(session, orig(session), name="kept", exec_schedule="0 0 10 * * ?")
    with Catalog.open(catalog.home) as again:
        (stored,) = again.list_scheduled_jobs(session.company.handle)
    assert stored == job
    assert stored.next_fire == START.replace(hour=10)
