"""A Dask cluster started the way the README's cluster shape deploys one: a ``dask scheduler``
process and one ``dask worker`` process (with its nanny) per worker, on 127.0.0.1, each in a
session of its own as the local pool's workers are; stopped at the end (SIGTERM: a nanny
stops its worker). The scheduler is not inside the coordinator's process, as it is with a
``LocalCluster``."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator

from kits.server import free_port

START_TIMEOUT = 60.0
DASK = (sys.executable, "-m", "dask")


@contextlib.contextmanager
def dask_cluster(workers: int) -> Iterator[str]:
    """The scheduler's address, once ``workers`` one-thread workers have joined it."""
    import distributed

    address = f"tcp://127.0.0.1:{free_port()}"
    port = address.rsplit(":", 1)[1]
    processes: list[subprocess.Popen] = []
    try:
        processes.append(_start("scheduler", "--host", "127.0.0.1", "--port", port))
        for _ in range(workers):
            processes.append(_start("worker", address, "--nthreads", "1", "--host", "127.0.0.1"))
        with distributed.Client(address, timeout=START_TIMEOUT, set_as_default=False) as client:
            client.wait_for_workers(workers, timeout=START_TIMEOUT)
        yield address
    finally:
        for process in reversed(processes):  # the workers first
            process.terminate()
        for process in processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextlib.contextmanager
def local_cluster(workers: int) -> Iterator[str]:
    """The scheduler's address of a ``distributed.LocalCluster`` of ``workers`` one-thread
    worker processes, its scheduler inside this process."""
    import distributed

    with distributed.LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        yield cluster.scheduler_address


def _start(*arguments: str) -> subprocess.Popen:
    return subprocess.Popen(
        [*DASK, *arguments, "--no-dashboard"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
