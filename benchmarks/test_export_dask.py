"""Export throughput on a Dask ``LocalCluster`` (processes, one thread each) with 1 and 2
workers, beside the local process pool in the same run (``test_export.py``'s groups): the
summary prints Dask 1 → 2 workers (target on 2 cores: at least 1.8x) and Dask against the
local pool with as many workers (target: at most 15 % slower). Same job, same 48 assets."""

from __future__ import annotations

import pytest
from conftest import QUICK, record
from test_export import ASSETS, MEGAPIXELS, PASSWORD, REQUEST, catalog_home  # noqa: F401

from engine import Catalog, Coordinator, ExportJob

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
    job = ExportJob(asset_handle_array=handles, fmt="convert", is_modifier=REQUEST,
                    email_setting="None")  # fmt: skip
    with (
        Catalog.open(home) as catalog,
        Coordinator(catalog, executor=address, poll_interval=0.01) as coordinator,
    ):
        session = catalog.authenticate("bench@example.com", PASSWORD, "Bench")

        def export() -> None:
            handle = coordinator.submit_job(session, job)
            result = coordinator.wait(session, handle, timeout=900)
            failures = [
                e.message for e in catalog.job_log_details(handle) if e.severity != "success"
            ]
            assert (result.state, result.success_count) == ("Done", ASSETS), failures

        export()  # the workers import the renderer outside the measurement
        benchmark.group = f"export-{ASSETS}x{MEGAPIXELS}mp-dask"
        benchmark.extra_info["workers"] = workers
        benchmark.pedantic(export, rounds=1 if QUICK else 3, iterations=1)
    record(benchmark, f"{workers} worker(s)")
