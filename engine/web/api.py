"""The JSON API behind the pages, under ``/web/api/``; every call needs a session, and every
call that changes something its CSRF token (see ``sessions``).

Each call goes through the catalog session or the server's export coordinator, which check
the user's role and keep to the user's company: another company's asset or job is refused
(403, AuthorizationFault 20005) exactly like an unknown one. Handles travel in the query
string or the body, never in the path (job handles hold their names).
"""

from __future__ import annotations

import base64
import tempfile
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from engine import storage
from engine.catalog import Session
from engine.catalog.auth import PERMISSIONS, may
from engine.errors import ApiFault, CatalogError, ParseError
from engine.export import EMAIL_SETTINGS, Coordinator, ExportJob
from engine.macros import MacroTable
from engine.parser import parse
from engine.server.responses import stored_file_response
from engine.web import views
from engine.web.context import Web, parse_error, read_json, text_field

#: Assets one search returns at most.
MAX_ASSETS = 500
#: Finished jobs the jobs screen lists.
RECENT_JOBS = 50


def routes(web: Web) -> list[BaseRoute]:
    def coordinator() -> Coordinator:
        return web.server.coordinator  # made when the app starts, after these routes

    async def me(request: Request, session: Session) -> dict[str, Any]:
        return {
            "user": session.user.email,
            "company": session.company.name,
            "role": session.role,
            "may": {operation: may(session.role, operation) for operation in PERMISSIONS},
            "emailSettings": list(EMAIL_SETTINGS),
        }

    async def assets(request: Request, session: Session) -> dict[str, Any]:
        query = request.query_params.get("q", "").strip().lower()
        found = await run_in_threadpool(session.list_assets)
        matches = [asset for asset in found if query in asset.name.lower()]
        return {
            "assets": [views.asset(session.company, a) for a in matches[:MAX_ASSETS]],
            "more": max(0, len(matches) - MAX_ASSETS),
        }

    async def asset(request: Request, session: Session) -> dict[str, Any]:
        found = await run_in_threadpool(session.get_asset, request.query_params.get("handle", ""))
        return views.asset(session.company, found)

    async def parse_request(request: Request, session: Session) -> dict[str, Any]:
        data = await read_json(request)
        return await run_in_threadpool(
            _parse_report, session, text_field(data, "modifiers"), text_field(data, "asset")
        )

    async def presets(request: Request, session: Session) -> dict[str, Any]:
        found = await run_in_threadpool(session.list_presets)
        return {"presets": [{"name": n, "modifiers": m} for n, m in found.items()]}

    async def validate_preset(request: Request, session: Session) -> dict[str, Any]:
        data = await read_json(request)
        name, body = text_field(data, "name"), text_field(data, "modifiers")
        return await run_in_threadpool(_preset_report, session, name, body)

    async def save_preset(request: Request, session: Session) -> dict[str, Any]:
        data = await read_json(request)
        name, body = text_field(data, "name"), text_field(data, "modifiers")
        await run_in_threadpool(session.set_preset, name, body)
        return await presets(request, session)

    async def delete_preset(request: Request, session: Session) -> dict[str, Any]:
        data = await read_json(request)
        await run_in_threadpool(session.delete_preset, text_field(data, "name"))
        return await presets(request, session)

    async def import_presets(request: Request, session: Session) -> dict[str, Any]:
        data = await read_json(request)
        count = await run_in_threadpool(
            _import, session, text_field(data, "name"), text_field(data, "data")
        )
        return {"imported": count, **(await presets(request, session))}

    async def jobs(request: Request, session: Session) -> dict[str, Any]:
        records = await run_in_threadpool(coordinator().get_job_logs, session, limit=RECENT_JOBS)
        return {"jobs": [views.job(record) for record in records]}

    async def job(request: Request, session: Session) -> dict[str, Any]:
        handle = request.query_params.get("handle", "")
        record = await run_in_threadpool(coordinator().get_job, session, handle)
        details = await run_in_threadpool(coordinator().get_job_log_details, session, handle)
        return {**views.job(record), "details": [views.detail(d) for d in details]}

    async def submit(request: Request, session: Session) -> dict[str, Any]:
        data = await read_json(request)
        handles = data.get("handles")
        if not isinstance(handles, list):
            raise ApiFault(
                "handles must be a list of asset handles", code=ApiFault.INVALID_PARAMETER
            )
        export = ExportJob(
            asset_handle_array=handles,
            fmt=text_field(data, "fmt"),
            is_modifier=text_field(data, "is_modifier"),
            macro=text_field(data, "macro"),
            email_setting=text_field(data, "email_setting"),
        )
        name = text_field(data, "name").strip() or None
        handle = await run_in_threadpool(coordinator().submit_job, session, export, name=name)
        return views.job(await run_in_threadpool(coordinator().get_job, session, handle))

    def control(action: str):
        async def endpoint(request: Request, session: Session) -> dict[str, Any]:
            data = await read_json(request)
            method = getattr(coordinator(), f"{action}_job")
            return views.job(await run_in_threadpool(method, session, text_field(data, "handle")))

        return endpoint

    async def package(request: Request, session: Session) -> Response:
        handle = request.query_params.get("handle", "")
        record = await run_in_threadpool(coordinator().get_job, session, handle)
        if not record.package or not await run_in_threadpool(storage.exists, record.package):
            raise CatalogError(f"job {handle!r} has no package (yet)")
        return stored_file_response(
            record.package,
            media_type="application/zip",
            filename=f"{views.safe_file_name(record.name)}.zip",
            headers={"Cache-Control": "no-store"},
        )

    table = {
        ("GET", "/web/api/me"): me,
        ("GET", "/web/api/assets"): assets,
        ("GET", "/web/api/asset"): asset,
        ("POST", "/web/api/parse"): parse_request,
        ("GET", "/web/api/presets"): presets,
        ("POST", "/web/api/presets/validate"): validate_preset,
        ("POST", "/web/api/presets/save"): save_preset,
        ("POST", "/web/api/presets/delete"): delete_preset,
        ("POST", "/web/api/presets/import"): import_presets,
        ("GET", "/web/api/jobs"): jobs,
        ("GET", "/web/api/job"): job,
        ("POST", "/web/api/jobs/submit"): submit,
        ("POST", "/web/api/jobs/stop"): control("stop"),
        ("POST", "/web/api/jobs/pause"): control("pause"),
        ("POST", "/web/api/jobs/resume"): control("resume"),
        ("GET", "/web/api/job/package"): package,
    }
    return [
        Route(path, web.api(handler), methods=[method]) for (method, path), handler in table.items()
    ]


def _parse_report(session: Session, modifiers: str, asset_handle: str) -> dict[str, Any]:
    """What the playground shows of a modifier string: the operation tree and the resolved
    request (as ``req=resolve`` has them, with the asset's URL modifiers around the text), or
    the parse error located in the text as typed."""
    text = modifiers.strip().lstrip("?&")
    macros = session.macro_table()
    object_name = None
    parts = [text]
    if asset_handle:
        asset = session.get_asset(asset_handle)
        object_name = Path(asset.name).stem
        parts = [asset.url_modifier, text, asset.url_post_modifier]
    try:
        parse(text, macros=macros, object_name=object_name)
    except ParseError as exc:
        return {"ok": False, "error": parse_error(exc)}
    plan = parse("&".join(p for p in parts if p), macros=macros, object_name=object_name)
    return {"ok": True, "tree": str(plan), "resolved": plan.to_modifiers()}


def _preset_report(session: Session, name: str, modifiers: str) -> dict[str, Any]:
    """Whether saving ``modifiers`` as preset ``name`` would be accepted, checked as saving
    checks it (with the company's other presets as macros)."""
    body = modifiers.strip().lstrip("?&")
    table: MacroTable = session.macro_table()
    if name.strip().strip("$"):
        table = table.merged({name.strip().strip("$"): body})
    try:
        plan = parse(body, macros=table)
    except ParseError as exc:
        return {"ok": False, "error": parse_error(exc)}
    return {"ok": True, "tree": str(plan), "resolved": plan.to_modifiers()}


def _import(session: Session, file_name: str, data: str) -> int:
    """Presets from a Scene7 macro file sent as base64 (its bytes as they are: UTF-8 with a
    BOM, else ISO-8859-1), all or none."""
    try:
        content = base64.b64decode(data, validate=True)
    except ValueError:
        raise ApiFault("the macro file is not base64", code=ApiFault.INVALID_PARAMETER) from None
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / views.safe_file_name(file_name or "macros")
        path.write_bytes(content)
        return session.import_presets(path)
