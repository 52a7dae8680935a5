"""The HTTP face of the IPS web service: the server app's front end ``routes(server)``,
Starlette routes over an :class:`IpsService` whose scheduler the app's lifespan runs.

- ``POST /scene7/services/IpsApiService``: SOAP 1.1 requests (``SOAPAction`` = operation name,
  optional); ``GET`` with ``?wsdl``: the latest WSDL.
- ``GET /scene7/webservice/IpsApi-<version>.wsdl``: the WSDL of each served version.
- ``POST /scene7/UploadFile``: Adobe's upload servlet (see :mod:`engine.soap.upload`).
- ``GET /scene7/packages?jobHandle=…``: a finished export job's ZIP, for HTTP Basic
  credentials of a member of the job's company (401 without, 404 for anything not theirs);
  the server's package URLs (job logs, e-mails) point here, for jobs of every front end.

Bodies are read up to a limit (``MAX_SOAP_BYTES`` for SOAP; 413 beyond it). Faults are SOAP
faults with HTTP 500 unless the authHeader's ``faultHttpStatusCode`` says otherwise; an
unexpected error is ipsApiFault 30000 (logged here, no traceback in the response).
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Sequence
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from engine.errors import IpsFault, TooManySignIns
from engine.server import Server
from engine.server.responses import error_response, stored_file_response
from engine.server.signins import client_address
from engine.soap import codec
from engine.soap.common import (
    BodyTooLarge,
    as_fault,
    basic_credentials,
    fault_status,
    header_credentials,
    read_body,
    too_large,
)
from engine.soap.operations import HANDLERS, Call
from engine.soap.schema import LATEST, VERSIONS, namespace
from engine.soap.service import PACKAGE_PATH, IpsService
from engine.soap.upload import UPLOAD_PATH, upload_endpoint
from engine.soap.wsdl import SERVICE_PATH, wsdl

MAX_SOAP_BYTES = 10 * 1024 * 1024
XML = "text/xml; charset=utf-8"


def routes(server: Server, **options: Any) -> Sequence[BaseRoute]:
    """The IPS web service as a front end of ``server`` (``engine.server.DEFAULT_FRONT_ENDS``);
    ``options`` go to :class:`IpsService`."""
    service = IpsService(server, **options)
    server.services.append(service)
    server.package_path = PACKAGE_PATH
    return [
        Route(SERVICE_PATH, _endpoint(service), methods=["GET", "POST"]),
        Route("/scene7/webservice/IpsApi-{version}.wsdl", _wsdl_endpoint, methods=["GET"]),
        Route(UPLOAD_PATH, upload_endpoint(service), methods=["POST"]),
        Route(PACKAGE_PATH, _download_endpoint(service), methods=["GET"]),
    ]


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _endpoint(service: IpsService) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> Response:
        if request.method == "GET":
            if "wsdl" in {key.lower() for key in request.query_params}:
                return Response(wsdl(LATEST, base_url(request)), media_type=XML)
            return PlainTextResponse(
                "IpsApiService: POST SOAP 1.1 requests here; the WSDL is at ?wsdl\n"
            )
        try:
            body = await read_body(request, MAX_SOAP_BYTES)
        except BodyTooLarge:
            return too_large(MAX_SOAP_BYTES)
        service.server.saw(request)
        return await run_in_threadpool(_handle, service, request, body)

    return endpoint


def _handle(service: IpsService, request: Request, body: bytes) -> Response:
    ns, auth = namespace(LATEST), {}
    try:
        parsed = codec.read_request(body, request.headers.get("soapaction"))
        ns, auth = parsed.namespace, parsed.auth
        credentials = header_credentials(auth) or basic_credentials(request)
        user = service.sign_in(credentials, client_address(request))
        params = parsed.params
        result = HANDLERS[parsed.operation.name](Call(service, user), params)
        if parsed.operation.filters_fields:
            result = codec.filter_fields(
                result, params.get("responseFieldArray"), params.get("excludeFieldArray")
            )
        payload, status = codec.response(parsed.operation, ns, result), 200
    except Exception as exc:
        payload, status = codec.fault_response(as_fault(exc), ns), fault_status(auth)
    return _xml(payload, status, _wants_gzip(request, auth))


def _wants_gzip(request: Request, auth: dict[str, Any]) -> bool:
    """authHeader ``gzipResponse`` decides; without it, the client's Accept-Encoding."""
    if "gzipResponse" in auth:
        return bool(auth["gzipResponse"])
    return "gzip" in request.headers.get("accept-encoding", "").lower()


def _xml(payload: bytes, status: int, compress: bool) -> Response:
    headers = {"Vary": "Accept-Encoding"}
    if compress:
        payload = gzip.compress(payload, compresslevel=6)
        headers["Content-Encoding"] = "gzip"
    return Response(payload, status_code=status, media_type=XML, headers=headers)


async def _wsdl_endpoint(request: Request) -> Response:
    version = request.path_params["version"]
    if version not in VERSIONS:
        served = ", ".join(f"IpsApi-{v}.wsdl" for v in VERSIONS)
        return PlainTextResponse(
            f"no WSDL for IPS API version {version!r}; served: {served}\n", status_code=404
        )
    return Response(wsdl(version, base_url(request)), media_type=XML)


def _download_endpoint(service: IpsService) -> Callable[[Request], Any]:
    async def download(request: Request) -> Response:
        credentials = basic_credentials(request)
        challenge = {"WWW-Authenticate": 'Basic realm="isrender", charset="UTF-8"'}
        if credentials is None:
            return PlainTextResponse("sign in to download\n", status_code=401, headers=challenge)
        try:
            user = await run_in_threadpool(service.sign_in, credentials, client_address(request))
        except TooManySignIns as fault:
            return error_response(fault)
        except IpsFault as fault:
            return PlainTextResponse(f"{fault.message}\n", status_code=401, headers=challenge)
        handle = request.query_params.get("jobHandle", "")
        location = await run_in_threadpool(service.package_file, user, handle)
        if location is None:
            return PlainTextResponse(f"no package for job {handle!r}\n", status_code=404)
        name = location.rstrip("/").rsplit("/", 1)[-1]
        return stored_file_response(location, filename=name, media_type="application/zip")

    return download
