"""Conversions that misbehave on a Dask worker, and an executor that sends them (issue 12).

This module travels to the workers by value (``cloudpickle.register_pickle_by_value``), so
they need not import the tests."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from engine.export.batch import convert_batch
from engine.export.cluster import DaskExecutor
from engine.export.worker import ConvertResult, ConvertTask, convert

SLOW_S = 1.5


def slow_convert(task: ConvertTask) -> ConvertResult:
    """A conversion that takes long enough to be caught mid-task."""
    time.sleep(SLOW_S)
    return convert(task)


def die(task: ConvertTask) -> ConvertResult:
    """The worker process dies on this asset, every time (a crashing codec)."""
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("unreachable")


def hang(task: ConvertTask) -> ConvertResult:
    """A conversion that never ends by itself (the local pool tests' ``time.sleep(120)``)."""
    time.sleep(120)
    return convert(task)


def swapped_batch(
    tasks: tuple[ConvertTask, ...],
    time_limit: float | None,
    swaps: dict[int, Callable[[ConvertTask], ConvertResult]],
) -> list[ConvertResult]:
    """The real batch, with some positions' conversion replaced."""
    return convert_batch(tasks, time_limit, lambda task: swaps.get(task.position, convert)(task))


class SwappingExecutor(DaskExecutor):
    """Runs ``swap(task)`` (a function of this module, or ``None`` to keep ``convert``) for
    each asset of a batch."""

    def __init__(self, address: str, swap: Callable[[ConvertTask], Any]) -> None:
        super().__init__(address)
        self.swap = swap
        self.batches: list[int] = []  # how many assets each task carried

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        tasks, time_limit = args
        self.batches.append(len(tasks))
        swaps = {task.position: swap for task in tasks if (swap := self.swap(task))}
        return super().submit(swapped_batch, tasks, time_limit, swaps)
