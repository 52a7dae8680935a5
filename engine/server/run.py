"""``isrender serve``: the app under uvicorn, with limits that match the IS language's.

uvicorn stops reading a request line and headers at 16 KiB by default; an IS request may be
64 KiB (``engine.parser.MAX_REQUEST_LENGTH``), so the limit is raised to that plus room for
the headers. The h11 protocol is used because that limit is one of its settings. SIGTERM and
Ctrl-C stop accepting connections, let the requests in flight finish (at most
``drain_timeout`` seconds), then end the render workers.
"""

from __future__ import annotations

import logging

from engine.parser import MAX_REQUEST_LENGTH
from engine.server.app import create_app
from engine.server.settings import ServerSettings

#: Request line plus headers uvicorn accepts: a 64 KiB request and 16 KiB of headers.
MAX_HEAD_BYTES = MAX_REQUEST_LENGTH + 16 * 1024


def serve(settings: ServerSettings, *, host: str = "127.0.0.1", port: int = 8080) -> None:
    """Serve until SIGTERM or Ctrl-C."""
    import uvicorn

    app = create_app(settings=settings)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        http="h11",
        h11_max_incomplete_event_size=MAX_HEAD_BYTES,
        timeout_graceful_shutdown=int(settings.drain_timeout),
        access_log=False,  # engine.server.app.AccessLog writes the access log
        log_config=None,
        server_header=False,
    )
    uvicorn.Server(config).run()
