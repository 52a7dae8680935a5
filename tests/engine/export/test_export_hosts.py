"""Two coordinators in two processes, as if on two hosts, share one PostgreSQL catalog and one
store: both run their jobs without conflict, and when one is SIGKILLed mid-job the other closes
that job once its lease has expired (issue 12)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from export_kit import image_bytes, read_line
from kits.catalog import PASSWORD, member
from kits.waiting import wait_for
from pg_kit import fresh_schema

from engine.catalog import Catalog
from engine.catalog.catalog import ENV_DATABASE_URL
from engine.export.owner import ENV_HOST_ID

LEASE_S = 1.0
ASSETS = 4

COORDINATOR = textwrap.dedent(
    """
    import sys, threading
    from concurrent.futures import Future, ThreadPoolExecutor
    from engine.catalog import Catalog
    from engine.export import Coordinator, ExportJob

    class Stuck(ThreadPoolExecutor):
        '''Conversions that never end: a job left Running.'''

        def submit(self, fn, /, *args, **kwargs):
            return Future()

    home, email, password, lease, then, *handles = sys.argv[1:]
    with Catalog.open(home) as catalog:
        session = catalog.authenticate(email, password, "Acme")
        with ThreadPoolExecutor(2) as pool:
            coordinator = Coordinator(catalog, executor=pool, max_workers=2, poll_interval=0.05,
                                      lease_seconds=float(lease))
            job = coordinator.submit_job(session, ExportJob(handles, fmt="convert"))
            record = coordinator.wait(session, job, timeout=60)
            print(job, record.state, record.success_count, record.error_count, flush=True)
            if then == "stuck":
                stuck = Coordinator(catalog, executor=Stuck(1), max_workers=1,
                                    poll_interval=0.05, lease_seconds=float(lease))
                print(stuck.submit_job(session, ExportJob(handles[:1], fmt="convert")), flush=True)
                threading.Event().wait(120)  # until SIGKILLed
            sys.stdin.read()  # serve (renew leases, recover) until the test closes stdin
            coordinator.close(timeout=30)
    """
)


@pytest.fixture
def shared_catalog(tmp_path, postgres_server, monkeypatch):
    with fresh_schema(postgres_server) as url:
        monkeypatch.setenv(ENV_DATABASE_URL, url)
        with Catalog.open(tmp_path / "shared", scrypt_n=2**8) as catalog:
            catalog.create_company("Acme")
            yield catalog


def coordinator_process(home: Path, host: str, then: str, handles: list[str]) -> subprocess.Popen:
    env = {**os.environ, ENV_HOST_ID: host}
    settings = [str(home), "ann@acme.test", PASSWORD, str(LEASE_S), then]
    return subprocess.Popen(
        [sys.executable, "-c", COORDINATOR, *settings, *handles],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_two_hosts_share_a_catalog_and_one_recovers_the_others_killed_job(shared_catalog):
    catalog = shared_catalog
    session = member(catalog, "Acme", "ann@acme.test")
    handles = [session.upload(image_bytes(n), name=f"p{n}.jpg").handle for n in range(ASSETS)]
    a = coordinator_process(catalog.home, "host-a", "stuck", handles)
    b = coordinator_process(catalog.home, "host-b", "serve", handles)
    try:
        finished = {}
        for name, process in (("a", a), ("b", b)):
            job, state, successes, errors = read_line(process, 90).split()
            finished[name] = job
            assert (state, int(successes), int(errors)) == ("Done", ASSETS, 0)
        assert finished["a"] != finished["b"]
        for name, job in finished.items():
            record = catalog.get_job(job)
            assert record.owner.startswith(f"host-{name}:")
            assets = [e.asset_handle for e in catalog.job_log_details(job) if e.asset_handle]
            assert sorted(assets) == sorted(handles)  # each asset logged once, by its owner
        stuck = read_line(a, 60)
        wait_for(lambda: catalog.get_job(stuck).state == "Running", "the stuck job to run")
        a.send_signal(signal.SIGKILL)
        a.wait(10)
        record = wait_for(
            lambda: (r := catalog.get_job(stuck)).finished and r, "host-b's recovery", 30
        )
        assert record.fatal_error and record.owner.startswith("host-b:")
        [fatal] = [e for e in catalog.job_log_details(stuck) if e.log_type == "FatalError"]
        assert "interrupted" in fatal.message and "host-a:" in fatal.message
        b.stdin.close()
        assert b.wait(30) == 0
    finally:
        for process in (a, b):
            if process.poll() is None:
                process.kill()
                process.wait()
            for stream in (process.stdin, process.stdout):
                if not stream.closed:
                    stream.close()
