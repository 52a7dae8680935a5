"""Adobe's UploadFile servlet: ``POST /scene7/UploadFile``, ``multipart/form-data`` with an
``auth`` part (an authHeader document), an ``uploadParams`` part (an ``uploadPostParam``
document) and the files.

The first POST names a ``jobName`` and starts an upload job; later POSTs name its
``jobHandle`` and add to it; the POST with ``endJob`` true ends it. Each file becomes an asset
(``fileName`` overrides the name of a single file; the folder is ``destFolder``, default the
company root) and gets an ``UploadSuccess`` or ``UploadError`` entry in the job log. The
answer is HTTP 200 with ``uploadPostReturn``/``jobHandle``, or — as Adobe documents — HTTP 200
(or the authHeader's ``faultHttpStatusCode``) with a bare fault element. The upload
parameters of Adobe's ``UploadPostJob`` (overwrite, masks, Photoshop options …) are accepted
and ignored. A job left without ``endJob`` stays Running until a restart closes it.
"""

from __future__ import annotations

import shutil
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from engine.catalog import Session
from engine.errors import ApiFault, AuthorizationFault, IsRenderError
from engine.export.owner import current_owner
from engine.soap import codec
from engine.soap.common import as_fault, basic_credentials, fault_status, header_credentials
from engine.soap.schema import AUTH_NAMESPACE, TYPES
from engine.soap.service import IpsService

UPLOAD_PATH = "/scene7/UploadFile"
MAX_UPLOAD_BYTES = 2 * 1024**3
JOB_TYPE = "UploadPost"
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
                    value
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
                handle = await run_in_threadpool(_post, session, params, files)
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


def _post(session: Session, params: dict[str, Any], files: list[UploadFile]) -> str:
    session.require("upload")
    catalog = session.catalog
    handle = _job(session, params)
    rename = params.get("fileName") if len(files) == 1 else None
    folder = params.get("destFolder") or "/"
    for part in files:
        name = rename or PurePosixPath((part.filename or "").replace("\\", "/")).name
        _upload_one(session, handle, part, name, folder)
    if params.get("endJob"):
        catalog.add_job_log(handle, log_type="EndUpload", severity="info", message="upload ended")
        catalog.finish_job(handle)
    return handle


def _job(session: Session, params: dict[str, Any]) -> str:
    """The upload job this POST belongs to: the named open one, or a new one."""
    catalog = session.catalog
    existing = params.get("jobHandle")
    if existing:
        try:
            record = catalog.get_job(existing)
        except IsRenderError:
            record = None
        if (
            record is None
            or record.company != session.company.handle
            or record.job_type != JOB_TYPE
            or record.finished
        ):
            raise AuthorizationFault(
                f"illegal upload job handle {existing!r} (unknown, ended or not an upload job)",
                code=AuthorizationFault.ILLEGAL_PARAMETER_VALUE,
            )
        return existing
    name = params.get("jobName")
    if not name:
        raise ApiFault("give jobName (a new job) or jobHandle", code=ApiFault.MISSING_PARAMETER)
    handle = catalog.create_job(
        company=session.company.handle,
        user=session.user.handle,
        name=name,
        job_type=JOB_TYPE,
        spec={"description": params.get("description") or ""},
        email_setting="None",
        owner=current_owner(),
    )
    catalog.transition_job(handle, ("New",), "Running")
    catalog.add_job_log(handle, log_type="BeginUpload", severity="info", message="upload began")
    return handle


def _upload_one(session: Session, handle: str, part: UploadFile, name: str, folder: str) -> None:
    catalog = session.catalog
    with tempfile.TemporaryDirectory(dir=catalog.home) as scratch:
        path = Path(scratch) / "upload"
        with open(path, "wb") as out:
            part.file.seek(0)
            shutil.copyfileobj(part.file, out)
        try:
            asset = session.upload(path, name=name or None, folder=folder)
        except IsRenderError as exc:
            catalog.add_job_log(
                handle,
                log_type="UploadError",
                severity="error",
                message=str(exc),
                asset_name=name,
            )
            return
    catalog.add_job_log(
        handle,
        log_type="UploadSuccess",
        severity="success",
        message=f"uploaded {asset.name} ({asset.asset_type}, {asset.size:,} bytes)",
        asset_name=asset.name,
        asset_type=asset.asset_type,
        asset_handle=asset.handle,
    )
