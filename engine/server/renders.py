"""Renders off the event loop: a bounded queue in front of the export's worker pool.

The server never renders in its own process. :class:`RenderPool` hands :class:`RenderTask`s
to :class:`~engine.export.pool.RecyclingProcessPool`, which isolates each render in a worker
process (a worker that dies fails only its own render), kills and replaces a worker whose
render runs past the time limit (:class:`~engine.errors.TimeLimitError`, HTTP 504), keeps
terminal signals away from the workers and ends them with the server. What the server adds
is the bound: at most ``workers + queue`` renders running or waiting; one more is refused at
once with :class:`~engine.errors.BusyError` (HTTP 503), so memory and latency stay bounded.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import BusyError
from engine.export.pool import RecyclingProcessPool
from engine.macros import MacroTable

#: Imported by each worker before its first render, outside any render's time limit.
PRELOAD = ("engine.renderer", "engine.parser", "plugins")


@dataclass(frozen=True)
class RenderTask:
    """One render: ``kind`` ``img`` returns a :class:`~engine.renderer.Rendition`, ``props``
    the ``req=props`` fields (a dict), ``map`` the ``req=map`` areas (a str). ``source`` is
    None for a request whose layer 0 is its own (a template, ``color=``/``text=`` with
    ``size=``)."""

    kind: str
    source: str | None
    request: str = ""
    macros: MacroTable | None = None
    object_name: str | None = None
    resolver: Any = None  # src=/mask= objects: the company's images (CatalogResolver)


def run_render(task: RenderTask) -> Any:
    """Runs in a worker process."""
    from engine.parser import parse
    from engine.plan import Plan
    from engine.renderer import render, render_props

    plan = parse(task.request, macros=task.macros, object_name=task.object_name)
    source = None if task.source is None else Path(task.source)
    if task.kind == "map":
        from engine.imagemap import image_map

        return image_map(source, plan, macros=task.macros, resolver=task.resolver)
    if task.kind == "props":  # evaluated as the image request it describes
        image_plan = Plan(tuple(n for n in plan if n.command != "req"), plan.object_name)
        return render_props(Path(task.source), image_plan, resolver=task.resolver)
    return render(source, plan, resolver=task.resolver)


class RenderPool:
    """Bounded renders in worker processes; use from one event loop."""

    def __init__(
        self, workers: int, queue: int, *, time_limit: float, tasks_per_worker: int = 64
    ) -> None:
        self.workers = workers
        self.capacity = workers + queue
        self.pending = 0
        self._pool = RecyclingProcessPool(
            workers, tasks_per_worker, time_limit=time_limit, preload=PRELOAD
        )

    async def start(self) -> None:
        """Start the worker processes before the first request needs them."""
        pings = [self._pool.submit(os.getpid) for _ in range(self.workers)]
        await asyncio.gather(*(asyncio.wrap_future(ping) for ping in pings))

    async def run(self, task: RenderTask) -> Any:
        """The task's result, or its error; BusyError at once when the pool is full."""
        if self.pending >= self.capacity:
            raise BusyError(
                f"all {self.workers} render workers are busy and {self.capacity - self.workers} "
                "requests are waiting; retry later"
            )
        self.pending += 1
        try:
            return await asyncio.wrap_future(self._pool.submit(run_render, task))
        finally:
            self.pending -= 1

    def shutdown(self) -> None:
        """Wait for the renders in flight, then end the worker processes."""
        self._pool.shutdown(wait=True, cancel_futures=True)
