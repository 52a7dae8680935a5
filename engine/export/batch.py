"""The task an executor runs: convert a batch of assets, one result per asset.

The local pool gets batches of one (its own time limit ends a conversion by killing its
worker process); a Dask cluster gets batches of several assets per task, so the scheduler's,
the client's and the worker's costs per task are paid once per batch (see ``cluster``).
Each asset still has its own result: a failing conversion is that asset's error, never the
batch's.

On Dask, ``time_limit`` is each conversion's time limit, enforced inside the worker process:
a watchdog thread that finds a conversion still running then writes a marker next to the
staged renditions (``00007.timed-out``, holding the error) and kills its own process
(SIGKILL: a conversion stuck in C code cannot be interrupted otherwise). The worker's nanny
starts a fresh worker, and the scheduler runs the batch again elsewhere; that run finds the
marker and reports the asset's time-limit error instead of converting it again. A worker
without a nanny (``dask worker --no-nanny``) is not replaced.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from engine import storage
from engine.export.worker import ConvertResult, ConvertTask, convert

TIMED_OUT = ".timed-out"


def convert_batch(
    tasks: Sequence[ConvertTask],
    time_limit: float | None = None,
    convert_one: Callable[[ConvertTask], ConvertResult] = convert,
) -> list[ConvertResult]:
    """``convert_one`` each task, in order, each under ``time_limit`` seconds (``None``: no
    watchdog; the executor limits the task); the results in the tasks' order."""
    timed_out = _timed_out(tasks) if time_limit is not None else {}
    results = []
    for task in tasks:
        if task.position in timed_out:
            results.append(ConvertResult(task.position, error=timed_out[task.position]))
        elif time_limit is None:
            results.append(convert_one(task))
        else:
            results.append(_within(time_limit, convert_one, task))
    return results


def _within(
    time_limit: float, convert_one: Callable[[ConvertTask], ConvertResult], task: ConvertTask
) -> ConvertResult:
    with _WATCHDOG.watching(task, time_limit):
        return convert_one(task)


class _Watchdog:
    """One thread per worker process that ends the process when a conversion overruns its
    time limit. Arming and disarming only take a lock: the thread sleeps until the earliest
    deadline it knows of, so it wakes about once per time limit, not once per conversion."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._running: dict[int, tuple[float, ConvertTask, float]] = {}  # thread → deadline …
        self._thread: threading.Thread | None = None
        self._wakes_at = float("inf")  # when the thread looks again

    @contextmanager
    def watching(self, task: ConvertTask, time_limit: float) -> Iterator[None]:
        converting = threading.get_ident()
        deadline = time.monotonic() + time_limit
        with self._condition:
            self._running[converting] = (deadline, task, time_limit)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._watch, name="isrender time limit", daemon=True
                )
                self._thread.start()
            elif deadline < self._wakes_at:  # idle, or this limit is shorter than the others
                self._condition.notify()
        try:
            yield
        finally:
            with self._condition:
                del self._running[converting]

    def _watch(self) -> None:
        with self._condition:
            while True:
                if not self._running:
                    self._wakes_at = float("inf")
                    self._condition.wait()
                    continue
                deadline, task, time_limit = min(self._running.values(), key=lambda v: v[0])
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._wakes_at = deadline
                self._condition.wait(left)
        _overran(task, time_limit)


_WATCHDOG = _Watchdog()


def _overran(task: ConvertTask, time_limit: float) -> None:
    """The conversion of ``task`` is over its time limit: leave the verdict for the re-run,
    then end this worker process (its nanny replaces it)."""
    message = (
        f"conversion stopped: it ran longer than the time limit of {time_limit:g} s; its Dask "
        "worker process was killed and restarted"
    )
    try:
        storage.write_bytes(_marker(task), message.encode())
    finally:
        os.kill(os.getpid(), signal.SIGKILL)


def _marker(task: ConvertTask) -> str:
    return storage.join(task.staging, _marker_name(task))


def _marker_name(task: ConvertTask) -> str:
    return f"{task.position:05d}{TIMED_OUT}"


def _timed_out(tasks: Sequence[ConvertTask]) -> dict[int, str]:
    """Position → error of the tasks whose conversion an earlier run found over its time
    limit (one listing of the staging folder per batch)."""
    if not tasks:
        return {}
    names = storage.names(tasks[0].staging)
    return {
        task.position: storage.read_bytes(_marker(task)).decode()
        for task in tasks
        if _marker_name(task) in names
    }
