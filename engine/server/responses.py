"""Errors → HTTP responses, shared by every front end of the server.

The status is data on the error class (``IsRenderError.http_status``, see ``engine.errors``);
anything else is a bug: 500 with a generic message, the details and traceback in the server
log. A body never holds a traceback. Error responses are never cached.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from http import HTTPStatus
from urllib.parse import quote

from starlette.responses import FileResponse, PlainTextResponse, Response, StreamingResponse

from engine import storage
from engine.errors import BusyError, IsRenderError, TooManySignIns

log = logging.getLogger("isrender.server")

INTERNAL = "internal server error; the server log has the details"


def status_of(error: BaseException) -> int:
    """The HTTP status an error is answered with."""
    return error.http_status if isinstance(error, IsRenderError) else 500


def error_message(error: BaseException, *, detail: int = 2) -> str:
    """What the client reads: the error's own message (``detail`` 2 or 3, IS's
    ``attribute::ErrorDetail``) or only the status title (0 or 1); never internals."""
    status = status_of(error)
    if not isinstance(error, IsRenderError):
        return INTERNAL
    if detail < 2:
        return HTTPStatus(status).phrase
    return str(error)


def error_response(
    error: BaseException, *, detail: int = 2, status: int | None = None, retry_after: int = 1
) -> Response:
    """A text/plain error response; ``status`` overrides the error's own (Scene7's 403)."""
    if not isinstance(error, IsRenderError):
        log.error("unexpected error", exc_info=error)
    headers = {"Cache-Control": "no-store"}
    if isinstance(error, BusyError):
        headers["Retry-After"] = str(retry_after)
    elif isinstance(error, TooManySignIns):
        headers["Retry-After"] = str(error.retry_after)
    return PlainTextResponse(
        error_message(error, detail=detail) + "\n",
        status_code=status or status_of(error),
        headers=headers,
    )


#: How much of a stored file is read at a time while it streams.
CHUNK_BYTES = 1024 * 1024


def stored_file_response(
    location: str, *, filename: str, media_type: str, headers: dict[str, str] | None = None
) -> Response:
    """A file of ``engine.storage`` as an attachment: a local one as a ``FileResponse``, one
    on an fsspec URL (S3, …) streamed in chunks read on a worker thread, never whole."""
    path = storage.local_path(location)
    if path is not None:
        return FileResponse(path, media_type=media_type, filename=filename, headers=headers)
    disposition = f"attachment; filename*=utf-8''{quote(filename)}"
    return StreamingResponse(
        _chunks(location),
        media_type=media_type,
        headers={**(headers or {}), "Content-Disposition": disposition},
    )


def _chunks(location: str) -> Iterator[bytes]:
    with storage.open_read(location) as handle:
        while chunk := handle.read(CHUNK_BYTES):
            yield chunk
