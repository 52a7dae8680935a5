"""Adobe's UploadFile servlet: ``POST /scene7/UploadFile``, ``multipart/form-data`` with an
``auth`` part (an authHeader document), an ``uploadParams`` part (an ``uploadPostParam``
document) and the files.

The jobs themselves are :mod:`engine.soap.upload_jobs`. Each file part becomes an asset named
by ``fileName`` (one file only) or by the part's file name without its path, in
``destFolder`` (default the company root). The answer is HTTP 200 with
``uploadPostReturn``/``jobHandle``, or — as Adobe documents — HTTP 200 (or the authHeader's
``faultHttpStatusCode``) with a bare fault element. The processing options of Adobe's
``UploadPostJob`` (overwrite, masks, Photoshop options …) are accepted and ignored.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from engine.errors import ApiFault
from engine.soap import codec
from engine.soap.common import as_fault, basic_credentials, fault_status, header_credentials
from engine.soap.schema import AUTH_NAMESPACE, TYPES
from engine.soap.service import IpsService
from engine.soap.upload_jobs import UploadedFile

UPLOAD_PATH = "/scene7/UploadFile"
MAX_UPLOAD_BYTES = 2 * 1024**3
_XML_PART_BYTES = 1024 * 1024


def upload_endpoint(service: IpsService) -> Callable[[Request], Any]:
    async def upload(request: Request) -> Response:
        auth: dict[str, Any] = {}
        ns = AUTH_NAMESPACE
        try:
            declared = request.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES:
                raise ApiFault(
                    f"the upload is larger than {MAX_UPLOAD_BYTES:,} bytes",
                    code=ApiFault.INVALID_PARAMETER,
                )
            async with request.form(max_part_size=_XML_PART_BYTES) as form:
                auth_xml = await _part_bytes(form.get("auth"), "auth")
                params_xml = await _part_bytes(form.get("uploadParams"), "uploadParams")
                files = [
                    UploadedFile(_base_name(value.filename), value.file)
                    for key, value in form.multi_items()
                    if isinstance(value, UploadFile) and key not in ("auth", "uploadParams")
                ]
                auth = codec.read_auth_header(auth_xml)
                ns = _namespace(params_xml)
                params = _upload_params(params_xml)
                credentials = header_credentials(auth) or basic_credentials(request)
                user = await run_in_threadpool(service.sign_in, credentials)
                session = await run_in_threadpool(
                    service.session, user, params.get("companyHandle")
                )
                client = request.client.host if request.client else ""
                handle = await run_in_threadpool(
                    service.uploads.post, session, params, files, client
                )
        except HTTPException as exc:  # what Starlette makes of unreadable multipart
            fault = codec.fault_element(_unreadable(exc), ns)
            return Response(codec.bare(fault), media_type="text/xml")
        except Exception as exc:
            fault = codec.fault_element(as_fault(exc), ns)
            status = fault_status(auth) if "faultHttpStatusCode" in auth else 200
            return Response(codec.bare(fault), status_code=status, media_type="text/xml")
        answer = ET.Element(f"{{{ns}}}uploadPostReturn")
        ET.SubElement(answer, f"{{{ns}}}jobHandle").text = handle
        return Response(codec.bare(answer), media_type="text/xml")

    return upload


def _base_name(filename: str | None) -> str:
    return PurePosixPath((filename or "").replace("\\", "/")).name


def _unreadable(exc: HTTPException) -> ApiFault:
    return ApiFault(
        f"the upload is not readable multipart/form-data: {exc.detail}",
        code=ApiFault.INVALID_REQUEST_XML,
    )


async def _part_bytes(part: Any, name: str) -> bytes:
    if part is None:
        raise ApiFault(f"missing form part {name!r}", code=ApiFault.MISSING_PARAMETER)
    if isinstance(part, UploadFile):
        return await part.read(_XML_PART_BYTES + 1)
    return part.encode("utf-8")


def _namespace(params_xml: bytes) -> str:
    tag = codec.parse_xml(params_xml).tag
    return tag[1:].partition("}")[0] if tag.startswith("{") else AUTH_NAMESPACE


def _upload_params(params_xml: bytes) -> dict[str, Any]:
    root = codec.parse_xml(params_xml)
    local = root.tag.rpartition("}")[2]
    if local not in ("uploadPostParam", "uploadParams"):
        raise ApiFault(
            f"expected an uploadPostParam document, not <{local}>",
            code=ApiFault.INVALID_REQUEST_XML,
        )
    return codec.decode(root, TYPES["UploadPostParam"], "uploadPostParam")
