"""Export throughput: one convert job over 48 distinct JPEG assets, with one worker process
and with one per core (target on 2 cores: at least 1.8× the 1-worker throughput)."""

from __future__ import annotations

import os

import images
import pytest
from conftest import QUICK, record

from engine import Catalog, Coordinator, ExportJob

ASSETS = 48
MEGAPIXELS = 1 if QUICK else 4
REQUEST = "wid=800&fmt=jpg&qlt=85"
PASSWORD = "bench-password"


@pytest.fixture(scope="module")
def catalog_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("export-bench")
    with Catalog.open(home, scrypt_n=2**12) as catalog:
        company = catalog.create_company("Bench")
        user = catalog.create_user("bench@example.com", PASSWORD)
        catalog.add_membership(user.handle, company.handle, "IpsUser")
        session = catalog.authenticate("bench@example.com", PASSWORD, "Bench")
        handles = [
            session.upload(
                images.path("jpeg", MEGAPIXELS, seed=100 + i), name=f"photo{i}.jpg"
            ).handle
            for i in range(ASSETS)
        ]
    return home, handles


def measure_export(benchmark, home, handles, group: str, workers: int, **options) -> None:
    """Time one convert job of ``handles`` on a coordinator made with ``options`` (after one
    unmeasured job that starts the workers), under ``group``, as ``workers`` worker(s)."""
    job = ExportJob(asset_handle_array=handles, fmt="convert", is_modifier=REQUEST,
                    email_setting="None")  # fmt: skip
    with (
        Catalog.open(home) as catalog,
        Coordinator(catalog, poll_interval=0.01, **options) as coordinator,
    ):
        session = catalog.authenticate("bench@example.com", PASSWORD, "Bench")

        def export() -> None:
            handle = coordinator.submit_job(session, job)
            result = coordinator.wait(session, handle, timeout=900)
            failures = [
                e.message for e in catalog.job_log_details(handle) if e.severity != "success"
            ]
            assert (result.state, result.success_count) == ("Done", ASSETS), failures

        export()  # start the worker processes outside the measurement
        benchmark.group = group
        benchmark.extra_info["workers"] = workers
        benchmark.pedantic(export, rounds=1 if QUICK else 3, iterations=1)
    record(benchmark, f"{workers} worker(s)")


@pytest.mark.parametrize("workers", sorted({1, os.cpu_count() or 1}))
def test_export_throughput(benchmark, catalog_home, workers):
    home, handles = catalog_home
    group = f"export-{ASSETS}x{MEGAPIXELS}mp"
    measure_export(benchmark, home, handles, group, workers, max_workers=workers)
