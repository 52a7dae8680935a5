"""What every HTTP endpoint of the IPS service shares: bounded bodies, credentials from the
authHeader or HTTP Basic, and errors as IPS faults."""

from __future__ import annotations

import base64
import binascii
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from engine.errors import ApiFault, IsRenderError
from engine.soap.service import Credentials

_log = logging.getLogger("engine.soap")


class BodyTooLarge(Exception):
    """The request body passed the endpoint's limit."""


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, or BodyTooLarge as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def too_large(limit: int) -> Response:
    return PlainTextResponse(
        f"request body too large: at most {limit:,} bytes are accepted here\n", status_code=413
    )


def as_fault(exc: Exception) -> IsRenderError:
    """Every error as the fault a client sees: an ``IsRenderError`` names its fault element
    itself (``fault``, see ``engine.errors``); anything else is a bug, answered with
    ipsApiFault 30000 (the details in the server log)."""
    if isinstance(exc, IsRenderError):
        return exc
    _log.exception("internal error in the IPS web service")
    return ApiFault(
        f"internal error ({type(exc).__name__}); see the server log",
        code=ApiFault.EXCEPTION,
    )


def basic_credentials(request: Request) -> Credentials | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, _, password = decoded.partition(":")
    return Credentials(user, password)


def header_credentials(auth: dict[str, Any]) -> Credentials | None:
    if auth.get("user") or auth.get("password"):
        return Credentials(str(auth.get("user") or ""), str(auth.get("password") or ""))
    return None


def fault_status(auth: dict[str, Any]) -> int:
    status = auth.get("faultHttpStatusCode")
    return status if isinstance(status, int) and 200 <= status <= 599 else 500
