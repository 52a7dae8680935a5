"""The coordinator's default executor: local worker processes that are recycled.

Workers run conversions with Pillow and numpy; allocator fragmentation and codec caches make
long-lived image workers grow (peers.md §3.1), so workers are replaced regularly. The pool does
it by generations instead of ``ProcessPoolExecutor(max_tasks_per_child=...)``, which deadlocks
once a worker retires while tasks are queued on every Python from 3.11 to 3.15.0b3
(python/cpython#115634): after ``workers × tasks_per_worker`` tasks, new tasks go to a fresh
pool and the old one finishes what it holds, then exits. A pool broken by a dying worker is
replaced the same way. Workers start from a forkserver (spawn where there is none), never by
forking the threaded coordinator process.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

TASKS_PER_WORKER = 64
_PRELOAD = ["engine.export.worker", "engine.renderer"]


def _context() -> multiprocessing.context.BaseContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(_PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


class RecyclingProcessPool(Executor):
    """A process pool whose worker processes are replaced every so many tasks."""

    def __init__(self, max_workers: int | None = None, tasks_per_worker: int = TASKS_PER_WORKER):
        self.max_workers = max_workers or os.cpu_count() or 1
        self._budget = self.max_workers * tasks_per_worker
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._submitted = 0
        self._closed = False

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._lock:
            if self._closed:
                raise RuntimeError("cannot submit to a pool that was shut down")
            if self._pool is None or self._submitted >= self._budget:
                self._new_generation()
            try:
                future = self._pool.submit(fn, *args, **kwargs)  # type: ignore[union-attr]
            except BrokenProcessPool:
                self._new_generation()
                future = self._pool.submit(fn, *args, **kwargs)  # type: ignore[union-attr]
            self._submitted += 1
            return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=wait, cancel_futures=cancel_futures)

    def _new_generation(self) -> None:
        """A retired pool completes the futures it holds (their owners wait for them)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False)
        self._pool = ProcessPoolExecutor(self.max_workers, mp_context=_context())
        self._submitted = 0
