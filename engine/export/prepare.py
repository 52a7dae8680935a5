"""Everything decided at submit time, before the job exists: validation, authorisation of each
handle, the IS request and the package entry names.

Submitting fails as a whole (nothing is recorded) for a bad ExportJob field (ApiFault
30001/30002), a request that does not parse or names an undefined preset (30001), and a handle
that is unknown or belongs to another company (AuthorizationFault 20005). Problems of single
assets that only show when exporting (a set type, a missing original) become job log entries.

The request is parsed once here to learn the output format, so every entry name is known
before anything runs: names depend on the handle list alone, never on timing (see
``naming``). Presets are taken from the company as they are at submit time.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from engine.errors import ApiFault, CatalogError, IsRenderError
from engine.export.job import ExportJob
from engine.export.limits import ExportLimits
from engine.export.naming import NameAllocator, converted_name, sanitise
from engine.export.rules import Action, action_for, refusal_reason
from engine.macros import MacroTable


@dataclass(frozen=True)
class AssetRef:
    """One asset of the job, in ``assetHandleArray`` order (``position``)."""

    position: int
    handle: str
    name: str
    asset_type: str  # the IPS type; for sets the kind of set (MediaSet ...)
    action: Action
    entry_name: str | None = None  # the name in the package
    path: str | None = None  # the original file's location (engine.storage)
    size: int = 0
    problem: str | None = None  # why it cannot be exported, known before running


@dataclass(frozen=True)
class Prepared:
    job: ExportJob  # validated
    assets: tuple[AssetRef, ...]
    duplicates: tuple[AssetRef, ...]  # handles given more than once (exported once)
    request: str | None = None  # the IS request of a convert job
    macros: MacroTable | None = None
    extension: str | None = None  # of the converted files
    resolver: Any = None  # CatalogResolver of the company when the request names objects
    templated: bool = False  # template= made the request: the asset is only its $object$


def prepare(session: Any, job: ExportJob, limits: ExportLimits) -> Prepared:
    """Validate ``job`` for ``session``'s company; see the module docstring for the faults."""
    job = job.validated(limits)
    request = macros = extension = resolver = None
    templated = False
    if job.fmt == "convert":
        macros = session.macro_table()
        request, templated = _templated(session, job.request(), macros)
        extension = planned_extension(request, macros)
        resolver = _resolver(session, request, macros)
    names = NameAllocator()
    assets: list[AssetRef] = []
    duplicates: list[AssetRef] = []
    seen: set[str] = set()
    for position, handle in enumerate(job.asset_handle_array):
        ref = _asset_ref(session, position, handle, job.fmt or "", extension, names, handle in seen)
        (duplicates if handle in seen else assets).append(ref)
        seen.add(handle)
    return Prepared(
        job, tuple(assets), tuple(duplicates), request, macros, extension, resolver, templated
    )


def _templated(session: Any, request: str, macros: MacroTable | None) -> tuple[str, bool]:
    """The request a company template makes of ``request`` (``template=name``), if any."""
    from engine.parser import parse
    from engine.templates import templated_request

    try:
        node = parse(request, macros=macros).get("template")
    except IsRenderError:
        return request, False  # planned_extension says what is wrong
    if node is None:
        return request, False
    name = node.arg("object")
    templates = {key.lower(): value for key, value in session.list_templates().items()}
    template = templates.get(name.lower())
    if template is None:
        raise ApiFault(
            f"ExportJob.is_modifier/macro names template={name}, which company "
            f"{session.company.name} does not have",
            code=ApiFault.INVALID_PARAMETER,
        )
    return templated_request(request, template, macros, name=name), True


def _resolver(session: Any, request: str, macros: MacroTable | None) -> Any:
    """The company's assets as src=/mask= objects, when the request names any."""
    from engine.catalog.resolver import catalog_resolver, names_objects
    from engine.parser import parse

    return catalog_resolver(session) if names_objects(parse(request, macros=macros)) else None


def planned_extension(request: str, macros: MacroTable | None) -> str:
    """The file extension the request renders to; ApiFault 30001 if it cannot render."""
    from engine.parser import parse
    from engine.registry import get_registry
    from engine.renderer import output_format

    try:
        fmt, _pixel_type, _compression = output_format(
            parse(request, macros=macros), get_registry()
        )
    except IsRenderError as exc:
        raise ApiFault(
            f"ExportJob.is_modifier/macro is invalid: the request {request!r} cannot be "
            f"rendered: {exc}",
            code=ApiFault.INVALID_PARAMETER,
        ) from None
    return fmt.extension


def _asset_ref(
    session: Any,
    position: int,
    handle: str,
    fmt: str,
    extension: str | None,
    names: NameAllocator,
    duplicate: bool,
) -> AssetRef:
    asset = session.get_asset(handle)  # AuthorizationFault 20005 for unknown/foreign handles
    kind = asset.asset_type
    action = action_for(kind, fmt)
    ref = AssetRef(position, handle, asset.name, kind, action)
    if duplicate:
        return ref
    if action is Action.REFUSE:
        return replace(ref, problem=refusal_reason(kind))
    if asset.is_set:
        return replace(ref, problem=f"{kind} assets are sets: they have no file to export")
    try:
        path = session.original_location(handle)
    except CatalogError as exc:
        return replace(ref, problem=str(exc))
    safe = sanitise(asset.name, f"asset-{position + 1}")
    wanted = converted_name(safe, extension) if action is Action.CONVERT and extension else safe
    return replace(ref, entry_name=names.allocate(wanted), path=path, size=asset.size)
