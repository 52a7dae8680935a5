"""The IPS web service without HTTP: credentials → a signed-in user → sessions per company,
plus the export coordinator and the job scheduler it runs (``start``/``close``).

A front end (:mod:`engine.soap.routes`) hands each request's credentials and parameters here;
everything below is the catalog's and the coordinator's public API.
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import quote

from engine.catalog import Catalog, Session, User
from engine.errors import AuthenticationFault, IsRenderError
from engine.export import Coordinator, ExportLimits, SmtpSettings
from engine.export.limits import DEFAULT_LIMITS
from engine.export.scheduler import Clock, Scheduler, system_clock
from engine.soap.upload_jobs import OpenUploads

PACKAGE_PATH = "/scene7/packages"
_log = logging.getLogger(__name__)
SIGN_IN_TTL = 60.0  # seconds a successful sign-in is remembered
_SIGN_IN_CACHE = 1024


@dataclass(frozen=True)
class Credentials:
    user: str
    password: str


class IpsService:
    """``home``: the catalog folder. ``public_url``: the base URL clients reach this server
    at (used in package download URLs of e-mails and job logs); by default the base URL of
    the latest request. The other arguments go to :class:`Coordinator` and
    :class:`Scheduler` (``clock`` and ``schedule_interval`` exist for tests)."""

    def __init__(
        self,
        home: str | os.PathLike[str] | None = None,
        *,
        public_url: str | None = None,
        max_workers: int | None = None,
        smtp: SmtpSettings | None = None,
        limits: ExportLimits = DEFAULT_LIMITS,
        clock: Clock = system_clock,
        zone: tzinfo | None = None,
        schedule_interval: float = 1.0,
        poll_interval: float = 0.2,
        executor: Any = None,
    ) -> None:
        self._home = home
        self.public_url = public_url.rstrip("/") if public_url else None
        self._coordinator_args: dict[str, Any] = {
            "max_workers": max_workers,
            "smtp": smtp,
            "limits": limits,
            "poll_interval": poll_interval,
            "executor": executor,
        }
        self._scheduler_args: dict[str, Any] = {
            "clock": clock,
            "zone": zone,
            "interval": schedule_interval,
        }
        self.uploads = OpenUploads(clock)
        self._sweep_interval = schedule_interval
        self._stop = threading.Event()
        self._sweeper: threading.Thread | None = None
        self.catalog: Catalog | None = None
        self.coordinator: Coordinator | None = None
        self.scheduler: Scheduler | None = None
        self._seen_url = "http://127.0.0.1"
        # IPS clients send their password with every call: a successful sign-in is kept for
        # SIGN_IN_TTL seconds (keyed by an HMAC, never the password itself), and at most one
        # scrypt check per CPU runs at a time, so a burst of calls cannot exhaust memory.
        self._signed_in: dict[tuple[str, bytes], tuple[User, float]] = {}
        self._cache_key = secrets.token_bytes(32)
        self._cache_lock = threading.Lock()
        self._checks = threading.BoundedSemaphore(os.cpu_count() or 2)

    # --- lifetime ------------------------------------------------------------------------------

    def start(self) -> None:
        """Open the catalog, recover interrupted jobs, start the scheduler's thread and the
        one that ends upload jobs left without a POST for 30 minutes."""
        self.catalog = Catalog.open(self._home)
        self.coordinator = Coordinator(
            self.catalog, package_url=self.package_url, **self._coordinator_args
        )
        self.scheduler = Scheduler(self.catalog, self.coordinator, **self._scheduler_args)
        self.scheduler.start()
        self._stop.clear()
        self._sweeper = threading.Thread(
            target=self._sweep, name="isrender upload timeouts", daemon=True
        )
        self._sweeper.start()

    def _sweep(self) -> None:
        while not self._stop.wait(self._sweep_interval):
            try:
                self.uploads.expire(self.require_started())
            except Exception:  # a busy database: try again next time
                _log.exception("could not end timed-out upload jobs")

    def close(self, *, timeout: float | None = 30.0) -> None:
        """Stop the scheduler, wait up to ``timeout`` s for running jobs, close the catalog."""
        self._stop.set()
        if self._sweeper is not None:
            self._sweeper.join()
        if self.scheduler is not None:
            self.scheduler.close()
        if self.coordinator is not None:
            self.coordinator.close(timeout=timeout)
        if self.catalog is not None:
            self.catalog.close()

    def require_started(self) -> Catalog:
        if self.catalog is None:
            raise RuntimeError("IpsService.start() has not been called")
        return self.catalog

    # --- signing in ----------------------------------------------------------------------------

    def sign_in(self, credentials: Credentials | None) -> User:
        """Fault 10000 without credentials, 10001 for wrong ones. Company membership and role
        are read afresh on every call (:meth:`session`); only the password check is
        remembered, for ``SIGN_IN_TTL`` seconds."""
        if credentials is None or not credentials.user:
            raise AuthenticationFault(
                "the request could not be authenticated: give an authHeader, HTTP Basic "
                "credentials or AuthUser/AuthPassword",
                code=AuthenticationFault.NO_CREDENTIALS,
            )
        catalog = self.require_started()
        key = (
            credentials.user.strip().casefold(),
            hmac.digest(
                self._cache_key, credentials.password.encode("utf-8", "surrogatepass"), "sha256"
            ),
        )
        now = time.monotonic()
        with self._cache_lock:
            known = self._signed_in.get(key)
        if known is not None and known[1] > now:
            return known[0]
        with self._checks:
            user = catalog.sign_in(credentials.user, credentials.password)
        with self._cache_lock:
            if len(self._signed_in) >= _SIGN_IN_CACHE:
                self._signed_in.clear()
            self._signed_in[key] = (user, now + SIGN_IN_TTL)
        return user

    def session(self, user: User, company: str | None) -> Session:
        """``user`` acting in ``company`` (handle or name; ``None``: the user's only
        company). An unknown company and one the user is not a member of give the same
        authorizationFault 20000."""
        return self.require_started().session_for(user.handle, company or None)

    # --- package URLs ----------------------------------------------------------------------------

    def seen_base_url(self, base_url: str) -> None:
        """Remember the base URL of a request (for package URLs, unless ``public_url``)."""
        self._seen_url = base_url.rstrip("/")

    def package_url(self, job_handle: str) -> str:
        base = self.public_url or self._seen_url
        return f"{base}{PACKAGE_PATH}?jobHandle={quote(job_handle, safe='')}"

    def package_file(self, user: User, job_handle: str) -> Path | None:
        """The package of a finished job of one of ``user``'s companies (and a role that may
        read its log); ``None`` for anything else, so another company's job and an unknown
        one look the same."""
        catalog = self.require_started()
        try:
            record = catalog.get_job(job_handle)
            session = catalog.session_for(user.handle, record.company)
            session.require("getJobLogDetails")
        except IsRenderError:
            return None
        if record.package is None or not Path(record.package).is_file():
            return None
        return Path(record.package)
