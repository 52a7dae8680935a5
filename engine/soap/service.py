"""The IPS web service without HTTP: credentials → a signed-in user → sessions per company,
plus the job scheduler and the upload-job timeouts it runs (``start``/``close``, called by
the server app's lifespan).

A front end (:mod:`engine.soap.routes`) hands each request's credentials and parameters here;
everything below is the catalog's, the server's export coordinator's and the scheduler's
public API.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import tzinfo

from engine import storage
from engine.catalog import Catalog, Session, User
from engine.cores import usable_cores
from engine.errors import AuthenticationFault, IsRenderError
from engine.export import Coordinator
from engine.export.scheduler import Clock, Scheduler, system_clock
from engine.server import Server
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
    """The IPS web service of ``server``: its catalog, its export coordinator (shared with
    every front end), a :class:`Scheduler` for jobs submitted for later, and the open upload
    jobs. ``clock``, ``zone`` and ``schedule_interval`` go to the scheduler (``clock`` and
    ``schedule_interval`` exist for tests); ``schedule_interval`` also paces the check for
    upload jobs that timed out."""

    def __init__(
        self,
        server: Server,
        *,
        clock: Clock = system_clock,
        zone: tzinfo | None = None,
        schedule_interval: float = 1.0,
    ) -> None:
        self.server = server
        self.catalog: Catalog = server.catalog
        self._scheduler_args = {"clock": clock, "zone": zone, "interval": schedule_interval}
        self.uploads = OpenUploads(clock)
        self._sweep_interval = schedule_interval
        self._stop = threading.Event()
        self._sweeper: threading.Thread | None = None
        self.scheduler: Scheduler | None = None
        # IPS clients send their password with every call: a successful sign-in is kept for
        # SIGN_IN_TTL seconds (keyed by an HMAC, never the password itself), and at most one
        # scrypt check per CPU runs at a time, so a burst of calls cannot exhaust memory.
        self._signed_in: dict[tuple[str, bytes], tuple[User, float]] = {}
        self._cache_key = secrets.token_bytes(32)
        self._cache_lock = threading.Lock()
        self._checks = threading.BoundedSemaphore(usable_cores())

    @property
    def coordinator(self) -> Coordinator:
        return self.server.coordinator

    # --- lifetime ------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the scheduler's thread and the one that ends upload jobs left without a POST
        for 30 minutes (the server's coordinator runs already)."""
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
                self.uploads.expire(self.catalog)
            except Exception:  # a busy database: try again next time
                _log.exception("could not end timed-out upload jobs")

    def close(self) -> None:
        """Stop the scheduler and the upload timeouts (the server drains the coordinator)."""
        self._stop.set()
        if self._sweeper is not None:
            self._sweeper.join()
        if self.scheduler is not None:
            self.scheduler.close()

    # --- signing in ----------------------------------------------------------------------------

    def sign_in(self, credentials: Credentials | None, address: str | None = None) -> User:
        """Fault 10000 without credentials, 10001 for wrong ones (and, from ``address`` or
        for that user after too many wrong ones, :class:`TooManySignIns`). Company membership
        and role are read afresh on every call (:meth:`session`); only the password check is
        remembered, for ``SIGN_IN_TTL`` seconds."""
        if credentials is None or not credentials.user:
            raise AuthenticationFault(
                "the request could not be authenticated: give an authHeader, HTTP Basic "
                "credentials or AuthUser/AuthPassword",
                code=AuthenticationFault.NO_CREDENTIALS,
            )
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
        with self.server.sign_ins.attempt(credentials.user, address), self._checks:
            user = self.catalog.sign_in(credentials.user, credentials.password)
        with self._cache_lock:
            if len(self._signed_in) >= _SIGN_IN_CACHE:
                self._signed_in.clear()
            self._signed_in[key] = (user, now + SIGN_IN_TTL)
        return user

    def session(self, user: User, company: str | None) -> Session:
        """``user`` acting in ``company`` (handle or name; ``None``: the user's only
        company). An unknown company and one the user is not a member of give the same
        authorizationFault 20000."""
        return self.catalog.session_for(user.handle, company or None)

    # --- packages -------------------------------------------------------------------------------

    def package_file(self, user: User, job_handle: str) -> str | None:
        """Where (``engine.storage``) the package of a finished job of one of ``user``'s
        companies is stored (for a role that may read its log); ``None`` for anything else,
        so another company's job and an unknown one look the same."""
        try:
            record = self.catalog.get_job(job_handle)
            session = self.catalog.session_for(user.handle, record.company)
            session.require("getJobLogDetails")
        except IsRenderError:
            return None
        if record.package is None or not storage.exists(record.package):
            return None
        return record.package
