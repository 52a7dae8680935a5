"""What the web front end's endpoints share: the server, the session store, and the checks
every request goes through."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from engine.catalog import Session
from engine.errors import ApiFault, IsRenderError, ParseError, SignInRequired
from engine.server import Server
from engine.web.sessions import (
    CSRF_HEADER,
    SAFE_METHODS,
    SESSION_COOKIE,
    SessionStore,
    WebSession,
    check_same_site,
    check_token,
)

#: The largest request body the web page sends (a macro file, an export form).
MAX_BODY = 4 * 1024 * 1024

Endpoint = Callable[[Request], Awaitable[Response]]


class Web:
    def __init__(self, server: Server) -> None:
        self.server = server
        self.sessions = SessionStore(server.settings.session_timeout)

    def session_of(self, request: Request) -> WebSession:
        """The request's signed-in session; SignInRequired without one. A request that may
        change something must also pass the CSRF checks."""
        session = self.sessions.get(request.cookies.get(SESSION_COOKIE))
        if session is None:
            raise SignInRequired()
        if request.method not in SAFE_METHODS:
            check_same_site(request)
            check_token(session.csrf, request.headers.get(CSRF_HEADER))
        return session

    def api(self, handler: Callable[[Request, Session], Awaitable[Any]]) -> Endpoint:
        """A JSON endpoint for signed-in users: ``handler(request, session)`` returns what
        becomes the JSON body; errors become ``{"error": message, "code": ...}`` with the
        error's HTTP status."""

        async def endpoint(request: Request) -> Response:
            try:
                session = self.session_of(request)
                result = await handler(request, session.catalog_session)
            except IsRenderError as exc:
                return error_json(exc)
            if isinstance(result, Response):
                return result
            return JSONResponse(result, headers={"Cache-Control": "no-store"})

        return endpoint


def error_json(error: IsRenderError) -> JSONResponse:
    body: dict[str, Any] = {"error": str(error), "code": error.code}
    if isinstance(error, ParseError):
        body["parse"] = parse_error(error)
    return JSONResponse(body, status_code=error.http_status, headers={"Cache-Control": "no-store"})


def parse_error(error: ParseError) -> dict[str, Any]:
    """Where a ParseError is, for the page to point at it; ``offset`` is ``None`` when the
    error is inside a macro's definition (then ``macro`` names it)."""
    return {
        "message": str(error),
        "offset": error.offset if error.macro is None else None,
        "command": error.command,
        "text": error.text,
        "expected": error.expected,
        "macro": error.macro,
    }


async def read_body(request: Request) -> bytes:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise ApiFault(
                f"request body over {MAX_BODY // 1024**2} MiB", code=ApiFault.INVALID_PARAMETER
            )
    return body


async def read_json(request: Request) -> dict[str, Any]:
    try:
        data = json.loads(await read_body(request) or b"{}")
    except ValueError:
        raise ApiFault("the request body is not JSON", code=ApiFault.INVALID_PARAMETER) from None
    if not isinstance(data, dict):
        raise ApiFault("expected a JSON object", code=ApiFault.INVALID_PARAMETER)
    return data


async def read_form(request: Request) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body, one value per field."""
    text = (await read_body(request)).decode("utf-8", "replace")
    return {name: values[0] for name, values in parse_qs(text, keep_blank_values=True).items()}


def text_field(data: dict[str, Any], name: str, *, default: str = "") -> str:
    value = data.get(name, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise ApiFault(f"{name} must be text", code=ApiFault.INVALID_PARAMETER)
    return value
