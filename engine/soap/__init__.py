"""The IPS web service: Scene7's SOAP API for the operations isrender implements (ExportJob
and the catalog, job and preset operations around it), so existing IPS clients work unchanged.

``soap_routes(IpsService(home))`` are Starlette routes for the server application; the
service's ``start``/``close`` belong in its lifespan (``lifespan(service)``).
"""

from engine.soap.routes import lifespan, soap_routes
from engine.soap.service import IpsService

__all__ = ["IpsService", "lifespan", "soap_routes"]
