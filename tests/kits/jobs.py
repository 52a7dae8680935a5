"""For tests that run export jobs: an executor holding conversions until the test lets them
go, and no e-mail settings leaking in from the environment (a conftest takes the fixture with
``from kits.jobs import no_smtp_from_environment``)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest

from kits.waiting import WAIT


class GatedExecutor(ThreadPoolExecutor):
    """A real thread pool whose tasks wait until :attr:`gate` opens; counts submissions.

    Lets a test hold conversions in flight (a job Running) while it pauses or stops a job.
    """

    def __init__(self, max_workers: int = 1) -> None:
        super().__init__(max_workers)
        self.gate = threading.Event()
        self.submitted = 0

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        self.submitted += 1
        return super().submit(self._held, fn, *args, **kwargs)

    def _held(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self.gate.wait(WAIT):
            raise TimeoutError("the test never opened the gate")
        return fn(*args, **kwargs)


@pytest.fixture(autouse=True)
def no_smtp_from_environment(monkeypatch) -> None:
    """Coordinators read ``ISRENDER_SMTP_*``; the tests decide about e-mail themselves."""
    for name in ("HOST", "PORT", "SENDER", "STARTTLS", "USER", "PASSWORD"):
        monkeypatch.delenv(f"ISRENDER_SMTP_{name}", raising=False)
