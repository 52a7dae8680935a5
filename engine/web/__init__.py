"""The web page for people: a preset playground, presets and export jobs, at ``/``.

``routes(server)`` is the front end the server app loads (``engine.server.DEFAULT_FRONT_ENDS``):
server-rendered pages (``pages``) with a little JavaScript that calls a JSON API (``api``)
and the Image Serving routes, behind a sign-in with a catalog user (``sessions``). The
templates and static files ship inside this package; nothing is fetched from elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.routing import BaseRoute

from engine.server import Server


def routes(server: Server) -> Sequence[BaseRoute]:
    from engine.web import api, pages
    from engine.web.context import Web

    web = Web(server)
    return [*pages.routes(web), *api.routes(web)]
