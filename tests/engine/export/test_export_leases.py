"""Leases: a running job's coordinator renews it; a job of another host is closed only once
its lease has expired; a coordinator whose job was taken over stops quietly (issue 12)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from export_kit import image_bytes
from kits.jobs import GatedExecutor
from kits.waiting import wait_for

from engine.errors import SettingsError
from engine.export import Coordinator, ExportJob
from engine.export.owner import current_owner

OTHER_HOST = "elsewhere.example:4242:token"


def foreign_job(catalog, session, lease_seconds: float | None) -> str:
    """A job whose coordinator runs on another host, with a lease of ``lease_seconds``
    (``None``: no lease, as a job of an isrender before leases)."""
    lease = None if lease_seconds is None else datetime.now(UTC) + timedelta(seconds=lease_seconds)
    return catalog.create_job(
        company=session.company.handle,
        user=session.user.handle,
        name="remote",
        job_type="ExportJob",
        spec={},
        email_setting="None",
        owner=OTHER_HOST,
        lease_expires=lease,
    )


def test_another_hosts_job_is_closed_only_after_its_lease_expired(catalog, session, coordinator):
    job = foreign_job(catalog, session, 1.0)
    assert coordinator.recover() == []  # its lease runs: alive, whatever its pid
    assert not catalog.get_job(job).finished
    time.sleep(1.1)
    assert coordinator.recover() == [job]
    record = catalog.get_job(job)
    assert record.finished and record.fatal_error and record.owner == current_owner()
    [fatal] = [e for e in catalog.job_log_details(job) if e.log_type == "FatalError"]
    assert "interrupted" in fatal.message and OTHER_HOST in fatal.message


def test_a_job_without_a_lease_on_another_host_is_never_closed(catalog, session, coordinator):
    job = foreign_job(catalog, session, None)
    assert coordinator.recover() == []
    assert not catalog.get_job(job).finished


def test_the_coordinator_renews_the_lease_of_its_running_job(catalog, session, make_coordinator):
    executor = GatedExecutor(1)
    coordinator = make_coordinator(executor=executor, max_workers=1, lease_seconds=0.6)
    asset = session.upload(image_bytes(1), name="a.jpg")
    job = coordinator.submit_job(session, ExportJob([asset.handle], fmt="convert"))
    first = catalog.get_job(job).lease_expires
    assert first is not None and first > datetime.now(UTC)
    wait_for(lambda: catalog.get_job(job).lease_expires > first + timedelta(seconds=0.3), "a beat")
    executor.gate.set()
    record = coordinator.wait(session, job, timeout=30)
    assert record.state == "Done" and record.success_count == 1


def test_periodic_recovery_closes_a_job_whose_lease_expires_later(
    catalog, session, make_coordinator
):
    """A coordinator that keeps running notices a foreign job dying after it started."""
    executor = GatedExecutor(1)
    coordinator = make_coordinator(executor=executor, max_workers=1, lease_seconds=0.5)
    asset = session.upload(image_bytes(2), name="b.jpg")
    mine = coordinator.submit_job(session, ExportJob([asset.handle], fmt="convert"))
    remote = foreign_job(catalog, session, 0.8)
    wait_for(lambda: catalog.get_job(remote).finished, "the foreign job's recovery")
    assert not catalog.get_job(mine).finished  # its own job, with a live lease, is not touched
    executor.gate.set()
    assert coordinator.wait(session, mine, timeout=30).success_count == 1


def test_a_job_taken_over_by_another_coordinator_is_left_to_it(catalog, session, make_coordinator):
    executor = GatedExecutor(1)
    coordinator = make_coordinator(executor=executor, max_workers=1)
    handles = [session.upload(image_bytes(n), name=f"{n}.jpg").handle for n in range(3)]
    job = coordinator.submit_job(session, ExportJob(handles, fmt="convert"))
    wait_for(lambda: executor.submitted == 1, "the first conversion")
    # Another host found the lease expired (a long pause of this process) and closed it.
    assert catalog.claim_job(job, OTHER_HOST, current_owner())
    catalog.finish_job(job, fatal_error=True)
    entries = len(catalog.job_log_details(job))
    executor.gate.set()
    assert coordinator.close(timeout=30)
    assert len(catalog.job_log_details(job)) == entries  # nothing more recorded
    record = catalog.get_job(job)
    assert record.owner == OTHER_HOST and record.package is None


@pytest.mark.parametrize("lease", [0, -1, "30"])
def test_an_invalid_lease_is_refused(catalog, lease):
    with pytest.raises(SettingsError, match="lease_seconds must be more than 0"):
        Coordinator(catalog, lease_seconds=lease)


def test_an_open_upload_job_is_never_taken_for_dead(catalog, session, coordinator):
    """Recovery runs every lease now; an upload job waits for POSTs for up to 30 minutes."""
    from engine.soap.upload_jobs import OpenUploads

    uploads = OpenUploads(clock=lambda: datetime.now(UTC))
    job = uploads.post(session, {"jobName": "upload"}, [], "127.0.0.1")
    assert coordinator.recover() == []
    assert catalog.get_job(job).state == "Running"
    uploads.post(session, {"jobHandle": job, "endJob": True}, [], "127.0.0.1")
    assert catalog.get_job(job).finished and not catalog.get_job(job).fatal_error
