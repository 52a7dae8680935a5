"""Shared fixtures of the benchmark suite.

``ISRENDER_BENCH_QUICK=1`` (what CI sets) keeps to the 1-Mpixel images and skips the
memory cases, so the suite proves it still runs in seconds; timings are only meaningful
without it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import images
from report import executor_line, export_line

QUICK = os.environ.get("ISRENDER_BENCH_QUICK") == "1"


def megapixel_sizes() -> list[int]:
    return [1] if QUICK else [1, 12, 48]


@pytest.fixture(scope="session")
def image_path():
    return images.path


#: group → role → median seconds, filled by ``record`` and printed as ratios at the end.
MEDIANS: dict[str, dict[str, float]] = {}


def record(benchmark, role: str) -> None:
    """Remember a finished benchmark's median under its group (engine, baseline, naive)."""
    stats = getattr(benchmark, "stats", None)
    if stats is not None:
        MEDIANS.setdefault(benchmark.group, {})[role] = stats.stats.median


def pytest_terminal_summary(terminalreporter) -> None:
    write = terminalreporter.write_line
    for group, roles in sorted(MEDIANS.items()):
        if group.startswith(("export-", "serve-")) and roles:
            write(export_line(group, roles))
        for suffix in ("dask", "dask-localcluster"):
            dask = MEDIANS.get(f"{group}-{suffix}")
            if dask and (line := executor_line(roles, dask, suffix)):
                write(line)
    rows = [(group, roles) for group, roles in sorted(MEDIANS.items()) if "engine" in roles]
    if not rows:
        return
    write("")
    write(f"{'case':<34} {'engine ms':>10} {'baseline ms':>12} {'ratio':>7} {'vs naive':>9}")
    for group, roles in rows:
        engine = roles["engine"]
        base = roles.get("baseline")
        naive = roles.get("naive")
        ratio = f"{engine / base:7.3f}" if base else "      -"
        speedup = f"{naive / engine:8.2f}x" if naive else "        -"
        base_ms = f"{base * 1e3:12.2f}" if base else " " * 12
        write(f"{group:<34} {engine * 1e3:10.2f} {base_ms} {ratio} {speedup}")
