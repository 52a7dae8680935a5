"""The catalog's resolver: ``src=``/``mask=`` object names served from one company's assets.

IS names an object ``[rootId/]objectId``; here an image asset answers to its name with or
without extension, optionally after its folder (``brand/logo``) and/or the company's name as
root id (``Acme/logo``), case-insensitively. Only the signed-in company's images are served.
The resolver is a plain mapping, so it pickles into export worker processes; it is built only
for requests that name objects (:func:`names_objects`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine import storage
from engine.errors import ParseError, SourceError
from engine.nesting import named_objects
from engine.plan import Plan

_OBJECT_COMMANDS = frozenset({"src", "mask"})


def names_objects(plan: Plan) -> bool:
    """Whether rendering the plan asks a resolver for objects."""
    return any(node.command.lower() in _OBJECT_COMMANDS for node in plan)


@dataclass(frozen=True)
class CatalogResolver:
    """Object name (lower case, see the module docstring) → the original file's location
    (a path, or a URL on shared storage: ``engine.storage``)."""

    company: str
    paths: Mapping[str, str]

    def __call__(self, name: str) -> Path | bytes:
        path = self.paths.get(name.strip("/").lower())
        if path is None:
            raise SourceError(f"no image asset named {name!r} in company {self.company!r}")
        return storage.source_of(path)


def catalog_resolver(session: Any) -> CatalogResolver:
    """The resolver of ``session``'s company (its image assets as they are now)."""
    company = session.company.name
    paths: dict[str, str] = {}
    for asset in session.list_assets():
        if asset.blob is None or asset.asset_type != "Image":
            continue
        path = session.catalog.blobs.location(asset.blob)  # read where a worker runs
        stem = asset.name.rsplit(".", 1)[0] if "." in asset.name else asset.name
        folder = asset.folder.strip("/")
        for name in (asset.name, stem):
            keys = [name, f"{company}/{name}"]
            if folder:
                keys += [f"{folder}/{name}", f"{company}/{folder}/{name}"]
            for key in keys:
                paths.setdefault(key.lower(), path)
    return CatalogResolver(company, paths)


def plan_resolver(
    catalog: Any, company: Any, plan: Plan, macros: Mapping[str, str] | None = None
) -> CatalogResolver | None:
    """A resolver of just the objects ``plan`` names at any nesting level (``src=``/``mask=``
    and the objects of ``is(...)`` nested requests, parsed with ``macros``), looked up as
    ``/is/image/{company}/{name}`` finds images (``Catalog.find_image``; a leading
    ``{company}/`` root id is allowed); None when the plan names none. Unknown names are left
    out, so using them is the resolver's clear error; a name that is one of the company's
    templates (and no image) is a :class:`~engine.errors.ParseError`."""
    if not names_objects(plan):
        return None
    names, _ = named_objects(plan, macros)
    if not names:
        return None
    paths: dict[str, str] = {}
    root = company.name.lower() + "/"
    for name in names:
        key = name.strip("/")
        bare = key[len(root) :] if key.lower().startswith(root) else key
        asset = catalog.find_image(company, bare)
        if asset is not None and asset.blob is not None:
            paths[key.lower()] = str(catalog.blobs.path(asset.blob))
        elif asset is None and catalog.find_template(company, bare) is not None:
            raise ParseError(
                f"src=/mask= names {name!r}, a template of company {company.name}; "
                "template records may not be referenced in src= or mask= (c-templates.md)",
                text=name,
                expected="an image, or template= for the template",
            )
    return CatalogResolver(company.name, paths)
