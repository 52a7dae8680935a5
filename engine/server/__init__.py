"""The isrender server: the ASGI app (Starlette) the HTTP front ends plug into.

``create_app(home)`` makes the app; ``isrender serve`` runs it under uvicorn
(``engine.server.run``). ``engine.http`` serves Image Serving URLs and ``engine.soap`` the
IPS web service; later front ends (a web UI) add their routes through
``DEFAULT_FRONT_ENDS``.
"""

from engine.server.app import DEFAULT_FRONT_ENDS, FrontEnd, Server, Service, create_app
from engine.server.settings import ServerSettings

__all__ = [
    "DEFAULT_FRONT_ENDS",
    "FrontEnd",
    "Server",
    "ServerSettings",
    "Service",
    "create_app",
]
