"""The isrender server: the ASGI app (Starlette) the HTTP front ends plug into.

``create_app(home)`` makes the app; ``isrender serve`` runs it under uvicorn
(``engine.server.run``). ``engine.http`` serves Image Serving URLs; later front ends (the
IPS web service, a web UI) add their routes through ``DEFAULT_FRONT_ENDS``.
"""

from engine.server.app import DEFAULT_FRONT_ENDS, FrontEnd, Server, create_app
from engine.server.settings import ServerSettings

__all__ = ["DEFAULT_FRONT_ENDS", "FrontEnd", "Server", "ServerSettings", "create_app"]
