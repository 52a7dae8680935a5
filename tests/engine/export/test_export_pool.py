"""The default executor: recycled worker processes, and recovery when a worker dies."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from concurrent.futures import wait
from concurrent.futures.process import BrokenProcessPool

import pytest
from export_kit import WAIT, image_bytes, zip_entries

from engine.errors import SettingsError, TimeLimitError
from engine.export import Coordinator, ExportJob, ExportLimits, RecyclingProcessPool
from engine.export.coordinator import PRELOAD


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


class TroublePool(RecyclingProcessPool):
    """Runs ``trouble`` (a crash, a hang) instead of the conversion of the asset named 'bad'."""

    def __init__(self, trouble, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.trouble = trouble

    def submit(self, fn, /, *args, **kwargs):
        [task] = args[0]  # the local pool gets batches of one conversion
        if task.object_name == "bad":
            return super().submit(*self.trouble)
        return super().submit(fn, *args, **kwargs)


@pytest.mark.parametrize(
    ("trouble", "options", "message"),
    [
        (
            (os._exit, 3),
            {},
            "the worker process converting this asset died (crash or out of memory)",
        ),
        (
            (time.sleep, 120),  # issue 8.14: a conversion over its time limit
            {"time_limit": 3.0, "preload": PRELOAD},
            "conversion stopped: it ran longer than the time limit of 3 s; its worker process was "
            "killed",
        ),
    ],
    ids=["worker dies", "over the time limit"],
)
def test_an_asset_whose_conversion_crashes_or_hangs_fails_alone(
    make_coordinator, session, trouble, options, message
):
    executor = TroublePool(trouble, 2, **options)
    try:
        coordinator = make_coordinator(executor=executor, max_workers=2)
        names = ["good0.jpg", "bad.jpg", "good1.jpg", "good2.jpg"]
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
    assert failure.asset_name == "bad.jpg"
    assert failure.message == message


def test_a_task_over_the_time_limit_is_ended_alone():
    """Issue 8.14: every conversion has a time limit that ends it cleanly."""
    with RecyclingProcessPool(2, time_limit=1.0) as limited:
        stuck = limited.submit(time.sleep, 120)
        quick = [limited.submit(sum, [n, 1]) for n in range(6)]
        assert [future.result(timeout=WAIT) for future in quick] == [1, 2, 3, 4, 5, 6]
        with pytest.raises(TimeLimitError, match="time limit of 1 s"):
            stuck.result(timeout=WAIT)
        assert limited.submit(sum, [2, 2]).result(timeout=WAIT) == 4  # a fresh worker


def test_workers_take_no_terminal_signals():
    """Issue 8.4: a terminal's Ctrl-C reaches its foreground process group, not the workers."""
    with RecyclingProcessPool(1) as single:
        worker = single.submit(os.getpid).result(timeout=WAIT)
        assert os.getpgid(worker) != os.getpgid(0)
        assert os.getsid(worker) != os.getsid(0)
        sleeping = single.submit(time.sleep, 1.0)
        time.sleep(0.3)
        os.kill(worker, signal.SIGINT)
        assert sleeping.result(timeout=WAIT) is None  # not KeyboardInterrupt
        assert single.submit(os.getpid).result(timeout=WAIT) == worker


def test_zero_workers_is_a_settings_error(catalog):
    """Issue 8.21: these raised ValueError, outside the error hierarchy."""
    with pytest.raises(SettingsError, match="1 or more"):
        RecyclingProcessPool(0)
    with pytest.raises(SettingsError, match="max_workers must be 1 or more, not 0"):
        Coordinator(catalog, max_workers=0)
    with pytest.raises(SettingsError, match="max_convert_seconds must be more than 0"):
        Coordinator(catalog, limits=ExportLimits(max_convert_seconds=0))


def test_a_task_that_exits_the_interpreter_fails_only_itself(pool):
    # sys.exit() in a task must not become the caller's SystemExit: awaited on an event loop
    # (the server's render pool does so), it would stop the whole loop, and so the server.
    async def render():
        return await asyncio.wrap_future(pool.submit(sys.exit, 3))

    with pytest.raises(RuntimeError, match=r"SystemExit\(3\)"):
        asyncio.run(render())
    assert pool.submit(sum, [1, 2]).result(timeout=WAIT) == 3
