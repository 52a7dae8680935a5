"""A process killed with SIGKILL in the middle of a job: no package that looks complete, and the
next coordinator closes the job as interrupted and removes the temporary files; coordinators
starting together close each dead job once."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from export_kit import WAIT, image_bytes, read_line
from kits.catalog import PASSWORD

from engine.catalog import Catalog
from engine.export import Coordinator
from engine.export.owner import Liveness, current_owner, owner_liveness

CHILD = textwrap.dedent(
    """
    import sys, threading, time
    from concurrent.futures import ThreadPoolExecutor
    from engine.catalog import Catalog
    from engine.export import Coordinator, ExportJob

    class FirstTwo(ThreadPoolExecutor):
        '''Runs the first two conversions; every later one hangs (a slow asset).'''

        def __init__(self):
            super().__init__(1)
            self.count = 0

        def submit(self, fn, /, *args, **kwargs):
            self.count += 1
            if self.count > 2:
                return super().submit(threading.Event().wait, 120)
            return super().submit(fn, *args, **kwargs)

    home, email, password, *handles = sys.argv[1:]
    catalog = Catalog.open(home)
    session = catalog.authenticate(email, password, "Acme")
    coordinator = Coordinator(catalog, executor=FirstTwo(), max_workers=1, poll_interval=0.05)
    job = ExportJob(handles, fmt="convert", is_modifier="fmt=png", email_setting="Error")
    handle = coordinator.submit_job(session, job)
    while catalog.get_job(handle).success_count < 2:
        time.sleep(0.02)
    print(handle, flush=True)
    time.sleep(120)
    """
)


@pytest.mark.slow
def test_sigkill_mid_job_leaves_no_package_and_is_recovered(
    tmp_path, catalog, session, make_coordinator, smtp_sink, smtp_settings
):
    handles = [session.upload(image_bytes(n), name=f"img{n}.jpg").handle for n in range(4)]
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    command = [sys.executable, str(script), str(catalog.home), "ann@acme.test", PASSWORD]
    child = subprocess.Popen(
        [*command, *handles], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        job = read_line(child)
    finally:
        child.send_signal(signal.SIGKILL)
        _, errors = child.communicate(timeout=WAIT)
    assert job.startswith("j|"), errors

    packages = Path(catalog.home) / "packages"
    record = catalog.get_job(job)
    assert (record.state, record.finished, record.success_count) == ("Running", False, 2)
    dead_owner = record.owner
    assert owner_liveness(dead_owner) is Liveness.DEAD
    assert list(packages.glob("*.zip")) == []  # nothing that looks like a finished package
    [staging] = packages.glob("*.part")
    assert len(list(staging.iterdir())) == 2  # the two renditions done before the kill
    leftover = packages / "j_1_older_9.zip.part"  # a file of a job recovery did not claim
    leftover.write_bytes(b"PK\x03\x04 half a zip")

    coordinator = make_coordinator(smtp=smtp_settings)
    assert coordinator.recover() == [job]
    record = catalog.get_job(job)
    assert (record.state, record.fatal_error, record.package) == ("Done", True, None)
    [fatal] = [d for d in catalog.job_log_details(job) if d.log_type == "FatalError"]
    assert fatal.message.startswith("interrupted:")
    assert dead_owner in fatal.message
    assert record.owner == current_owner()  # claimed by the recovering process
    assert list(packages.iterdir()) == [leftover]  # only what it claimed is touched
    [(_, message)] = smtp_sink.messages  # emailSetting Error: the interruption is an error
    assert "interrupted" in message.get_content()
    assert make_coordinator().recover() == []  # only once


def test_owner_liveness():
    assert owner_liveness(current_owner()) is Liveness.ALIVE
    host = current_owner().split(":")[0]
    assert owner_liveness(f"{host}:{2**22 + 12345}:x") is Liveness.DEAD
    if Path(f"/proc/{os.getpid()}/stat").exists():  # start tokens exist where /proc does
        assert owner_liveness(f"{host}:{os.getpid()}:not-my-start-token") is Liveness.DEAD
    assert owner_liveness("some-other-host:1:x") is Liveness.UNKNOWN
    assert owner_liveness(None) is Liveness.DEAD


def _recover_into(home: Path, start: threading.Barrier, out: Path) -> None:
    """A coordinator process: start with the others, write the handles it recovered."""
    with Catalog.open(home) as catalog:
        start.wait(timeout=WAIT)
        with Coordinator(catalog) as coordinator:
            out.write_text("".join(f"{handle}\n" for handle in coordinator.recover()))


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="needs the fork start method"
)
def test_coordinators_starting_together_close_each_dead_job_once(tmp_path, catalog, session):
    """Each coordinator recovers when it starts; claiming a dead job is a compare-and-set on
    its owner, so every job gets one FatalError entry and one coordinator reports it."""
    dead = f"{current_owner().split(':')[0]}:{2**22 + 12345}:gone"  # above any Linux pid
    jobs = [
        catalog.create_job(
            company=session.company.handle,
            user=session.user.handle,
            name=f"dead {n}",
            job_type="ExportJob",
            spec={},
            email_setting="None",
            owner=dead,
        )
        for n in range(60)
    ]
    context = multiprocessing.get_context("fork")
    start = context.Barrier(4)
    outputs = [tmp_path / f"recovered-{n}.txt" for n in range(4)]
    processes = [
        context.Process(target=_recover_into, args=(catalog.home, start, out)) for out in outputs
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=WAIT)
    assert [process.exitcode for process in processes] == [0] * len(processes)
    recovered = [line for out in outputs for line in out.read_text().splitlines()]
    assert sorted(recovered) == sorted(jobs)  # each once
    for job in jobs:
        record = catalog.get_job(job)
        assert (record.state, record.fatal_error, record.error_count) == ("Done", True, 1)
