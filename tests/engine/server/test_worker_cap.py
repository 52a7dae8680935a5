"""The worker cap counts the cores this process may run on: in a container limited to two
CPUs of a 64-core host, os.cpu_count() says 64 and allowed 256 render processes."""

from __future__ import annotations

import os

import pytest

from engine.errors import SettingsError
from engine.export.pool import RecyclingProcessPool
from engine.server import ServerSettings
from engine.server.settings import max_workers


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="no CPU affinity here")
def test_the_worker_cap_counts_the_cpus_this_process_may_use(monkeypatch, tmp_path):
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    assert max_workers() == 8
    with pytest.raises(SettingsError, match="workers=9 \\(1 to 8: 4 per core\\)"):
        ServerSettings(home=tmp_path, workers=9)


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="no CPU affinity here")
def test_the_default_worker_counts_are_the_cpus_this_process_may_use(monkeypatch, tmp_path):
    """The default was os.cpu_count(): 64 in that container, over the cap of 8, so
    ``isrender serve`` without --workers refused to start there."""
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    assert ServerSettings(home=tmp_path).workers == 2
    assert RecyclingProcessPool().max_workers == 2
