"""A signed-in user acting in one company: assets, sets, presets and administration, checked
against the role.

Every method first checks the role's permission (``auth.PERMISSIONS``) and then only ever
touches the session's own company (``add_company`` makes a new one, which its creator then
administers).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from engine.catalog import auth, handles, sql
from engine.catalog.assets import (
    SET_MEMBER_TYPES,
    canonical_set_type,
    clean_folder,
    clean_name,
    identify,
)
from engine.catalog.attributes import check_attribute
from engine.catalog.jobs import check_text
from engine.catalog.models import Asset, Company, User
from engine.errors import ApiFault, AuthorizationFault, CatalogError, ParseError
from engine.macros import MacroTable, load_macros
from engine.parser import parse
from engine.templates import Template, load_templates, refuse_template_command

if TYPE_CHECKING:
    from engine.catalog.catalog import Catalog

# Scene7 limits an image preset's query string to 512 characters (§2.2).
MAX_PRESET_LENGTH = 512
#: Preset and template names: they are typed into URLs as ``$name$`` and ``template=name``.
MAX_NAME_LENGTH = 255
_BAD_PRESET_NAME = re.compile(r"[$&=\x00-\x1f\x7f]")


class Session:
    """Obtain from :meth:`Catalog.authenticate`."""

    def __init__(self, catalog: Catalog, user: User, company: Company, role: str) -> None:
        self.catalog = catalog
        self.user = user
        self.company = company
        self.role = role
        self._company_id = handles.row_id(company.handle)
        self._user_id = handles.row_id(user.handle)

    def __repr__(self) -> str:
        return f"Session({self.user.email!r}, {self.company.name!r}, {self.role!r})"

    def require(self, operation: str) -> None:
        """AuthorizationFault 20003 unless the session's role may perform ``operation``."""
        auth.require(self.role, operation)

    # --- administration (IPS addCompany, addUser, setCompanyMembership) -----------------------

    def add_company(self, name: str) -> Company:
        """A new company, with the signed-in user as its IpsAdmin (someone must administer it)."""
        self.require("addCompany")
        conn = self.catalog.connection()
        with sql.transaction(conn):
            company = self.catalog.create_company(name)
            sql.upsert_membership(conn, self._user_id, handles.row_id(company.handle), "IpsAdmin")
        return company

    def add_user(
        self, email: str, password: str, role: str, *, first_name: str = "", last_name: str = ""
    ) -> User:
        """A new user, member of this company with ``role`` (all or nothing)."""
        self.require("addUser")
        auth.require_grant(self.role, role)
        conn = self.catalog.connection()
        with sql.transaction(conn):
            user = self.catalog.create_user(
                email, password, first_name=first_name, last_name=last_name
            )
            self.catalog.add_membership(user.handle, self.company.handle, role)
        return user

    def set_membership(self, user: str, role: str) -> None:
        """Make an existing user (handle or e-mail) a member of this company with ``role``, or
        change their role. Nobody changes their own role (ask another administrator), and
        only an IpsAdmin grants or changes a role that may add companies."""
        self.require("setCompanyMembership")
        target = self.catalog.user(user)
        if target.handle == self.user.handle:
            raise AuthorizationFault(
                f"user {target.email} may not change their own role; ask another administrator",
                code=AuthorizationFault.NO_OPERATION_PERMISSION,
            )
        conn = self.catalog.connection()
        current = sql.membership_role(conn, handles.row_id(target.handle), self._company_id)
        auth.require_grant(self.role, role)
        if current is not None:
            auth.require_grant(self.role, current)
        self.catalog.add_membership(target.handle, self.company.handle, role)

    # --- assets ------------------------------------------------------------------------------

    def upload(
        self, source: str | os.PathLike[str] | bytes, *, name: str | None = None, folder: str = "/"
    ) -> Asset:
        """Store a file (a path, or the bytes themselves) as a new asset of the type its
        content shows. ``name`` defaults to the file's name, for bytes to the checksum plus
        the type's extension. A would-be image that does not decode is refused with
        CatalogError, leaving neither blob nor row."""
        self.require("upload")
        folder = clean_folder(folder)
        if isinstance(source, bytes | bytearray | memoryview):
            given = name
        else:
            if not Path(source).is_file():
                raise CatalogError(f"cannot upload {os.fspath(source)!r}: not a readable file")
            given = name if name is not None else Path(source).name
        label = clean_name(given) if given is not None else None
        store = self.catalog.blobs
        try:
            with store.staged(source) as staged:
                found = identify(staged.path, label or "")
                store.commit(staged)
        except OSError as exc:
            raise CatalogError(f"cannot store upload {label or ''!r}: {exc}") from None
        asset_id = sql.insert_asset(
            self.catalog.connection(),
            company_id=self._company_id,
            user_id=self._user_id,
            name=label or f"{staged.checksum[:16]}{found.extension}",
            asset_type=found.asset_type,
            folder=folder,
            size=staged.size,
            width=found.width,
            height=found.height,
            checksum=staged.checksum,
            now=datetime.now(UTC),
        )
        return self._asset(asset_id)

    def create_set(
        self, set_type: str, name: str, members: Sequence[str], *, folder: str = "/"
    ) -> Asset:
        """A set of this company's assets, in order. ``set_type`` is one of ``SET_TYPES``
        (case-insensitive); image and spin sets take images, video sets videos."""
        self.require("createSet")
        kind = canonical_set_type(set_type)
        name, folder = clean_name(name), clean_folder(folder)
        allowed = SET_MEMBER_TYPES.get(kind)
        member_ids = []
        for handle in members:
            member = self._lookup(handle)
            if allowed is not None and member.asset_type not in allowed:
                raise ApiFault(
                    f"a {kind} holds {' or '.join(allowed)} assets; {handle!r} ({member.name}) "
                    f"is {member.asset_type}",
                    code=ApiFault.INVALID_PARAMETER,
                )
            member_ids.append(handles.row_id(handle))
        conn = self.catalog.connection()
        with sql.transaction(conn):
            set_id = sql.insert_asset(
                conn,
                company_id=self._company_id,
                user_id=self._user_id,
                name=name,
                asset_type=kind,
                folder=folder,
                size=0,
                width=None,
                height=None,
                checksum=None,
                now=datetime.now(UTC),
            )
            sql.insert_set_members(conn, set_id, member_ids)
        return self._asset(set_id)

    def get_asset(self, handle: str) -> Asset:
        """The asset; an unknown handle and another company's handle give the same
        AuthorizationFault 20005."""
        self.require("getAssets")
        return self._lookup(handle)

    def list_assets(self, *, folder: str | None = None) -> list[Asset]:
        """All the company's assets, or those directly in ``folder`` (not its sub-folders)."""
        self.require("getAssets")
        where = None if folder is None else clean_folder(folder)
        return sql.list_assets(self.catalog.connection(), self._company_id, where)

    def original_path(self, handle: str) -> Path:
        """The stored original file of an asset (read-only; shared by identical uploads). With
        shared storage, a local copy (see ``BlobStore``)."""
        asset = self._file_asset(handle)
        path = self.catalog.blobs.path(asset.blob)
        if not path.is_file():
            raise _missing_original(handle, asset, path)
        return path

    def original_location(self, handle: str) -> str:
        """Where the stored original of an asset is in the store of record: a local path, or
        a URL with shared storage (what conversion workers on other hosts open)."""
        asset = self._file_asset(handle)
        if not self.catalog.blobs.exists(asset.blob):
            raise _missing_original(handle, asset, self.catalog.blobs.location(asset.blob))
        return self.catalog.blobs.location(asset.blob)

    def _file_asset(self, handle: str) -> Asset:
        asset = self.get_asset(handle)
        if asset.blob is None:
            raise CatalogError(
                f"asset {handle!r} ({asset.name}) is a {asset.asset_type}, not a file"
            )
        return asset

    def open_original(self, handle: str) -> BinaryIO:
        return open(self.original_path(handle), "rb")

    def find_assets(
        self,
        *,
        names: Sequence[str] | None = None,
        folder: str | None = None,
        include_subfolders: bool = True,
        asset_types: Sequence[str] | None = None,
    ) -> list[Asset]:
        """The company's assets, in upload order, filtered by exact ``names``
        (case-insensitive), by ``folder`` (and its sub-folders unless
        ``include_subfolders`` is false) and by ``asset_types`` (case-insensitive)."""
        self.require("getAssets")
        found = sql.list_assets(self.catalog.connection(), self._company_id, None)
        if names is not None:
            wanted = {name.casefold() for name in names}
            found = [asset for asset in found if asset.name.casefold() in wanted]
        if folder is not None:
            root = clean_folder(folder)
            found = [
                asset
                for asset in found
                if asset.folder == root
                or (include_subfolders and asset.folder.startswith(root.rstrip("/") + "/"))
            ]
        if asset_types:
            kinds = {kind.casefold() for kind in asset_types}
            found = [asset for asset in found if asset.asset_type.casefold() in kinds]
        return found

    def _lookup(self, handle: str) -> Asset:
        parsed = handles.parse_asset(handle) if isinstance(handle, str) else None
        asset = None
        if parsed is not None and parsed[0] == self._company_id:
            asset = sql.asset_by_id(self.catalog.connection(), *parsed)
        if asset is None:
            raise AuthorizationFault(
                f"illegal asset handle {handle!r}",
                code=AuthorizationFault.ILLEGAL_PARAMETER_VALUE,
            )
        return asset

    def _asset(self, asset_id: int) -> Asset:
        asset = sql.asset_by_id(self.catalog.connection(), self._company_id, asset_id)
        if asset is None:  # only if the row vanished between insert and read
            raise CatalogError(f"asset {asset_id} disappeared while it was being stored")
        return asset

    def set_url_modifier(self, handle: str, modifier: str = "", post_modifier: str = "") -> Asset:
        """IPS ``setUrlModifier``: the asset's ``catalog::Modifier`` (applied before every
        request of it, which overrides it) and ``catalog::PostModifier`` (applied after, which
        overrides the request). Both must parse with the company's presets; empty strings
        clear them."""
        self.require("setUrlModifier")
        asset = self._lookup(handle)
        table = self.macro_table()
        cleaned = []
        for field, text in (("urlModifier", modifier), ("urlPostApplyModifier", post_modifier)):
            text = text.strip().lstrip("?&")
            _check_modifiers(f"{field} of {handle!r}", text, table, template=False)
            cleaned.append(text)
        sql.update_url_modifiers(
            self.catalog.connection(),
            self._company_id,
            handles.row_id(asset.handle),
            *cleaned,
            datetime.now(UTC),
        )
        return self._asset(handles.row_id(asset.handle))

    def set_company_attribute(self, name: str, value: str) -> str:
        """Set (an empty value: remove) an IS attribute of the company (``ErrorImage``, ...,
        see ``engine.catalog.attributes``); returns its canonical name. Company admins only."""
        self.require("setCompanyAttribute")
        name, value = check_attribute(name, value)
        sql.set_company_attribute(self.catalog.connection(), self._company_id, name, value)
        return name

    # --- presets (the company's $name$ macros) -------------------------------------------------

    def set_preset(self, name: str, modifiers: str) -> None:
        """Create or replace the preset ``name`` (``$name$`` also accepted; names are
        case-insensitive). ``modifiers`` must parse, with the company's presets as macros."""
        self.require("setPreset")
        self._save_presets({name: modifiers})

    def list_presets(self) -> dict[str, str]:
        """Preset name → modifiers, by name."""
        self.require("getPresets")
        return sql.list_presets(self.catalog.connection(), self._company_id)

    def delete_preset(self, name: str) -> None:
        self.require("deletePreset")
        if not sql.delete_preset(self.catalog.connection(), self._company_id, _preset_name(name)):
            raise CatalogError(f"company {self.company.name} has no preset named {name!r}")

    def import_presets(self, path: str | os.PathLike[str]) -> int:
        """Add or replace presets from a Scene7 macro file (all or none); returns how many."""
        self.require("setPreset")
        table = load_macros(path)
        return self._save_presets({name: table[name] for name in table})

    # --- compositing templates (IPS createTemplate; template= of IS requests) -----------------

    def create_template(self, name: str, modifier: str, post_modifier: str = "") -> str:
        """Create or replace the template ``name`` (case-insensitive): its body
        (``catalog::Modifier``) and the modifiers applied after the request's
        (``catalog::PostModifier``). Both must parse with the company's presets as macros;
        ApiFault 30001 names the field and the offset otherwise. A value that still holds a
        ``$var$`` reference is a parameter the request may define, so a typed argument made
        of one (``size=$w$,0`` without a default ``$w=``) is not refused. Returns the
        template's handle (IPS returns an asset handle; templates are no assets here)."""
        self.require("createTemplate")
        self._save_templates({name: Template(modifier, post_modifier)})
        return handles.template_handle(self._company_id, _preset_name(name, "template"))

    def list_templates(self) -> dict[str, Template]:
        """Template name → :class:`~engine.templates.Template`, by name."""
        self.require("getTemplates")
        rows = sql.list_templates(self.catalog.connection(), self._company_id)
        return {name: Template(*row) for name, row in rows.items()}

    def get_template(self, name: str) -> tuple[str, Template]:
        """The template called ``name`` (case-insensitive), with the name as stored."""
        wanted = _preset_name(name, "template").casefold()
        for stored, template in self.list_templates().items():
            if stored.casefold() == wanted:
                return stored, template
        raise CatalogError(f"company {self.company.name} has no template named {name!r}")

    def delete_template(self, name: str) -> None:
        self.require("deleteTemplate")
        conn = self.catalog.connection()
        if not sql.delete_template(conn, self._company_id, _preset_name(name, "template")):
            raise CatalogError(f"company {self.company.name} has no template named {name!r}")

    def import_templates(self, path: str | os.PathLike[str]) -> int:
        """Add or replace templates from a catalog data file (``Id``, ``Modifier``,
        ``PostModifier`` columns; all or none); returns how many."""
        self.require("createTemplate")
        return self._save_templates(load_templates(path))

    def _save_templates(self, templates: dict[str, Template]) -> int:
        table = self.macro_table()
        cleaned = {}
        for name, template in templates.items():
            bare = _preset_name(name, "template")
            fields = []
            for field, text in (("modifier", template.modifier), ("postModifier",
                                template.post_modifier)):  # fmt: skip
                text = check_text(f"template {bare!r} {field}", text).strip().lstrip("?&")
                _check_template_field(f"{field} of template {bare!r}", text, table)
                fields.append(text)
            cleaned[bare] = fields
        with sql.transaction(self.catalog.connection()) as conn:
            for name, fields in cleaned.items():
                sql.upsert_template(conn, self._company_id, name, *fields)
        return len(cleaned)

    def macro_table(self) -> MacroTable:
        """The company's presets as a macro table for :func:`engine.parse`."""
        return MacroTable.from_mapping(self.list_presets())

    def _save_presets(self, presets: dict[str, str]) -> int:
        cleaned = {_preset_name(name): _preset_body(name, body) for name, body in presets.items()}
        conn = self.catalog.connection()
        with sql.transaction(conn):
            table = MacroTable(sql.list_presets(conn, self._company_id)).merged(cleaned)
            for name, body in cleaned.items():
                _check_modifiers(f"preset {name!r}", body, table)
                sql.upsert_preset(conn, self._company_id, name, body)
        return len(cleaned)


def _check_modifiers(what: str, body: str, table: MacroTable, *, template: bool = True) -> None:
    """ApiFault 30001 unless ``body`` parses as an IS modifier string with ``table`` (where
    ``$object$``, the asset name of a request, is defined) and, unless ``template``, has no
    ``template=`` (``c-templates.md``: a request's, never an asset's or a template's)."""
    try:
        parse(body, macros=table, object_name="object")
        if not template:
            refuse_template_command(body, what, table)
    except ParseError as exc:
        raise ApiFault(
            f"{what} is not a valid modifier string: {exc}", code=ApiFault.INVALID_PARAMETER
        ) from exc


_PARAMETER = re.compile(r"\$[^$&=]+\$")


def _check_template_field(what: str, body: str, table: MacroTable) -> None:
    """Like :func:`_check_modifiers`, except that a value left with a ``$var$`` reference
    (a template parameter without a default) is the request's to define."""
    try:
        _check_modifiers(what, body, table, template=False)
    except ApiFault as fault:
        error = fault.__cause__  # a value a command refused names the command
        refused_value = isinstance(error, ParseError) and error.command is not None
        if not (refused_value and _PARAMETER.search(getattr(error, "text", None) or "")):
            raise


def _preset_name(name: str, what: str = "preset") -> str:
    if isinstance(name, str) and len(name) > MAX_NAME_LENGTH:
        raise ApiFault(
            f"invalid {what} name {name[:40]!r}…: {len(name)} characters long; a name holds "
            f"at most {MAX_NAME_LENGTH}",
            code=ApiFault.INVALID_PARAMETER,
        )
    bare = check_text(f"{what} name", name).strip()
    if len(bare) >= 2 and bare.startswith("$") and bare.endswith("$"):
        bare = bare[1:-1].strip()
    if not bare or _BAD_PRESET_NAME.search(bare):
        raise ApiFault(
            f"invalid {what} name {name!r}: it must be non-empty without '$', '&', '=' or "
            "control characters",
            code=ApiFault.INVALID_PARAMETER,
        )
    return bare


def _preset_body(name: str, modifiers: str) -> str:
    body = check_text(f"preset {name!r}", modifiers).strip().lstrip("?&")
    if len(body) > MAX_PRESET_LENGTH:
        raise ApiFault(
            f"preset {name!r} is {len(body)} characters long; Scene7 presets hold at most "
            f"{MAX_PRESET_LENGTH}",
            code=ApiFault.INVALID_PARAMETER,
        )
    return body


def _missing_original(handle: str, asset: Asset, where: object) -> CatalogError:
    return CatalogError(f"the original of asset {handle!r} ({asset.name}) is missing: {where}")
