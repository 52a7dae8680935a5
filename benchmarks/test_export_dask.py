"""Export throughput on a Dask ``LocalCluster`` (processes, one thread each) with 1 and 2
workers, beside the local process pool in the same run (``test_export.py``'s groups): the
summary prints Dask 1 → 2 workers (target on 2 cores: at least 1.8x) and Dask against the
local pool with as many workers (target: at most 15 % slower). Same job, same 48 assets."""

from __future__ import annotations

import pytest
from test_export import ASSETS, MEGAPIXELS, catalog_home, measure_export  # noqa: F401

distributed = pytest.importorskip("distributed", reason="needs isrender[dask]")


@pytest.fixture(params=[1, 2], ids=lambda n: f"{n}-dask-workers")
def scheduler(request):
    with distributed.LocalCluster(
        n_workers=request.param,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
    ) as cluster:
        yield request.param, cluster.scheduler_address


def test_dask_export_throughput(benchmark, catalog_home, scheduler):  # noqa: F811
    home, handles = catalog_home
    workers, address = scheduler
    group = f"export-{ASSETS}x{MEGAPIXELS}mp-dask"
    measure_export(benchmark, home, handles, group, workers, executor=address)
