"""pauseJob, resumeJob and stopJob on running jobs, from this process and from another one.

Conversions run on a :class:`GatedExecutor` with one worker: a conversion is held in flight
until the test opens the gate, so what the job does next is decided by the test, not timing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from export_kit import WAIT, image_bytes, read_line, video_bytes, zip_entries
from kits.catalog import PASSWORD
from kits.jobs import GatedExecutor
from kits.waiting import wait_for

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
    with pytest.raises(JobError, match="is running; only a paused job can be resumed"):
        coordinator.resume_job(session, job)

    assert coordinator.pause_job(session, job).state == "Paused"
    executor.gate.set()
    record = wait_for(
        lambda: (r := catalog.get_job(job)).message == "paused: 1 of 4 assets done" and r,
        "the job to notice the pause after the asset in flight",
    )
    assert (record.state, record.success_count) == ("Paused", 1)
    assert executor.submitted == 1  # nothing new was dispatched while paused
    assert coordinator.pause_job(session, job).state == "Paused"  # pausing again: no change
    assert Coordinator(catalog, executor=executor).recover() == []  # a live job is not touched
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
    with pytest.raises(JobError, match="is stopping; only a new or running job can be paused"):
        coordinator.pause_job(session, job)
    with pytest.raises(JobError, match="is stopping; only a paused job can be resumed"):
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


STOPPER = textwrap.dedent(
    """
    import sys, time
    from engine.catalog import Catalog
    from engine.export import Coordinator

    home, email, password = sys.argv[1:]
    with Catalog.open(home) as catalog, Coordinator(catalog) as coordinator:
        session = catalog.authenticate(email, password, "Acme")
        print("ready", flush=True)
        for line in sys.stdin:  # a job handle, a tab, the progress at which to stop it
            handle, at = line.rstrip("\\n").split("\\t")
            deadline = time.monotonic() + 30
            while (catalog.get_job(handle).progress or 0.0) < float(at):
                if time.monotonic() > deadline:
                    break
            print(coordinator.stop_job(session, handle).state, flush=True)
    """
)
ORIGINALS = 24


def stop_noticed(catalog, job) -> bool:
    """Whether the runner has seen the stop (its message says so); fails at once if the job
    is no longer Stopping without having seen it: the stop was overwritten."""
    record = catalog.get_job(job)
    if (record.message or "").startswith("stopping: "):
        return True
    assert record.state == "Stopping", f"the stop was lost: {record.state}, {record.message!r}"
    return False


def test_a_stop_from_another_process_is_never_lost_to_progress_reports(
    gated, catalog, session, tmp_path
):
    """A second process stops the job while it reports progress, once at each point of the
    job; the runner writes progress apart from the state, so every stop stands.

    The job exports ``ORIGINALS`` originals (a report after each), then converts one image.
    Stopped before that conversion is dispatched, it ends at once; stopped later, the
    conversion is held in flight until the runner has noticed the stop. So a stop can be
    missed only by being overwritten, never by arriving too late.
    """
    executor, coordinator = gated
    videos = [session.upload(video_bytes(), name=f"clip{n}.mp4").handle for n in range(ORIGINALS)]
    image = session.upload(image_bytes(0), name="last.jpg").handle
    export = ExportJob((*videos, image), fmt="convert", is_modifier="fmt=png")
    script = tmp_path / "stopper.py"
    script.write_text(STOPPER)
    command = [sys.executable, str(script), str(catalog.home), "ann@acme.test", PASSWORD]
    stopper = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert read_line(stopper) == "ready"
        for point in range(ORIGINALS):
            executor.gate.clear()
            job = coordinator.submit_job(session, export)
            stopper.stdin.write(f"{job}\t{(point + 0.5) / (ORIGINALS + 1)}\n")
            stopper.stdin.flush()
            assert read_line(stopper) in ("Stopping", "Done")  # Done: it has ended already
            wait_for(lambda job=job: stop_noticed(catalog, job), "the runner to see the stop")
            executor.gate.set()
            record = coordinator.wait(session, job, timeout=WAIT)
            assert (record.state, record.fatal_error, record.error_count) == ("Done", False, 0)
            assert record.success_count + record.warning_count == ORIGINALS + 1
            assert "export stopped" in logged(coordinator, session, job, "EndGet")[0].message
    finally:
        _, errors = stopper.communicate(timeout=WAIT)  # closes its input: it exits
    assert stopper.returncode == 0, errors


def test_leaving_a_coordinator_on_ctrl_c_does_not_wait_for_its_jobs(gated, catalog, session):
    """A second Ctrl-C to ``isrender export`` ends the wait: its job is left to recovery."""
    executor, coordinator = gated
    job = submit(session, coordinator)
    with pytest.raises(KeyboardInterrupt), coordinator:
        raise KeyboardInterrupt
    assert not catalog.get_job(job).finished  # returned at once, the conversion still held
    executor.gate.set()
    assert coordinator.wait(session, job, timeout=WAIT).state == "Done"
