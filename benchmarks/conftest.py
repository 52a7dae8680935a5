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

QUICK = os.environ.get("ISRENDER_BENCH_QUICK") == "1"


def megapixel_sizes() -> list[int]:
    return [1] if QUICK else [1, 12, 48]


@pytest.fixture(scope="session")
def image_path():
    return images.path
