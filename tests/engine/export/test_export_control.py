"""pauseJob, resumeJob and stopJob on running jobs, from this process and from another one.

Conversions run on a :class:`GatedExecutor` with one worker: the first asset is held in flight
until the test opens the gate, so what the job does next is decided by the test, not timing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from export_kit import PASSWORD, WAIT, GatedExecutor, image_bytes, wait_for, zip_entries

from engine.errors import JobError
from engine.export import Coordinator, ExportJob

ASSETS = 4


@pytest.fixture
def gated(make_coordinator):
    executor = GatedExecutor(max_workers=1)
    coordinator = make_coordinator(executor=executor, max_workers=1)
    yield executor, coordinator
    executor.gate.set()  # never leave a job held


def submit(session, coordinator) -> str:
    handles = [session.upload(image_bytes(n), name=f"img{n}.jpg").handle for n in range(ASSETS)]
    return coordinator.submit_job(session, ExportJob(handles, fmt="convert", is_modifier="fmt=png"))


def logged(coordinator, session, job, log_type):
    return [d for d in coordinator.get_job_log_details(session, job) if d.log_type == log_type]


def test_pause_holds_dispatch_and_resume_finishes(gated, catalog, session):
    executor, coordinator = gated
    job = submit(session, coordinator)
    wait_for(lambda: executor.submitted == 1, "the first conversion")

    assert coordinator.pause_job(session, job).state == "Paused"
    executor.gate.set()
    record = wait_for(
        lambda: (r := catalog.get_job(job)).message == "paused: 1 of 4 assets done" and r,
        "the job to notice the pause after the asset in flight",
    )
    assert (record.state, record.success_count) == ("Paused", 1)
    assert executor.submitted == 1  # nothing new was dispatched while paused
    assert coordinator.pause_job(session, job).state == "Paused"  # pausing again: no change
    assert Coordinator(catalog, executor=executor).recovered == []  # a live job is not touched
    staging = list((Path(catalog.home) / "packages").glob("*.staging.part"))
    assert len(staging) == 1  # nor are its temporary files

    assert coordinator.resume_job(session, job).state == "Running"
    record = coordinator.wait(session, job, timeout=WAIT)
    assert (record.state, record.success_count, record.fatal_error) == ("Done", ASSETS, False)
    assert executor.submitted == ASSETS
    assert len(zip_entries(record.package)) == ASSETS


def test_stop_finishes_in_flight_cancels_the_rest_and_packages_what_was_done(gated, session):
    executor, coordinator = gated
    job = submit(session, coordinator)
    wait_for(lambda: executor.submitted == 1, "the first conversion")

    assert coordinator.stop_job(session, job).state == "Stopping"
    executor.gate.set()
    record = coordinator.wait(session, job, timeout=WAIT)

    assert (record.state, record.fatal_error) == ("Done", False)
    assert (record.success_count, record.warning_count, record.error_count) == (1, 3, 0)
    assert list(zip_entries(record.package)) == ["img0.png"]
    cancelled = logged(coordinator, session, job, "FileCancel")
    assert [d.asset_name for d in cancelled] == ["img1.jpg", "img2.jpg", "img3.jpg"]
    assert "stopped" in logged(coordinator, session, job, "EndGet")[0].message
    assert executor.submitted == 1


def test_stop_with_nothing_exported_writes_no_package(gated, session):
    executor, coordinator = gated
    broken = session.upload(image_bytes(99), name="broken.jpg")
    path = session.original_path(broken.handle)
    path.chmod(0o600)
    path.write_bytes(b"\xff\xd8\xff not really a JPEG")
    good = session.upload(image_bytes(98), name="good.jpg")
    job = coordinator.submit_job(
        session, ExportJob((broken.handle, good.handle), fmt="convert", is_modifier="fmt=png")
    )
    wait_for(lambda: executor.submitted == 1, "the first conversion")
    coordinator.stop_job(session, job)
    executor.gate.set()
    record = coordinator.wait(session, job, timeout=WAIT)

    assert (record.state, record.package, record.fatal_error) == ("Done", None, False)
    assert (record.success_count, record.error_count, record.warning_count) == (0, 1, 1)
    assert "no package was written" in logged(coordinator, session, job, "EndGet")[0].message
    assert list((Path(session.catalog.home) / "packages").iterdir()) == []


def test_finished_or_stopping_jobs_refuse_control(gated, session):
    executor, coordinator = gated
    job = submit(session, coordinator)
    wait_for(lambda: executor.submitted == 1, "the first conversion")
    coordinator.stop_job(session, job)
    assert coordinator.stop_job(session, job).state == "Stopping"  # stopping again: no change
    with pytest.raises(JobError, match="stopping"):
        coordinator.pause_job(session, job)
    with pytest.raises(JobError, match="stopping"):
        coordinator.resume_job(session, job)
    executor.gate.set()
    coordinator.wait(session, job, timeout=WAIT)
    for operation in (coordinator.stop_job, coordinator.pause_job, coordinator.resume_job):
        with pytest.raises(JobError, match="has finished"):
            operation(session, job)


def test_wait_reports_progress_and_times_out(gated, session):
    executor, coordinator = gated
    job = submit(session, coordinator)
    with pytest.raises(JobError, match="still"):
        coordinator.wait(session, job, timeout=0.1)
    seen = []
    executor.gate.set()
    record = coordinator.wait(session, job, progress=seen.append, timeout=WAIT)
    assert seen[-1] == record
    fractions = [r.progress or 0.0 for r in seen]
    assert fractions == sorted(fractions)
    assert fractions[-1] == 1.0
    assert [a.handle for a in coordinator.get_active_jobs(session)] == []


def test_jobs_stop_from_another_process(gated, catalog, session):
    """The job's state in the catalog is the control channel: a CLI process stops it."""
    executor, coordinator = gated
    job = submit(session, coordinator)
    wait_for(lambda: executor.submitted == 1, "the first conversion")
    env = {**os.environ, "ISRENDER_PASSWORD": PASSWORD}
    command = [sys.executable, "-m", "engine.cli", "jobs", "stop", job]
    command += ["--home", str(catalog.home), "--user", "ann@acme.test", "--company", "Acme"]
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=WAIT, cwd=Path(__file__).parent
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [job, "Stopping"]

    executor.gate.set()
    record = coordinator.wait(session, job, timeout=WAIT)
    assert (record.success_count, record.warning_count) == (1, 3)
