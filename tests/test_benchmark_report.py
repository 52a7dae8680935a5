"""The benchmark summary says which way a comparison goes (issue 8 item 25: it printed
slowest/fastest as a "speed-up", so more workers losing time read as a gain)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

REPORT = Path(__file__).resolve().parent.parent / "benchmarks" / "report.py"


def report():
    spec = importlib.util.spec_from_file_location("benchmark_report", REPORT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def export_line(group: str, roles: dict[str, float]) -> str:
    return report().export_line(group, roles)


def test_more_workers_that_finish_sooner_are_faster():
    line = export_line("export-40x1mp", {"1 worker(s)": 4.0, "2 worker(s)": 2.0})
    assert line == (
        "export-40x1mp: 1 worker(s): 10.0 renditions/s, 2 worker(s): 20.0 renditions/s; "
        "2 worker(s) vs 1 worker(s): 2.00x faster"
    )


def test_more_workers_that_finish_later_are_reported_slower():
    line = export_line("export-40x1mp", {"1 worker(s)": 2.0, "2 worker(s)": 2.5})
    assert line.endswith("2 worker(s) vs 1 worker(s): 1.25x slower")
    assert "faster" not in line and "speed-up" not in line


def test_worker_counts_are_ordered_as_numbers():
    roles = {"12 worker(s)": 1.0, "2 worker(s)": 3.0, "1 worker(s)": 6.0}
    line = export_line("export-6x1mp", roles)
    assert line.index("1 worker(s):") < line.index("2 worker(s):") < line.index("12 worker(s):")
    assert line.endswith("12 worker(s) vs 1 worker(s): 6.00x faster")


def test_a_single_worker_count_makes_no_comparison():
    assert export_line("export-4x1mp", {"1 worker(s)": 2.0}) == (
        "export-4x1mp: 1 worker(s): 2.0 renditions/s"
    )


def test_dask_is_compared_with_the_local_pool_at_the_same_worker_count():
    local = {"1 worker(s)": 4.0, "2 worker(s)": 2.0}
    dask = {"1 worker(s)": 4.4, "2 worker(s)": 2.2}
    assert report().executor_line(local, dask) == "dask vs local pool, 2 worker(s): 10.0 % slower"
    assert report().executor_line({"1 worker(s)": 1.0}, {"2 worker(s)": 1.0}) is None
