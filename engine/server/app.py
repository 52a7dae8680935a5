"""The ASGI application: one catalog, one render pool, and the routes of every front end.

Front ends plug in without editing this module's callers: a front end is a function
``routes(server: Server) -> Sequence[starlette.routing.BaseRoute]``, named in
``DEFAULT_FRONT_ENDS`` (``"module:function"``) or passed to :func:`create_app`. Its endpoints
reach the catalog, the render pool, the export coordinator and the settings through
``server``, and raise ``IsRenderError``s, which become responses by their ``http_status``
(``responses``). A front end with background work (threads) appends a :class:`Service` to
``server.services``: the lifespan starts it once the render pool and the coordinator run,
and closes it first at shutdown.

Shutdown (SIGTERM, Ctrl-C): the ASGI server stops accepting and lets the requests in flight
finish; then the services close, the running export jobs get ``drain_timeout`` seconds to
finish (a job still running then ends with the process, and the next start records it as
interrupted), and the worker processes end.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import re
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from typing import Any, Protocol
from urllib.parse import quote, unquote

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engine.catalog import Catalog
from engine.catalog.home import catalog_exists
from engine.errors import IsRenderError, NotFoundError
from engine.export import Coordinator
from engine.server.cache import ResultCache
from engine.server.renders import RenderPool
from engine.server.responses import error_response
from engine.server.settings import ServerSettings
from engine.server.signins import SignInThrottle

FrontEnd = Callable[["Server"], Sequence[BaseRoute]]

#: The front ends every app serves: Image Serving, the IPS web service, the web page.
DEFAULT_FRONT_ENDS: tuple[str, ...] = (
    "engine.http:routes",
    "engine.soap:routes",
    "engine.web:routes",
)

access_log = logging.getLogger("isrender.access")
log = logging.getLogger("isrender.server")


class Service(Protocol):
    """Background work of a front end, started and closed by the app's lifespan."""

    def start(self) -> None: ...

    def close(self) -> None: ...


@dataclass
class Server:
    """What a front end's endpoints use. ``renders`` (the render pool) and ``coordinator``
    (the one export coordinator every front end submits jobs to) exist while the app runs;
    ``cache`` is the result cache, when it is on; ``sign_ins`` counts failed password checks
    for every front end that makes them. ``package_path`` is where a front end
    serves export packages (``?jobHandle=``), if one does."""

    settings: ServerSettings
    catalog: Catalog
    cache: ResultCache | None = None
    renders: RenderPool = field(init=False)
    coordinator: Coordinator = field(init=False)
    services: list[Service] = field(default_factory=list)
    sign_ins: SignInThrottle = field(default_factory=SignInThrottle)
    package_path: str | None = None
    seen_url: str = "http://127.0.0.1"

    def saw(self, request: Request) -> None:
        """Remember the base URL of a request, for links written outside any request."""
        self.seen_url = str(request.base_url).rstrip("/")

    @property
    def base_url(self) -> str:
        """``settings.public_url``, else the base URL of the latest request :meth:`saw`."""
        return self.settings.public_url or self.seen_url

    def package_url(self, job_handle: str) -> str | None:
        """Where the package of an export job can be downloaded (``None``: nowhere over
        HTTP; job logs and e-mails then give its ``file://`` URL)."""
        if self.package_path is None:
            return None
        return f"{self.base_url}{self.package_path}?jobHandle={quote(job_handle, safe='')}"


def create_app(
    home: str | PathLike[str] | None = None,
    *,
    settings: ServerSettings | None = None,
    front_ends: Iterable[str | FrontEnd] | None = None,
    coordinator_options: Mapping[str, Any] | None = None,
) -> Starlette:
    """The isrender ASGI app over the catalog in ``home``.

    Without ``settings`` they come from the environment (``ServerSettings.from_env``), so
    any ASGI server can make the app, e.g. ``uvicorn --factory engine.server:create_app``,
    ``gunicorn -k uvicorn_worker.UvicornWorker 'engine.server:create_app()'`` (package
    ``uvicorn-worker``) or
    ``granian --interface asgi --factory engine.server:create_app`` with ``ISRENDER_HOME``
    set. The catalog must exist (``isrender init`` or ``isrender demo`` make one).
    ``coordinator_options`` are further arguments of the export :class:`Coordinator`
    (``executor``, ``smtp``, ``limits``, ``poll_interval``); SMTP comes from
    ``ISRENDER_SMTP_*`` otherwise.
    """
    settings = settings or ServerSettings.from_env(home=home)
    if not catalog_exists(settings.home):
        raise NotFoundError(
            f"no catalog in {settings.home}: give the right --home (or $ISRENDER_HOME), or "
            "create one with 'isrender init' (or 'isrender demo')"
        )
    cache = None
    if settings.cache_dir is not None:
        cache = ResultCache(settings.cache_dir, settings.cache_bytes)
    server = Server(settings, Catalog.open(settings.home), cache)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        server.renders = RenderPool(
            settings.workers,
            settings.queue or 0,
            time_limit=settings.render_timeout,
            tasks_per_worker=settings.tasks_per_worker,
        )
        server.coordinator = Coordinator(
            server.catalog,
            package_url=server.package_url,
            **{"max_workers": settings.export_workers, **(coordinator_options or {})},
        )
        started: list[Service] = []
        try:
            await server.renders.start()
            await run_in_threadpool(_recover, server.coordinator)
            for service in server.services:
                await run_in_threadpool(service.start)
                started.append(service)
            yield
        finally:
            for service in reversed(started):
                await run_in_threadpool(service.close)
            await run_in_threadpool(_drain, server.coordinator, settings.drain_timeout)
            server.renders.shutdown()
            server.catalog.close()

    routes: list[BaseRoute] = []
    for front_end in front_ends if front_ends is not None else DEFAULT_FRONT_ENDS:
        routes.extend(_load(front_end)(server))

    async def isrender_error(request: Request, exc: Exception) -> Response:
        return error_response(exc, retry_after=settings.retry_after)

    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={IsRenderError: isrender_error},
    )
    app.state.server = server
    app.add_middleware(AccessLog)
    return app


def _recover(coordinator: Coordinator) -> None:
    """Close the export jobs a previous server left unfinished (killed, or past its drain)."""
    try:
        if closed := coordinator.recover():
            log.warning("recorded %d interrupted export job(s): %s", len(closed), ", ".join(closed))
    except Exception:  # the catalog is busy: the first submitted job recovers again
        log.exception("could not recover interrupted export jobs")


def _drain(coordinator: Coordinator, timeout: float) -> None:
    if not coordinator.close(timeout=timeout):
        log.warning(
            "export jobs still running after %g s end with the server; the next start "
            "records them as interrupted",
            timeout,
        )


def _load(front_end: str | FrontEnd) -> FrontEnd:
    if callable(front_end):
        return front_end
    module, _, name = front_end.partition(":")
    return getattr(importlib.import_module(module), name or "routes")


#: Field names whose values the access log masks (matched %-decoded, so ``pass%77ord`` too).
_SECRET = re.compile(r"(?:pass\w*|pwd|secret|token|auth\w*|key)\Z", re.IGNORECASE)
#: Control characters (a logged line feed would start a forged line), written as %XX.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: Characters of the query an access-log line keeps (requests may be 64 KiB).
LOGGED_QUERY = 300


class AccessLog:
    """One line per request on the ``isrender.access`` logger: method, path, query (cut to
    ``LOGGED_QUERY`` characters, values of password-like fields masked), status, bytes,
    milliseconds. IS requests carry no credentials; the masking keeps it so for any front
    end."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status, size = 0, 0

        async def sending(message: Message) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            query = _masked(scope.get("query_string", b"").decode("latin-1"))
            if len(query) > LOGGED_QUERY:
                query = query[:LOGGED_QUERY] + f"…(+{len(query) - LOGGED_QUERY})"
            client = scope.get("client") or ("-", 0)
            access_log.info(
                '%s "%s %s%s" %d %d %.1fms',
                client[0],
                _printable(scope["method"]),
                _printable(_raw_path(scope)),
                "?" + _printable(query) if query else "",
                status,
                size,
                (time.perf_counter() - start) * 1e3,
            )


def _masked(query: str) -> str:
    """The query with the values of password-like fields replaced by ``***``."""
    fields = query.split("&")
    for index, item in enumerate(fields):
        name, equals, _ = item.partition("=")
        if equals and _SECRET.search(unquote(name).strip()):
            fields[index] = f"{name}=***"
    return "&".join(fields)


def _raw_path(scope: Scope) -> str:
    """The path as the client sent it (still %-encoded), else the decoded one."""
    raw = scope.get("raw_path")
    return raw.decode("latin-1") if raw else scope.get("path", "")


def _printable(text: str) -> str:
    return _CONTROL.sub(lambda match: f"%{ord(match.group()):02X}", text)
