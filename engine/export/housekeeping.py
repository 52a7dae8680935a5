"""A coordinator's background duty while it runs jobs: renew their leases, close dead jobs.

Every ``lease / 3`` seconds one statement extends the lease of every unfinished job this
process owns to ``now + lease`` (the heartbeat); every ``lease`` seconds, and once at the
start, recovery closes the jobs whose owner died — on this host as soon as its process is
gone, on another host once its lease has expired (see ``owner`` and ``recovery``). Failures
(the database briefly unreachable) are retried at the next beat: a lease outlives two missed
beats.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from engine.export.owner import current_owner

DEFAULT_LEASE_S = 30.0
BEATS_PER_LEASE = 3


def lease_until(lease_seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=lease_seconds)


class Housekeeper:
    """Start with :meth:`start`; :meth:`stop` ends the thread (waiting for it)."""

    def __init__(
        self, open_catalog: Callable[[], Any], recover: Callable[[], object], lease: float
    ) -> None:
        self.open_catalog = open_catalog
        self.recover = recover
        self.lease = lease
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="isrender leases", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        self._stop.set()
        if self._thread.ident is not None:
            self._thread.join(timeout)

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        beat = self.lease / BEATS_PER_LEASE
        next_recovery = time.monotonic()
        catalog = None
        try:
            while True:
                with contextlib.suppress(Exception):  # retried at the next beat
                    catalog = catalog or self.open_catalog()
                    catalog.renew_leases(current_owner(), lease_until(self.lease))
                if time.monotonic() >= next_recovery:
                    with contextlib.suppress(Exception):
                        self.recover()
                    next_recovery = time.monotonic() + self.lease
                if self._stop.wait(beat):
                    return
        finally:
            if catalog is not None:
                catalog.close()
