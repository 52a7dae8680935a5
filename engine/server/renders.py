"""Renders off the event loop: a bounded pool of worker processes with a time limit per render.

The server never renders in its own process. :class:`RenderPool` hands :class:`RenderTask`s
to the export coordinator's :class:`~engine.export.pool.RecyclingProcessPool` (recycled
worker processes, forkserver) and adds what a server needs on top:

* a bound: at most ``workers + queue`` renders running or waiting; one more is refused at
  once with :class:`~engine.errors.BusyError` (HTTP 503), so memory and latency stay bounded;
* a time limit, enforced inside the worker (:func:`run_render`): after ``time_limit``
  seconds a ``SIGALRM`` stops the render with :class:`~engine.errors.TimeLimitError` (504)
  and the worker lives on; a render stuck in C code that long ignores that, so a CPU-time
  timer (``SIGVTALRM``, whose default action ends the process) kills the worker after
  twice the limit plus a second of CPU. The pool then replaces it, and each render that
  the dead worker's pool lost is submitted once more (renders are pure functions of their
  task). The parent also stops waiting after a backstop deadline, so a request never hangs.
* workers ignore SIGINT while they render: Ctrl-C in the terminal reaches the whole process
  group, and the server, not the workers, decides to drain and stop.

The time limit belongs in the pool itself (issue 8 item 14); until it is there it lives here.
"""

from __future__ import annotations

import asyncio
import math
import os
import signal
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import BusyError, TimeLimitError
from engine.export.pool import RecyclingProcessPool
from engine.macros import MacroTable

#: Seconds a parent waits beyond the renders that may be ahead of a request (backstop).
BACKSTOP_SLACK = 5.0


@dataclass(frozen=True)
class RenderTask:
    """One render: ``kind`` ``img`` returns a :class:`~engine.renderer.Rendition`, ``props``
    the ``req=props`` fields (a dict), ``ping`` the worker's pid."""

    kind: str
    source: str = ""
    request: str = ""
    macros: MacroTable | None = None
    object_name: str | None = None
    time_limit: float = 30.0


def run_render(task: RenderTask) -> Any:
    """Runs in a worker process: the render, within the task's time limit."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if task.kind == "ping":
        return os.getpid()
    from engine.parser import parse
    from engine.plan import Plan
    from engine.renderer import render, render_props

    previous = signal.signal(signal.SIGALRM, _out_of_time)
    signal.setitimer(signal.ITIMER_REAL, task.time_limit)
    signal.setitimer(signal.ITIMER_VIRTUAL, 2 * task.time_limit + 1)
    try:
        plan = parse(task.request, macros=task.macros, object_name=task.object_name)
        if task.kind == "props":  # evaluated as the image request it describes
            image_plan = Plan(tuple(n for n in plan if n.command != "req"), plan.object_name)
            return render_props(Path(task.source), image_plan)
        return render(Path(task.source), plan)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _out_of_time(signum: int, frame: object) -> None:
    raise TimeLimitError("the render took longer than its time limit and was stopped")


class RenderPool:
    """Bounded renders in worker processes; use from one event loop."""

    def __init__(
        self, workers: int, queue: int, *, time_limit: float, tasks_per_worker: int = 64
    ) -> None:
        self.workers = workers
        self.capacity = workers + queue
        self.time_limit = time_limit
        self.pending = 0
        self._pool = RecyclingProcessPool(workers, tasks_per_worker)

    async def start(self) -> None:
        """Start the worker processes before the first request needs them."""
        pings = [self._pool.submit(run_render, RenderTask("ping")) for _ in range(self.workers)]
        await asyncio.gather(*(asyncio.wrap_future(p) for p in pings))

    async def run(self, task: RenderTask) -> Any:
        """The task's result, or its error; BusyError at once when the pool is full."""
        if self.pending >= self.capacity:
            raise BusyError(
                f"all {self.workers} render workers are busy and {self.capacity - self.workers} "
                "requests are waiting; retry later"
            )
        self.pending += 1
        try:
            return await self._run(task)
        finally:
            self.pending -= 1

    async def _run(self, task: RenderTask) -> Any:
        loop = asyncio.get_running_loop()
        ahead = math.ceil(self.pending / self.workers)
        deadline = loop.time() + (ahead + 1) * (2 * task.time_limit + 1) + BACKSTOP_SLACK
        for attempt in (1, 2):
            future: Future[Any] = self._pool.submit(run_render, task)
            try:
                return await asyncio.wait_for(
                    asyncio.wrap_future(future), max(0.0, deadline - loop.time())
                )
            except BrokenProcessPool:
                if attempt == 2:
                    raise TimeLimitError(
                        "the render worker ended twice while rendering (killed for running "
                        "out of time, or out of memory)"
                    ) from None
            except TimeoutError:
                future.cancel()
                raise TimeLimitError("no render worker finished this request in time") from None
        raise AssertionError("unreachable")

    def shutdown(self) -> None:
        """Wait for the renders in flight, then end the worker processes."""
        self._pool.shutdown(wait=True, cancel_futures=True)
