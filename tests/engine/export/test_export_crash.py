"""A process killed with SIGKILL in the middle of a job: no package that looks complete, and the
next coordinator closes the job as interrupted and removes the temporary files."""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from export_kit import PASSWORD, WAIT, image_bytes

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


def read_line(process: subprocess.Popen, timeout: float) -> str:
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            raise AssertionError(f"the child printed nothing within {timeout} s")
    return process.stdout.readline().strip()


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
        job = read_line(child, WAIT)
    finally:
        child.send_signal(signal.SIGKILL)
        _, errors = child.communicate(timeout=WAIT)
    assert job.startswith("j|"), errors

    packages = Path(catalog.home) / "packages"
    record = catalog.get_job(job)
    assert (record.state, record.finished, record.success_count) == ("Running", False, 2)
    assert owner_liveness(record.owner) is Liveness.DEAD
    assert list(packages.glob("*.zip")) == []  # nothing that looks like a finished package
    [staging] = packages.glob("*.part")
    assert len(list(staging.iterdir())) == 2  # the two renditions done before the kill
    leftover = packages / "j_1_older_9.zip.part"  # as a writer killed mid-ZIP leaves it
    leftover.write_bytes(b"PK\x03\x04 half a zip")

    coordinator = make_coordinator(smtp=smtp_settings)
    assert coordinator.recovered == [job]
    record = catalog.get_job(job)
    assert (record.state, record.fatal_error, record.package) == ("Done", True, None)
    [fatal] = [d for d in catalog.job_log_details(job) if d.log_type == "FatalError"]
    assert fatal.message.startswith("interrupted:")
    assert record.owner in fatal.message
    assert list(packages.iterdir()) == []
    [(_, message)] = smtp_sink.messages  # emailSetting Error: the interruption is an error
    assert "interrupted" in message.get_content()
    assert make_coordinator().recovered == []  # only once


def test_owner_liveness():
    assert owner_liveness(current_owner()) is Liveness.ALIVE
    host = current_owner().split(":")[0]
    assert owner_liveness(f"{host}:{2**22 + 12345}:x") is Liveness.DEAD
    if Path(f"/proc/{os.getpid()}/stat").exists():  # start tokens exist where /proc does
        assert owner_liveness(f"{host}:{os.getpid()}:not-my-start-token") is Liveness.DEAD
    assert owner_liveness("some-other-host:1:x") is Liveness.UNKNOWN
    assert owner_liveness(None) is Liveness.DEAD
