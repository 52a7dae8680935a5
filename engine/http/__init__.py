"""The Image Serving HTTP front end: ``/is/image/{company}/{name}?{modifiers}``.

``routes(server)`` is the front end the server app loads (``engine.server.DEFAULT_FRONT_ENDS``).
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from engine.server import Server


def routes(server: Server) -> Sequence[BaseRoute]:
    from engine.http.image import image_request

    async def image(request: Request) -> Response:
        return await image_request(server, request)

    return [Route("/is/image/{company}/{name}", image, methods=["GET", "HEAD"])]
