"""Fixtures of the export tests: a real catalog, signed-in sessions, coordinators, SMTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from export_kit import SmtpSink
from kits.catalog import session_fixture  # noqa: F401 (this folder's)
from kits.jobs import no_smtp_from_environment  # noqa: F401 (autouse here)

from engine.catalog import Catalog
from engine.export import Coordinator, SmtpSettings


@pytest.fixture
def make_coordinator(catalog: Catalog) -> Iterator[Callable[..., Coordinator]]:
    """Coordinators on ``catalog``; by default converting on two threads (fast to start).

    Every coordinator made is closed at the end; a job still running after 30 s is a failure.
    """
    made: list[Coordinator] = []
    executors: list[ThreadPoolExecutor] = []

    def make(**options) -> Coordinator:
        if "executor" not in options and not options.pop("processes", False):
            executors.append(ThreadPoolExecutor(2))
            options["executor"] = executors[-1]
        options.setdefault("poll_interval", 0.05)
        coordinator = Coordinator(catalog, **options)
        made.append(coordinator)
        return coordinator

    yield make
    unfinished = [c for c in made if not c.close(timeout=30)]
    for executor in executors:
        executor.shutdown(wait=not unfinished)
    assert not unfinished, "a job was still running at the end of the test"


@pytest.fixture
def coordinator(make_coordinator) -> Coordinator:
    return make_coordinator()


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def smtp_settings(smtp_sink: SmtpSink) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=smtp_sink.port, sender="jobs@isrender.test")
