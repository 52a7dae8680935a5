"""``GET``/``HEAD /is/image/{company}/{name}?{modifiers}``: Image Serving over the catalog.

The company is the catalog's company of that name (case-insensitive, as the catalog keeps
names). ``{name}`` is the Scene7 asset ID: the newest image of the company named exactly so
or so plus one extension (``fileToExport`` and ``fileToExport.jpg`` both serve
``fileToExport.jpg``; two uploads with one stem: the newer wins, as a Scene7 re-upload
replaces the asset); case-sensitive, like IS catalog IDs (reference §1.3). The name only
ever reaches the database, never the file system. The raw query string is the IS request,
parsed exactly as ``engine.parse`` parses it (no decoding by the web framework); the
company's presets are its macros, ``$object$`` is the asset ID, and the asset's URL
modifiers wrap the request: ``catalog::Modifier & request & catalog::PostModifier``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from pathlib import PurePosixPath

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from engine.catalog import Asset, Company
from engine.catalog.resolver import CatalogResolver, names_objects, plan_resolver
from engine.errors import (
    BusyError,
    IsRenderError,
    NotFoundError,
    ParseError,
    RequestTooLongError,
    TimeLimitError,
)
from engine.http import caching
from engine.http.imageprops import image_properties
from engine.http.properties import render_properties, response_format
from engine.macros import MacroTable
from engine.parser import MAX_REQUEST_LENGTH, parse
from engine.plan import Plan
from engine.registry import get_registry
from engine.renderer import Rendition, output_format
from engine.server import Server
from engine.server.renders import RenderTask
from engine.server.responses import error_message, error_response, status_of
from engine.syntax import encode_value, split_modifiers
from engine.templates import templated_request

log = logging.getLogger("isrender.http")

#: The ``req=`` types served; the others are a 400 naming them.
REQUEST_TYPES = ("img", "props", "imageprops", "exists", "resolve", "validate", "map")
#: What ``req=map`` answers: ``<AREA>`` elements as text (``r-map-req.md``).
MAP_TYPE = "text/plain; charset=utf-8"
#: What an error image keeps of the failed request (as IS's defaultImage mode 0 does).
ERROR_IMAGE_COMMANDS = ("wid", "hei", "fmt", "qlt")


@dataclass
class Prepared:
    """A request checked against the catalog, ready to answer (or its ``error``)."""

    company: Company
    attributes: dict[str, str]
    kind: str | None = None
    fmt: str = "text"
    asset: Asset | None = None
    plan: Plan | None = None
    request: str = ""
    macros: MacroTable | None = None
    source: str = ""
    mime_type: str = ""
    etag: str | None = None
    dated: bool = True  # the asset's modification time dates the reply (no preset used)
    max_age: int | None = None
    cache: caching.CacheModes = field(default_factory=caching.CacheModes)
    props: dict[str, str] = field(default_factory=dict)
    resolver: CatalogResolver | None = None  # src=/mask= objects of the request
    error: IsRenderError | None = None


async def image_request(server: Server, request: Request) -> Response:
    raw = request.scope.get("query_string", b"")
    if len(raw) > MAX_REQUEST_LENGTH:
        raise RequestTooLongError(
            f"request of {len(raw)} bytes is too long; an IS request has at most "
            f"{MAX_REQUEST_LENGTH} characters"
        )
    try:
        query = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ParseError("the request is not UTF-8 text", expected="%xx for other bytes") from None
    company, name = request.path_params["company"], request.path_params["name"]
    prepared = await run_in_threadpool(_prepare, server, company, name, query)
    try:
        if prepared.error is not None:
            raise prepared.error
        return await _answer(server, request, prepared)
    except Exception as exc:
        return await _error(server, prepared, exc, query)


def _prepare(server: Server, company_name: str, name: str, query: str) -> Prepared:
    """Catalog lookups and parsing (in a thread: SQLite and Lark stay off the event loop)."""
    catalog = server.catalog
    company = catalog.company(company_name)
    prepared = Prepared(company, catalog.company_attributes(company.handle))
    try:
        _resolve(server, prepared, name, query)
    except IsRenderError as exc:
        prepared.error = exc
    return prepared


def _resolve(server: Server, prepared: Prepared, name: str, query: str) -> None:
    settings, catalog = server.settings, server.catalog
    prepared.macros = catalog.presets(prepared.company) or None
    base = prepared.plan = parse(query, macros=prepared.macros, object_name=_asset_id(name))
    kind = prepared.kind = base.arg("req", "type", "img")
    if kind not in REQUEST_TYPES:
        raise ParseError(
            f"req={kind} is not supported by isrender serve",
            command="req",
            text=kind,
            expected=", ".join(REQUEST_TYPES),
        )
    if kind == "map":
        _map_format(base.arg("req", "options"))
    elif kind not in ("img", "resolve"):
        prepared.fmt = response_format(base.arg("req", "options"))
    if kind == "validate":  # parsed without the catalog: no asset needed
        prepared.props = {"request.isValid": "1"}
        return
    asset = prepared.asset = catalog.find_image(prepared.company, name)
    non_image_age = caching.max_age_of(
        prepared.attributes, "NonImgExpiration", settings.non_image_max_age
    )
    if kind == "exists":
        prepared.props = {"catalogRecord.exists": "1" if asset is not None else "0"}
        prepared.max_age = non_image_age
        return
    if asset is None or asset.blob is None:
        raise NotFoundError(f"company {prepared.company.name} has no image named {name!r}")
    prepared.source = str(catalog.blobs.path(asset.blob))
    parts = (_attribute_modifiers(prepared.attributes), asset.url_modifier, query,
             asset.url_post_modifier)  # fmt: skip
    prepared.request = "&".join(part for part in parts if part)
    # The catalog keeps no date for presets, so a reply a preset shapes has no
    # Last-Modified: If-Modified-Since would keep a client on it after the preset changed.
    prepared.dated = "$" not in prepared.request or not any(
        item.kind == "macro" for item in split_modifiers(prepared.request)
    )
    plan = prepared.plan = parse(
        prepared.request, macros=prepared.macros, object_name=_asset_id(asset.name)
    )
    if kind == "resolve":
        return
    # The company's images that src=/mask= name (layers, at any nesting level); their blobs
    # are part of the key.
    resolver = prepared.resolver = plan_resolver(catalog, prepared.company, plan, prepared.macros)
    # Commands that change no byte of the reply stay out of the key: cache=, the request
    # type (kind and fmt are in it), and for images the id= and handler= of JSONP replies.
    ignored = {"cache", "req"} if kind != "img" else {"cache", "req", "id", "handler"}
    canonical = "&".join(
        f"{n.layer}:{n.to_modifier()}" for n in plan if n.command.lower() not in ignored
    )
    if resolver is not None:
        canonical += "|" + ",".join(sorted(resolver.paths.values()))
    if names_objects(plan):  # nested requests see the variables (§2.1): they shape the pixels
        canonical += "|" + "&".join(f"${name}={value}" for name, value in plan.variables)
    if kind == "imageprops":
        # The source's properties also name the asset and carry its dates and the company's
        # expiration: the tag covers them, since one file may be two assets.
        prepared.props = image_properties(prepared.source, asset, prepared.company, non_image_age)
        prepared.max_age = non_image_age
        canonical += "".join(f"\0{name}\0{value}" for name, value in prepared.props.items())
    elif kind == "props":
        prepared.max_age = non_image_age
    elif kind == "map":  # cached like the image (r-map-req.md: catalog::Expiration)
        prepared.mime_type = MAP_TYPE
        prepared.max_age = caching.max_age_of(prepared.attributes, "Expiration", settings.max_age)
    else:
        prepared.mime_type = output_format(plan, get_registry())[0].mime_type
        prepared.cache = caching.cache_modes(plan.arg("cache", "mode"))
        prepared.max_age = caching.max_age_of(prepared.attributes, "Expiration", settings.max_age)
    prepared.etag = caching.etag(asset.blob, canonical, kind, prepared.fmt)


def _map_format(options: str | None) -> None:
    """``req=map`` answers ``<AREA>`` text; the XML and JSON forms are not served."""
    if (options or "text").strip().lower() not in ("", "text"):
        raise ParseError(
            "req=map is served as text only",
            command="req",
            argument=1,
            text=options,
            expected="text",
        )


def _attribute_modifiers(attributes: dict[str, str]) -> str:
    """The company attributes that are defaults of request commands, as those commands: they
    lead the request, so its own commands override them (``attribute::ApplyEffectMask`` is
    ``effectMask=``, ``r-effectmask.md``)."""
    value = attributes.get("ApplyEffectMask")
    return f"effectMask={value}" if value else ""


def _asset_id(name: str) -> str:
    """The Scene7 asset ID of a file name: without its extension."""
    stem = PurePosixPath(name).stem
    return stem if PurePosixPath(name).suffix else name


async def _answer(server: Server, request: Request, prepared: Prepared) -> Response:
    kind, plan = prepared.kind, prepared.plan
    if kind == "resolve":
        assert plan is not None
        return Response(
            plan.to_modifiers() + "\n", media_type="text/plain", headers=_headers(prepared)
        )
    headers = _headers(prepared)
    modified = _modified(prepared)
    if prepared.etag and caching.not_modified(request.headers, prepared.etag, modified):
        return Response(status_code=304, headers=headers)
    if request.method == "HEAD" and kind in ("img", "props", "map"):
        response = Response(
            media_type=prepared.mime_type or _property_type(prepared.fmt), headers=headers
        )
        del response.headers["content-length"]  # unknown without rendering
        return response
    if kind == "img":
        return await _image(server, prepared, headers)
    if kind == "map":
        areas: str = await server.renders.run(_task(prepared, "map"))
        return Response(areas.encode("utf-8"), media_type=MAP_TYPE, headers=headers)
    if kind == "props":
        prepared.props = await server.renders.run(_task(prepared, "props"))
    body, content_type = render_properties(
        prepared.props,
        prepared.fmt,
        request_id=plan.arg("id", "id") if plan is not None else None,
        handler=plan.arg("handler", "name") if plan is not None else None,
    )
    headers["Content-Type"] = content_type
    return Response(body, headers=headers)


async def _image(server: Server, prepared: Prepared, headers: dict[str, str]) -> Response:
    """The rendition: from the result cache when it is on and holds it (no worker is
    involved), else rendered and then stored after the response is sent."""
    cache, etag = server.cache, prepared.etag
    if cache is None or etag is None:
        rendition: Rendition = await server.renders.run(_task(prepared, "img"))
        return Response(rendition.data, media_type=rendition.mime_type, headers=headers)
    if prepared.cache.read:
        hit = await run_in_threadpool(cache.get, etag)
        if hit is not None:
            headers["X-Cache"] = "HIT"
            return Response(hit[0], media_type=hit[1], headers=headers)
    rendition = await server.renders.run(_task(prepared, "img"))
    headers["X-Cache"] = "MISS"
    store = None
    if prepared.cache.write:
        store = BackgroundTask(cache.put, etag, rendition.data, rendition.mime_type)
    return Response(
        rendition.data, media_type=rendition.mime_type, headers=headers, background=store
    )


def _property_type(fmt: str) -> str:
    return render_properties({}, fmt)[1]


def _headers(prepared: Prepared) -> dict[str, str]:
    headers = {
        "Cache-Control": caching.cache_control(prepared.max_age, client=prepared.cache.client)
    }
    if prepared.etag is not None:
        headers["ETag"] = prepared.etag
    modified = _modified(prepared)
    if modified is not None:
        headers["Last-Modified"] = caching.http_date(modified)
    return headers


def _modified(prepared: Prepared) -> datetime | None:
    """When the reply last changed, if the catalog knows: when the asset's file or URL
    modifiers did, unless a preset shapes the reply."""
    if prepared.asset is None or not prepared.dated:
        return None
    return prepared.asset.modified


def _task(prepared: Prepared, kind: str) -> RenderTask:
    assert prepared.asset is not None
    return RenderTask(
        kind,
        prepared.source,
        prepared.request,
        prepared.macros,
        _asset_id(prepared.asset.name),
        prepared.resolver,
    )


async def _error(server: Server, prepared: Prepared, error: Exception, query: str) -> Response:
    """The error's response, as the company's ErrorDetail, ErrorStatus and ErrorImage say."""
    attributes = prepared.attributes
    detail = int(attributes.get("ErrorDetail", "2"))
    status = status_of(error)
    if attributes.get("ErrorStatus") == "scene7" and status != 500:
        status = 403
    image = attributes.get("ErrorImage")
    transient = isinstance(error, BusyError | TimeLimitError)
    if image and prepared.kind in (None, "img") and not transient and status != 500:
        try:
            return await _error_image(server, prepared, image, query, error, detail)
        except Exception as failed:  # then the error itself is answered, as IS does
            log.warning("error image %r of company %s failed: %s", image, prepared.company.name,
                        failed)  # fmt: skip
    return error_response(
        error, detail=detail, status=status, retry_after=server.settings.retry_after
    )


async def _error_image(
    server: Server, prepared: Prepared, name: str, query: str, error: Exception, detail: int
) -> Response:
    """The company's ErrorImage at the failed request's size and format, status 200.

    ``r-errorimage.md``: ErrorImage names "an image, catalog entry, or template"; here a
    template of the company (its name first) or an image with its URL modifiers (IS's
    ``catalog::Modifier``/``PostModifier``). Either may render the error through the
    predefined variables ``$error.title$`` (the status's short title) and ``$error.message$``
    (the message at the company's ErrorDetail).
    """
    catalog = server.catalog
    template = await run_in_threadpool(catalog.find_template, prepared.company, name)
    asset = None
    if template is None:  # then an image
        asset = await run_in_threadpool(catalog.find_image, prepared.company, name)
        if asset is None or asset.blob is None:
            raise NotFoundError(f"ErrorImage {name!r} is neither a template nor an image")
    message = error_message(error, detail=detail)
    kept = "&".join(
        item
        for item in query.split("&")
        if item.partition("=")[0].strip().lower() in ERROR_IMAGE_COMMANDS
    )
    try:
        parse(kept)
    except ParseError:
        kept = ""
    title = HTTPStatus(status_of(error)).phrase
    variables = f"$error.title={encode_value(title)}&$error.message={encode_value(message)}"
    source = object_name = None
    if asset is None:
        request = templated_request(f"{variables}&{kept}", template)
    else:
        request = "&".join((variables, asset.url_modifier, kept, asset.url_post_modifier))
        source, object_name = str(catalog.blobs.path(asset.blob)), _asset_id(asset.name)
    plan = await run_in_threadpool(parse, request, macros=prepared.macros)
    company = prepared.company
    resolver = await run_in_threadpool(plan_resolver, catalog, company, plan, prepared.macros)
    task = RenderTask(
        "img",
        source=source,
        request=request,
        macros=prepared.macros,
        object_name=object_name,
        resolver=resolver,
    )
    rendition: Rendition = await server.renders.run(task)
    shown = message.encode("ascii", "replace").decode("ascii")
    headers = {
        "Cache-Control": "no-store",
        "X-Error-Status": str(status_of(error)),
        "X-Error-Message": " ".join(shown.split())[:1000],
    }
    return Response(rendition.data, media_type=rendition.mime_type, headers=headers)
