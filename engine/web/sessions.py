"""Sign-in sessions of the web page and its protection against cross-site requests.

Sessions are kept on the server, in memory: the cookie holds only a random token (256 bits),
the store keys sessions by the token's SHA-256, and a session ends ``timeout`` seconds after
sign-in (``ServerSettings.session_timeout``), at sign-out, or when the server stops. The
cookie is ``HttpOnly``, ``SameSite=Strict``, ``Path=/``, and ``Secure`` when the page was
served over https.

A request that changes something (any method but GET and HEAD) must carry the session's
CSRF token, in the ``X-CSRF-Token`` header (JSON calls) or the ``csrf`` form field (forms),
and, when the browser says where it comes from (``Origin``, ``Sec-Fetch-Site``), come from
this site. The sign-in form, before there is a session, uses a token kept in a cookie of its
own (double submit).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response

from engine.catalog import Session
from engine.errors import CrossSiteRefused

SESSION_COOKIE = "isrender_session"
LOGIN_COOKIE = "isrender_login"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = ("GET", "HEAD")


def new_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass
class WebSession:
    """A signed-in user: the catalog session, its CSRF token and when it ends."""

    catalog_session: Session
    expires: float
    csrf: str = field(default_factory=new_token)


class SessionStore:
    """Sessions by token, each ending ``timeout`` seconds after it began. A user keeps at
    most ``per_user`` sessions and the store at most ``total``: a sign-in beyond either
    ends the oldest session (of that user, or of all), so memory stays bounded."""

    def __init__(self, timeout: float, *, per_user: int = 20, total: int = 10_000) -> None:
        self.timeout = timeout
        self.per_user = per_user
        self.total = total
        self._sessions: dict[str, WebSession] = {}  # oldest first
        self._lock = threading.Lock()

    def create(self, catalog_session: Session) -> tuple[str, WebSession]:
        token = new_token()
        session = WebSession(catalog_session, time.monotonic() + self.timeout)
        user = catalog_session.user.handle
        with self._lock:
            self._drop_expired()
            own = [k for k, s in self._sessions.items() if s.catalog_session.user.handle == user]
            for key in own[: max(0, len(own) - self.per_user + 1)]:
                del self._sessions[key]
            while len(self._sessions) >= self.total:
                del self._sessions[next(iter(self._sessions))]
            self._sessions[_key(token)] = session
        return token, session

    def get(self, token: str | None) -> WebSession | None:
        if not token:
            return None
        with self._lock:
            session = self._sessions.get(_key(token))
            if session is not None and session.expires <= time.monotonic():
                del self._sessions[_key(token)]
                return None
            return session

    def delete(self, token: str | None) -> None:
        if token:
            with self._lock:
                self._sessions.pop(_key(token), None)

    def _drop_expired(self) -> None:
        now = time.monotonic()
        for key in [key for key, s in self._sessions.items() if s.expires <= now]:
            del self._sessions[key]


def _key(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def set_cookie(
    response: Response, request: Request, name: str, value: str, max_age: int | None
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def check_same_site(request: Request) -> None:
    """Refuse a request the browser marks as coming from another site."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        raise CrossSiteRefused(f"a {site} request may not change anything here")
    origin = request.headers.get("origin")
    if origin is not None and origin != own_origin(request):
        raise CrossSiteRefused(f"a request from {origin} may not change anything here")


def own_origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}"


def check_token(expected: str, given: str | None) -> None:
    if not given or not hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace")):
        raise CrossSiteRefused("missing or wrong CSRF token; reload the page and try again")
