"""Local worker processes for conversions (the coordinator's default executor, and every other
front end's): hardened, recycled, and with a time limit per task.

``RecyclingProcessPool(max_workers=None, tasks_per_worker=64, *, time_limit=None,
preload=())`` is a :class:`concurrent.futures.Executor`: ``submit(fn, *args, **kwargs)``
returns a future,
``shutdown(wait=True, cancel_futures=False)`` lets the tasks in flight finish (and, without
``cancel_futures``, the queued ones) and ends the workers. ``fn`` and its arguments are
pickled, so ``fn`` must be importable from the installed environment (a module-level
function of an installed package or the standard library).

- **Isolation**: each worker runs one task at a time, so a worker that dies (crash, out of
  memory, killed) fails only its own task, with :class:`BrokenProcessPool`; the next task gets
  a fresh worker.
- **Preloading**: each new worker imports the modules named in ``preload`` before it takes
  its first task, so their import time counts against no task's time limit.
- **Time limit**: a task still running ``time_limit`` seconds after its worker started it
  fails with :class:`~engine.errors.TimeLimitError` and its worker is killed (SIGKILL) and
  replaced; the other tasks are not affected.
- **Recycling**: a worker is replaced after ``tasks_per_worker`` tasks, because allocator
  fragmentation and codec caches make long-lived image workers grow (peers.md §3.1).
- **Hardening** (see :mod:`engine.export.workerprocess`): workers import only from the
  installed environment, never from the working directory; they run in their own session, so
  a terminal's Ctrl-C (SIGINT to the foreground process group) or hang-up does not reach them;
  they end when the process that owns the pool ends, however it ends (even ``kill -9``), and
  hold none of its files but standard error (so a pipe reading its standard output ends).
  No forkserver and no resource tracker are involved: one management thread starts, feeds
  and reaps the workers.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import selectors
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from engine.cores import usable_cores
from engine.errors import SettingsError, TimeLimitError
from engine.export.frames import read_frame, write_frame

TASKS_PER_WORKER = 64
STOP_WAIT_S = 5.0  # how long an idle worker gets to exit before it is killed


@dataclass
class _Task:
    future: Future
    payload: bytes


@dataclass
class _Worker:
    process: subprocess.Popen
    done: int = 0
    ready: bool = False  # it has imported the preloaded modules
    task: _Task | None = None
    deadline: float = field(default=float("inf"))

    @property
    def reply_fd(self) -> int:
        return self.process.stdout.fileno()  # type: ignore[union-attr]


class RecyclingProcessPool(Executor):
    """See the module docstring."""

    def __init__(
        self,
        max_workers: int | None = None,
        tasks_per_worker: int = TASKS_PER_WORKER,
        *,
        time_limit: float | None = None,
        preload: Sequence[str] = (),
    ) -> None:
        if max_workers is not None and (not isinstance(max_workers, int) or max_workers < 1):
            raise SettingsError(
                f"the number of worker processes must be 1 or more, not {max_workers!r}"
            )
        if tasks_per_worker < 1:
            raise SettingsError(f"tasks per worker must be 1 or more, not {tasks_per_worker!r}")
        if time_limit is not None and not time_limit > 0:
            raise SettingsError(f"the time limit must be more than 0 seconds, not {time_limit!r}")
        self.max_workers = max_workers or usable_cores()
        self.tasks_per_worker = tasks_per_worker
        self.time_limit = time_limit
        self.preload = tuple(preload)
        self._lock = threading.Lock()
        self._queue: deque[_Task] = deque()
        self._closed = False
        self._manager = threading.Thread(target=self._manage, name="isrender pool", daemon=True)
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_w, False)  # a full pipe already wakes the manager

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        payload = pickle.dumps((fn, args, kwargs), pickle.HIGHEST_PROTOCOL)
        future: Future[Any] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("cannot submit to a pool that was shut down")
            self._queue.append(_Task(future, payload))
            if self._manager.ident is None:  # started with the first task
                self._manager.start()
        self._wake()
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._closed = True
            cancelled = list(self._queue) if cancel_futures else []
            if cancel_futures:
                self._queue.clear()
            started = self._manager.ident is not None
        for task in cancelled:
            task.future.cancel()
        if not started:
            self._close_wake_pipe()
            return
        self._wake()
        if wait:
            self._manager.join()

    def _wake(self) -> None:
        with self._lock, contextlib.suppress(OSError):
            if self._wake_w >= 0:
                os.write(self._wake_w, b"\0")

    def _close_wake_pipe(self) -> None:
        with self._lock:
            fds, self._wake_r, self._wake_w = (self._wake_r, self._wake_w), -1, -1
        for fd in fds:
            with contextlib.suppress(OSError):
                os.close(fd)

    # --- the management thread -----------------------------------------------------------------

    def _manage(self) -> None:
        """Start workers, hand them tasks, collect replies, enforce the time limit, reap."""
        workers: list[_Worker] = []
        with selectors.DefaultSelector() as selector:
            selector.register(self._wake_r, selectors.EVENT_READ)
            try:
                while self._dispatch(workers, selector):
                    deadline = min((w.deadline for w in workers), default=float("inf"))
                    wait = (
                        None if deadline == float("inf") else max(0.0, deadline - time.monotonic())
                    )
                    for key, _ in selector.select(wait):
                        if key.fd == self._wake_r:
                            os.read(self._wake_r, 4096)
                        else:
                            self._collect(key.data, workers, selector)
                    self._enforce_time_limit(workers, selector)
            finally:  # normally every worker is idle here; not after an unexpected error
                for worker in list(workers):
                    task = worker.task
                    self._retire(worker, workers, selector)
                    if task is not None:
                        task.future.set_exception(BrokenProcessPool("the worker pool stopped"))
                with self._lock:
                    self._closed = True
                    left, self._queue = list(self._queue), deque()
                for task in left:
                    task.future.cancel()
                self._close_wake_pipe()

    def _dispatch(self, workers: list[_Worker], selector: selectors.BaseSelector) -> bool:
        """Give queued tasks to idle workers (starting workers as needed); ``False`` once the
        pool is shut down and nothing is left to do."""
        while True:
            with self._lock:
                if not self._queue:
                    return not (self._closed and all(w.task is None for w in workers))
                idle = next((w for w in workers if w.task is None), None)
                if idle is None and len(workers) >= self.max_workers:
                    return True
                task = self._queue.popleft()
            if not task.future.set_running_or_notify_cancel():
                continue
            try:
                worker = idle or self._start(workers, selector)
                write_frame(worker.process.stdin, task.payload)  # type: ignore[arg-type]
            except OSError as exc:  # cannot start a process, or it died while idle
                if idle is not None:
                    self._retire(idle, workers, selector, kill=True)
                task.future.set_exception(
                    BrokenProcessPool(f"no worker process could take the task: {exc}")
                )
                continue
            worker.task = task
            if worker.ready:
                self._start_clock(worker)

    def _start_clock(self, worker: _Worker) -> None:
        limit = self.time_limit
        worker.deadline = float("inf") if limit is None else time.monotonic() + limit

    def _start(self, workers: list[_Worker], selector: selectors.BaseSelector) -> _Worker:
        process = subprocess.Popen(
            [
                *(sys.executable, "-P", "-m", "engine.export.workerprocess"),
                *(str(os.getpid()), *self.preload),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,  # unbuffered: what the selector reports is what read_frame reads
            start_new_session=True,
        )
        worker = _Worker(process)
        workers.append(worker)
        selector.register(worker.reply_fd, selectors.EVENT_READ, worker)
        return worker

    def _collect(
        self, worker: _Worker, workers: list[_Worker], selector: selectors.BaseSelector
    ) -> None:
        frame = read_frame(worker.process.stdout)  # type: ignore[arg-type]
        if frame is not None and not worker.ready:  # the first frame says it is ready
            worker.ready = True
            if worker.task is not None:
                self._start_clock(worker)
            return
        task, worker.task, worker.deadline = worker.task, None, float("inf")
        if frame is None:
            self._retire(worker, workers, selector, kill=True)
            if task is not None:
                status = worker.process.returncode
                task.future.set_exception(
                    BrokenProcessPool(
                        f"the worker process running this task died (exit status {status})"
                    )
                )
            return
        worker.done += 1
        if task is not None:
            try:
                ok, value = pickle.loads(frame)
            except Exception as exc:
                ok, value = False, RuntimeError(f"the task's reply cannot be read: {exc}")
            if ok:
                task.future.set_result(value)
            else:
                task.future.set_exception(value)
        if worker.done >= self.tasks_per_worker:
            self._retire(worker, workers, selector)

    def _enforce_time_limit(self, workers: list[_Worker], selector: selectors.BaseSelector) -> None:
        now = time.monotonic()
        for worker in [w for w in workers if w.deadline <= now]:
            task = worker.task
            self._retire(worker, workers, selector, kill=True)
            if task is not None:
                task.future.set_exception(
                    TimeLimitError(
                        f"it ran longer than the time limit of {self.time_limit:g} s; its "
                        "worker process was killed"
                    )
                )

    def _retire(
        self,
        worker: _Worker,
        workers: list[_Worker],
        selector: selectors.BaseSelector,
        *,
        kill: bool = False,
    ) -> None:
        """End a worker: closing its stdin ends an idle one; a busy or stuck one is killed."""
        workers.remove(worker)
        selector.unregister(worker.reply_fd)
        process = worker.process
        if kill or worker.task is not None:
            process.kill()
        with contextlib.suppress(OSError):
            process.stdin.close()  # type: ignore[union-attr]
        try:
            process.wait(STOP_WAIT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()  # type: ignore[union-attr]
