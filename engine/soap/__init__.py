"""The IPS web service: Scene7's SOAP API for the operations isrender implements (ExportJob
and the catalog, job and preset operations around it), so existing IPS clients work unchanged.

``routes(server)`` is the front end the server app loads (``engine.server.DEFAULT_FRONT_ENDS``):
the SOAP endpoint, the WSDLs, the UploadFile servlet and export package downloads.
"""

from engine.soap.routes import routes
from engine.soap.service import IpsService

__all__ = ["IpsService", "routes"]
