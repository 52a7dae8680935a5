"""Export throughput on a Dask cluster (one-thread workers) with 1 and 2 workers, beside the
local process pool in the same run (``test_export.py``'s groups): the summary prints Dask
1 → 2 workers (target on 2 cores: at least 1.8x) and Dask against the local pool with as
many workers (target: at most 15 % slower). Same job, same 48 assets, same warm-up job.

Two cluster shapes are measured. ``deployed`` starts the cluster as it is deployed
(``kits.dask_cluster``): a ``dask scheduler`` process and a ``dask worker`` process per
worker, each in its own session like the local pool's workers. ``localcluster`` is the
issue's ``LocalCluster``: the scheduler and the nannies run inside the coordinator's process
(sharing its interpreter lock with the job's thread), and the workers stay in the
benchmark's session, where Linux's per-session scheduling (autogroup) gives them together
the CPU share that each local pool worker gets alone on a busy machine."""

from __future__ import annotations

import pytest
from kits.dask_cluster import dask_cluster, local_cluster
from test_export import ASSETS, MEGAPIXELS, catalog_home, measure_export  # noqa: F401

pytest.importorskip("distributed", reason="needs isrender[dask]")

SHAPES = {"deployed": ("dask", dask_cluster), "localcluster": ("dask-localcluster", local_cluster)}


@pytest.fixture(
    params=[(shape, n) for shape in SHAPES for n in (1, 2)],
    ids=lambda param: f"{param[0]}-{param[1]}-dask-workers",
)
def scheduler(request):
    shape, workers = request.param
    suffix, start = SHAPES[shape]
    with start(workers) as address:
        yield suffix, workers, address


def test_dask_export_throughput(benchmark, catalog_home, scheduler):  # noqa: F811
    home, handles = catalog_home
    suffix, workers, address = scheduler
    group = f"export-{ASSETS}x{MEGAPIXELS}mp-{suffix}"
    measure_export(benchmark, home, handles, group, workers, executor=address)
