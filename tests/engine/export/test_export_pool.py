"""The default executor: recycled worker processes, and recovery when a worker dies."""

from __future__ import annotations

import os
from concurrent.futures import wait
from concurrent.futures.process import BrokenProcessPool

import pytest
from export_kit import WAIT, image_bytes, zip_entries

from engine.export import ExportJob, RecyclingProcessPool


@pytest.fixture
def pool():
    created = RecyclingProcessPool(2, tasks_per_worker=2)
    yield created
    created.shutdown()


def test_workers_are_replaced_without_losing_tasks(pool):
    futures = [pool.submit(os.getpid) for _ in range(20)]
    done, not_done = wait(futures, timeout=WAIT)
    assert not not_done  # ProcessPoolExecutor(max_tasks_per_child=2) hangs here on 3.11
    assert len({future.result() for future in done}) >= 20 // (2 * 2)


def test_a_dead_worker_breaks_only_its_generation(pool):
    crashed = pool.submit(os._exit, 3)
    with pytest.raises(BrokenProcessPool):
        crashed.result(timeout=WAIT)
    assert pool.submit(sum, [1, 2]).result(timeout=WAIT) == 3


class CrashingPool(RecyclingProcessPool):
    """Kills the worker of every conversion of an asset whose name starts with 'crash'."""

    def submit(self, fn, /, *args, **kwargs):
        task = args[0] if args else None
        if getattr(task, "object_name", "").startswith("crash"):
            return super().submit(os._exit, 3)
        return super().submit(fn, *args, **kwargs)


def test_an_asset_that_kills_its_worker_fails_alone(make_coordinator, session):
    executor = CrashingPool(2)
    try:
        coordinator = make_coordinator(executor=executor, max_workers=2)
        names = ["good0.jpg", "crash.jpg", "good1.jpg", "good2.jpg"]
        handles = [session.upload(image_bytes(n), name=name).handle for n, name in enumerate(names)]
        job = ExportJob(handles, fmt="convert", is_modifier="fmt=png")
        record = coordinator.wait(session, coordinator.submit_job(session, job), timeout=WAIT)
    finally:
        executor.shutdown()

    assert (record.success_count, record.error_count, record.fatal_error) == (3, 1, False)
    assert list(zip_entries(record.package)) == ["good0.png", "good1.png", "good2.png"]
    [failure] = [
        d for d in coordinator.get_job_log_details(session, record.handle) if d.severity == "error"
    ]
    assert failure.asset_name == "crash.jpg"
    assert "worker process" in failure.message
