"""Export throughput on a Dask cluster (one-thread workers) with 1 and 2 workers, beside the
local process pool in the same run (``test_export.py``'s groups): the summary prints Dask
1 → 2 workers (target on 2 cores: at least 1.8x) and Dask against the local pool with as
many workers (target: at most 15 % slower). Same job, same 48 assets, same warm-up job.

The cluster is started as it is deployed (``kits.dask_cluster``): a ``dask scheduler``
process and a ``dask worker`` process per worker, each in its own session like the local
pool's workers. A ``LocalCluster`` would run the scheduler and the nannies inside the
coordinator's process (sharing its interpreter lock with the job's thread), and keep the
workers in the benchmark's session, where Linux's per-session scheduling (autogroup) gives
them together the CPU share that each local pool worker gets alone on a busy machine."""

from __future__ import annotations

import pytest
from kits.dask_cluster import dask_cluster
from test_export import ASSETS, MEGAPIXELS, catalog_home, measure_export  # noqa: F401

pytest.importorskip("distributed", reason="needs isrender[dask]")


@pytest.fixture(params=[1, 2], ids=lambda n: f"{n}-dask-workers")
def scheduler(request):
    with dask_cluster(request.param) as address:
        yield request.param, address


def test_dask_export_throughput(benchmark, catalog_home, scheduler):  # noqa: F811
    home, handles = catalog_home
    workers, address = scheduler
    group = f"export-{ASSETS}x{MEGAPIXELS}mp-dask"
    measure_export(benchmark, home, handles, group, workers, executor=address)
