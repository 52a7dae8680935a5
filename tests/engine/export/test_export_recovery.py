"""Crash recovery only touches what it claimed, runs only in the coordinator, and a job whose
bookkeeping keeps failing ends instead of hanging its waiter (issue 8, items 1, 2 and 11)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from export_kit import WAIT, SmtpSink, image_bytes, zip_entries
from kits.catalog import PASSWORD, member
from kits.jobs import GatedExecutor
from kits.waiting import wait_for

from engine.catalog import Catalog, sql
from engine.cli import main
from engine.errors import JobError
from engine.export import ExportJob, runner
from engine.export.owner import current_owner

RECOVER = textwrap.dedent(
    """
    import sys
    from engine.catalog import Catalog
    from engine.export import SmtpSettings
    from engine.export.recovery import recover

    home, port = sys.argv[1:]
    with Catalog.open(home) as catalog:
        print(recover(catalog, SmtpSettings(host="127.0.0.1", port=int(port), timeout=30)))
    """
)


def dead_job(catalog, session, name: str, email_setting: str = "None") -> str:
    return catalog.create_job(
        company=session.company.handle,
        user=session.user.handle,
        name=name,
        job_type="ExportJob",
        spec={},
        email_setting=email_setting,
        owner=f"{current_owner().split(':')[0]}:{2**22 + 12345}:gone",  # above any Linux pid
    )


def test_recovery_in_another_process_never_touches_a_running_jobs_files(
    tmp_path, catalog, session, make_coordinator
):
    """Item 1: process B listed the active jobs, spent its time e-mailing a dead job's
    notification, then deleted every ``*.part`` not on its list, including the staging
    folder of job A, which had started meanwhile."""
    dead = dead_job(catalog, session, "dead", email_setting="All")
    held_mail = threading.Event()
    executor = GatedExecutor(1)
    with SmtpSink(hold=held_mail) as sink:
        recovering = subprocess.Popen(
            [sys.executable, "-c", RECOVER, str(catalog.home), str(sink.port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert sink.arrived.wait(WAIT), "B never sent the dead job's e-mail"
            coordinator = make_coordinator(executor=executor, max_workers=1)
            handles = [session.upload(image_bytes(n), name=f"a{n}.jpg").handle for n in range(3)]
            job = coordinator.submit_job(
                session, ExportJob(handles, fmt="convert", is_modifier="fmt=png")
            )
            packages = Path(catalog.home) / "packages"
            wait_for(lambda: list(packages.glob("*.staging.part")), "job A's staging folder")
        finally:
            held_mail.set()
            output, errors = recovering.communicate(timeout=WAIT)
    assert recovering.returncode == 0, errors
    assert dead in output

    executor.gate.set()
    record = coordinator.wait(session, job, timeout=WAIT)
    assert (record.success_count, record.error_count, record.fatal_error) == (3, 0, False)
    assert list(zip_entries(record.package)) == ["a0.png", "a1.png", "a2.png"]
    assert catalog.get_job(dead).fatal_error


def test_reading_jobs_never_runs_recovery(capsys, monkeypatch, catalog, session, make_coordinator):
    """Item 11: any user, even one refused the operation, closed every company's dead jobs."""
    dead = dead_job(catalog, session, "dead")
    catalog.create_company("Globex")
    member(catalog, "Globex", "web@globex.test", role="WebServiceUser")  # no getActiveJobs
    monkeypatch.setenv("ISRENDER_PASSWORD", PASSWORD)
    home = ["--home", str(catalog.home)]

    refused = ["jobs", "list", "--active", *home, "--user", "web@globex.test"]
    assert main([*refused, "--company", "Globex"]) == 77  # AuthorizationFault.exit_status
    assert main(["jobs", "list", *home, "--user", "ann@acme.test", "--company", "Acme"]) == 0
    capsys.readouterr()
    assert not catalog.get_job(dead).finished

    coordinator = make_coordinator()
    asset = session.upload(image_bytes(1), name="a.jpg")
    job = coordinator.submit_job(session, ExportJob((asset.handle,), fmt="orig"))
    coordinator.wait(session, job, timeout=WAIT)
    assert coordinator.close(timeout=WAIT)  # the recovery it started has finished too
    record = catalog.get_job(dead)
    assert (record.state, record.fatal_error) == ("Done", True)


def test_a_catalog_write_that_keeps_failing_ends_the_wait_and_recovery_closes_the_job(
    monkeypatch, catalog, session, make_coordinator
):
    """Item 2: with the write lock held elsewhere the job thread died quietly, the job stayed
    Running with a live owner and ``isrender export`` waited for ever."""
    if catalog.database_url:
        pytest.skip("SQLite's one write lock for the whole database; PostgreSQL locks rows")
    monkeypatch.setattr(sql, "BUSY_TIMEOUT_S", 0.2)  # the job thread's connection, made later
    monkeypatch.setattr(runner, "FINISH_RETRY_PAUSES_S", (0.1,))
    executor = GatedExecutor(1)
    coordinator = make_coordinator(executor=executor, max_workers=1)
    handles = [session.upload(image_bytes(n), name=f"a{n}.jpg").handle for n in range(2)]
    job = coordinator.submit_job(session, ExportJob(handles, fmt="convert", is_modifier="fmt=png"))
    wait_for(lambda: executor.submitted == 1, "the first conversion")

    other_process = sqlite3.connect(catalog.db_path, isolation_level=None)
    other_process.execute("BEGIN IMMEDIATE")  # the write lock, held
    try:
        executor.gate.set()
        with pytest.raises(JobError, match="could not be recorded in the catalog"):
            coordinator.wait(session, job, timeout=10)
        assert not catalog.get_job(job).finished
    finally:
        other_process.execute("ROLLBACK")
        other_process.close()
    assert list((Path(catalog.home) / "packages").iterdir()) == []  # no orphaned package

    assert coordinator.recover() == [job]  # its thread is gone: closed as interrupted
    record = catalog.get_job(job)
    assert (record.state, record.fatal_error, record.package) == ("Done", True, None)


@pytest.fixture
def disk_full(monkeypatch):
    """Recording a job's end fails as SQLite does on a full disk."""

    def full(*_args, **_kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(runner, "FINISH_RETRY_PAUSES_S", (0.01,))
    monkeypatch.setattr(Catalog, "finish_job", full)
    return monkeypatch


def test_a_package_whose_job_cannot_be_recorded_is_not_orphaned(
    disk_full, catalog, session, make_coordinator
):
    """Item 2: on a full disk the finished ZIP stayed behind, and recovery said "no package"."""
    coordinator = make_coordinator()
    asset = session.upload(image_bytes(1), name="a.jpg")
    job = coordinator.submit_job(session, ExportJob((asset.handle,), fmt="orig"))
    with pytest.raises(JobError, match="database or disk is full"):
        coordinator.wait(session, job, timeout=WAIT)
    assert list((Path(catalog.home) / "packages").iterdir()) == []

    disk_full.undo()
    assert coordinator.recover() == [job]
    assert catalog.get_job(job).package is None


def test_export_exits_with_an_error_when_its_job_cannot_be_recorded(
    disk_full, capsys, monkeypatch, catalog, session
):
    monkeypatch.setenv("ISRENDER_PASSWORD", PASSWORD)
    asset = session.upload(image_bytes(1), name="a.jpg")
    argv = ["export", asset.handle, "--fmt", "orig", "--home", str(catalog.home)]
    assert main([*argv, "--user", "ann@acme.test"]) == 2
    assert "could not be recorded in the catalog" in capsys.readouterr().err
