"""Job operations over SOAP: scheduled jobs (execTime, execSchedule, restart), the paused
state in getActiveJobs, stop/pause/resume/delete/execute."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
import zeep
from kits.jobs import GatedExecutor
from kits.waiting import wait_for
from soap_kit import jpeg_bytes

ANN = "ann@acme.test"


def export(asset: str, fmt: str = "orig") -> dict:
    return {"assetHandleArray": {"items": [asset]}, "fmt": fmt, "emailSetting": "None"}


def an_asset(server, world, name: str = "a.jpg") -> str:
    session = server.service.catalog.session_for(ANN, world.acme)
    return session.upload(jpeg_bytes(), name=name).handle


def done_jobs(client, world) -> list:
    return [log for log in client.service.getJobLogs(companyHandle=world.acme) or [] if log.endDate]


def test_an_exec_time_job_fires_at_its_time_and_once(serve, world, clock):
    server = serve(zone=UTC)
    client = server.client(ANN)
    handle = client.service.submitJob(
        companyHandle=world.acme,
        jobName="tonight",
        execTime=clock() + timedelta(hours=3),
        description="nightly",
        exportJob=export(an_asset(server, world)),
    )
    assert handle.startswith("s|")
    (scheduled,) = client.service.getScheduledJobs(companyHandle=world.acme)
    assert scheduled.jobHandle == handle
    assert scheduled.nextFireTime == clock() + timedelta(hours=3)
    assert (scheduled.triggerState, scheduled.timeZone, scheduled.description) == (
        "Normal",
        "UTC",
        "nightly",
    )
    assert scheduled.exportJob.fmt == "orig" and scheduled.execSchedule is None
    clock.advance(timedelta(hours=2, minutes=59))
    assert not client.service.getJobLogs(companyHandle=world.acme)
    clock.advance(timedelta(minutes=1))
    (log,) = wait_for(lambda: done_jobs(client, world), "the scheduled job to run")
    assert (log.jobName, log.fileSuccessCount) == ("tonight", 1)
    assert not client.service.getScheduledJobs(companyHandle=world.acme)


def test_a_scheduled_job_survives_a_restart(serve, world, clock):
    first = serve(zone=UTC)
    asset = an_asset(first, world)
    first.client(ANN).service.submitJob(
        companyHandle=world.acme,
        jobName="later",
        execTime=clock() + timedelta(days=1),
        exportJob=export(asset),
    )
    first.__exit__(None, None, None)
    clock.advance(timedelta(days=2))  # it was due while no server ran: it fires at start
    second = serve(zone=UTC)
    client = second.client(ANN)
    (log,) = wait_for(lambda: done_jobs(client, world), "the missed job to run")
    assert log.jobName == "later"


def test_an_exec_schedule_fires_by_its_cron_and_stays(serve, world, clock):
    server = serve(zone=UTC)  # the clock starts at 09:00 UTC
    client = server.client(ANN)
    handle = client.service.submitJob(
        companyHandle=world.acme,
        jobName="daily",
        execSchedule="0 30 10 * * ?",
        exportJob=export(an_asset(server, world)),
    )
    (scheduled,) = client.service.getScheduledJobs(companyHandle=world.acme)
    assert scheduled.execSchedule == "0 30 10 * * ?"
    assert scheduled.nextFireTime == clock().replace(hour=10, minute=30)
    clock.advance(timedelta(hours=1, minutes=30))
    wait_for(lambda: done_jobs(client, world), "the first run")
    (again,) = wait_for(
        lambda: [
            s
            for s in client.service.getScheduledJobs(companyHandle=world.acme)
            if s.nextFireTime > clock()
        ],
        "the next fire time",
    )
    assert again.nextFireTime == clock().replace(hour=10, minute=30) + timedelta(days=1)
    client.service.executeJob(companyHandle=world.acme, jobHandle=handle)
    wait_for(lambda: len(done_jobs(client, world)) == 2, "the job run by executeJob")
    client.service.deleteJob(companyHandle=world.acme, jobHandle=handle)
    assert not client.service.getScheduledJobs(companyHandle=world.acme)
    oli = server.client("oli@other.test")
    with pytest.raises(zeep.exceptions.Fault):
        oli.service.executeJob(companyHandle=world.other, jobHandle=handle)


def held_job(serve, world):
    """A convert job whose conversion waits for the gate: (gate, client, job handle)."""
    gate = GatedExecutor()
    server = serve(executor=gate)
    client = server.client(ANN)
    handle = client.service.submitJob(
        companyHandle=world.acme,
        jobName="held",
        exportJob=export(an_asset(server, world), "convert"),
    )
    return gate, client, handle


def test_a_paused_job_shows_as_waiting_client_and_resumes(serve, world):
    gate, client, handle = held_job(serve, world)
    client.service.pauseJob(companyHandle=world.acme, jobHandle=handle)
    (active,) = client.service.getActiveJobs(companyHandle=world.acme)
    assert active.state == "WaitingClient"
    wait_for(
        lambda: (
            client.service.getActiveJobs(companyHandle=world.acme)[0].progressMessage
            == "paused: 0 of 1 assets done"
        ),
        "the paused progress message",
    )
    client.service.resumeJob(companyHandle=world.acme, jobHandle=handle)
    (active,) = client.service.getActiveJobs(companyHandle=world.acme, jobHandle=handle)
    assert active.state == "Running" and active.exportJob.fmt == "convert"
    gate.gate.set()
    wait_for(lambda: not client.service.getActiveJobs(companyHandle=world.acme), "the job")
    with pytest.raises(zeep.exceptions.Fault) as caught:
        client.service.resumeJob(companyHandle=world.acme, jobHandle=handle)
    assert "finished" in caught.value.message


def test_delete_job_stops_a_running_job(serve, world):
    gate, client, handle = held_job(serve, world)
    client.service.deleteJob(companyHandle=world.acme, jobHandle=handle)
    gate.gate.set()
    wait_for(lambda: not client.service.getActiveJobs(companyHandle=world.acme), "the stop")
    (log,) = client.service.getJobLogs(companyHandle=world.acme)
    assert log.jobHandle == handle and log.endDate is not None
