"""What every Dask worker does once when it starts (imported only where Dask is installed, by
:class:`engine.export.cluster.DaskExecutor`, and on the workers)."""

from __future__ import annotations

import importlib
from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin

from engine.export.worker import PRELOAD


class Preload(WorkerPlugin):
    """Import what a conversion needs (the renderer, its plugin registry) when a worker
    starts, and on every worker that joins later or is restarted, so no conversion pays for
    it and no import counts against a conversion's time limit."""

    name = "isrender-preload"

    def setup(self, worker: Any) -> None:
        for module in PRELOAD:
            importlib.import_module(module)
