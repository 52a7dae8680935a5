"""Conversions on a Dask cluster: ``Coordinator(catalog, executor="tcp://scheduler:8786")``,
``isrender export --executor tcp://…`` or ``$ISRENDER_EXECUTOR``.

The executor is Dask's own ``distributed.Client(address).get_executor(pure=False)``, a
:class:`concurrent.futures.Executor`, so the job runner treats it like the local pool. Dask
decides where a conversion runs; a worker that dies mid-task (crash, out of memory, a lost
host) makes the scheduler run the task again on another worker, and only after
``distributed.scheduler.allowed-failures`` deaths (default 3) does the future raise
``KilledWorker``, which the runner logs as that asset's error. A conversion is idempotent (it
rewrites one staged file named after its position), so a re-run never duplicates an entry.

A task converts a batch of up to ``BATCH`` assets, one result per asset
(``engine.export.batch``): the scheduler, the client and the worker's event loop pay their
costs per task, a few milliseconds of CPU each, which on a 4-Mpixel thumbnail is as much as a
sixth of the conversion itself. Batches shrink towards the end of a job, so the workers finish
together. A batch whose workers all died (``KilledWorker``) is sent again one asset per task,
so only the asset at fault is lost. Each conversion has the time limit
``ExportLimits.max_convert_seconds``, enforced inside the worker (see ``batch``): a worker
whose conversion overruns it is killed and restarted by its nanny, and the asset is an error.

Workers need isrender installed (the task is ``engine.export.batch.convert_batch``), must reach
the same storage as the coordinator (see ``engine.storage``) and should keep their nanny (the
default), which restarts them. Each worker imports the renderer once when it starts
(``daskplugin``).

Dask is optional: ``pip install 'isrender[dask]'``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

from engine.errors import SettingsError

ENV_EXECUTOR = "ISRENDER_EXECUTOR"
LOCAL = "local"
CONNECT_TIMEOUT_S = 10.0
BATCH = 8  # the most assets in one Dask task


def chosen_executor(executor: Executor | str | None) -> Executor | str | None:
    """The executor a coordinator uses: ``executor`` (``None``: ``$ISRENDER_EXECUTOR``), with
    ``""`` and ``"local"`` meaning the local pool (``None``)."""
    if executor is None:
        executor = os.environ.get(ENV_EXECUTOR, "")
    if isinstance(executor, str):
        executor = executor.strip()
        return None if executor in ("", LOCAL) else executor
    return executor


class DaskExecutor(Executor):
    """Conversions on the Dask cluster whose scheduler is at ``address``; SettingsError at
    once when it cannot be reached (never a fall-back to local workers)."""

    def __init__(self, address: str, *, timeout: float | None = None) -> None:
        timeout = CONNECT_TIMEOUT_S if timeout is None else timeout
        if "://" not in address:
            raise SettingsError(
                f"invalid executor {address!r}: expected 'local' or a Dask scheduler address "
                "such as tcp://scheduler:8786"
            )
        try:
            from distributed import Client
        except ImportError:
            raise SettingsError(
                f"the executor {address} is a Dask cluster, which needs Dask: "
                "pip install 'isrender[dask]'"
            ) from None
        try:
            self.client = Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise SettingsError(
                f"cannot reach the Dask scheduler at {address} within {timeout:g} s: {exc}"
            ) from None
        self.address = address
        from engine.export.daskplugin import Preload

        self.client.register_plugin(Preload())
        self._executor = self.client.get_executor(pure=False)

    @property
    def threads(self) -> int:
        """How many conversions the cluster runs at once now (its worker threads)."""
        return sum(self.client.nthreads().values())

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        return self._executor.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._executor.shutdown(wait=wait and not cancel_futures)
        self.client.close()


def is_killed_worker(error: BaseException) -> bool:
    """Dask's ``KilledWorker``, recognised without importing Dask."""
    return type(error).__name__ == "KilledWorker"
