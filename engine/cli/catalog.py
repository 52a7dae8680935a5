"""``isrender company``, ``user``, ``upload``, ``assets`` and ``preset``: the catalog commands.

Every command takes ``--home DIR`` (default: ``$ISRENDER_HOME``, else the per-user data
folder). Commands that act as a user sign in with ``--user EMAIL`` (or ``$ISRENDER_USER``),
``--company C`` (or ``$ISRENDER_COMPANY``; default: the user's only company) and the password
from ``$ISRENDER_PASSWORD`` or a prompt. ``company add`` and ``user add`` administer the
catalog itself and need only write access to its folder.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import os
import sys
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

from engine.catalog import ROLES, Asset, Catalog, Session
from engine.catalog.home import DB_NAME, resolve_home
from engine.cli.output import print_json
from engine.errors import AuthenticationFault, CatalogError

ENV_USER = "ISRENDER_USER"
ENV_COMPANY = "ISRENDER_COMPANY"
ENV_PASSWORD = "ISRENDER_PASSWORD"


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    company = _group(subparsers, "company", "manage companies")
    add = company.add_parser("add", help="create a company")
    add.add_argument("name", metavar="NAME")
    _add_home_option(add)
    add.set_defaults(handler=_company_add)

    user = _group(subparsers, "user", "manage users")
    add = user.add_parser(
        "add",
        help="create a user (password from $ISRENDER_PASSWORD or a prompt) and make them a "
        "member of a company; for an existing user only the membership is added",
    )
    add.add_argument("email", metavar="EMAIL")
    add.add_argument("--company", required=True, metavar="C", help="company handle or name")
    add.add_argument(
        "--role", required=True, choices=ROLES, metavar="ROLE", help=f"IPS role: {', '.join(ROLES)}"
    )
    add.add_argument("--first-name", default="")
    add.add_argument("--last-name", default="")
    _add_home_option(add)
    add.set_defaults(handler=_user_add)

    upload = subparsers.add_parser("upload", help="upload files to the catalog")
    upload.add_argument("files", nargs="+", metavar="FILE")
    upload.add_argument("--folder", default="/", metavar="F", help="catalog folder, e.g. /a/b/")
    _add_listing_options(upload)
    upload.set_defaults(handler=_upload)

    assets = _group(subparsers, "assets", "list assets")
    listing = assets.add_parser("list", help="list the company's assets")
    listing.add_argument("--folder", metavar="F", help="only assets directly in this folder")
    _add_listing_options(listing)
    listing.set_defaults(handler=_assets_list)

    preset = _group(subparsers, "preset", "manage image presets ($name$ macros)")
    put = preset.add_parser("set", help="create or replace a preset")
    put.add_argument("name", metavar="NAME")
    put.add_argument("modifiers", metavar="MODIFIERS", help="IS modifiers, e.g. wid=200&fmt=png")
    add_auth_options(put)
    put.set_defaults(handler=_preset_set)
    listing = preset.add_parser("list", help="list the company's presets")
    _add_listing_options(listing)
    listing.set_defaults(handler=_preset_list)
    delete = preset.add_parser("delete", help="delete a preset")
    delete.add_argument("name", metavar="NAME")
    add_auth_options(delete)
    delete.set_defaults(handler=_preset_delete)
    imported = preset.add_parser("import", help="add presets from a Scene7 macro file")
    imported.add_argument("file", metavar="FILE")
    add_auth_options(imported)
    imported.set_defaults(handler=_preset_import)


def _group(subparsers: argparse._SubParsersAction, name: str, help: str) -> Any:
    parser = subparsers.add_parser(name, help=help)
    parser.set_defaults(handler=lambda _args: _usage(parser))
    return parser.add_subparsers(dest=f"{name}_command", metavar="ACTION")


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _add_home_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--home",
        metavar="DIR",
        help="catalog folder (default: $ISRENDER_HOME, else the user data folder)",
    )


def add_auth_options(parser: argparse.ArgumentParser) -> None:
    """``--home``, ``--user`` and ``--company``: what :func:`session_from_args` reads."""
    _add_home_option(parser)
    parser.add_argument("--user", metavar="EMAIL", help=f"user e-mail (default: ${ENV_USER})")
    parser.add_argument(
        "--company",
        metavar="C",
        help=f"company handle or name (default: ${ENV_COMPANY}, else the user's only company)",
    )


def _add_listing_options(parser: argparse.ArgumentParser) -> None:
    add_auth_options(parser)
    parser.add_argument("--json", action="store_true", help="print JSON")


def session_from_args(args: argparse.Namespace) -> Session:
    """Open the catalog of ``args.home`` and sign in with ``args.user``/``args.company`` (or
    their environment variables) and ``$ISRENDER_PASSWORD`` or a prompted password.

    The caller owns ``session.catalog`` and should close it.
    """
    email = getattr(args, "user", None) or os.environ.get(ENV_USER, "")
    if not email:
        raise AuthenticationFault(
            f"no user: give --user EMAIL or set ${ENV_USER}",
            code=AuthenticationFault.NO_CREDENTIALS,
        )
    company = getattr(args, "company", None) or os.environ.get(ENV_COMPANY) or None
    home = resolve_home(getattr(args, "home", None))
    if not (home / DB_NAME).is_file():  # a mistyped --home must not create a new catalog
        raise CatalogError(
            f"no catalog in {home}: create one with 'isrender company add' and "
            "'isrender user add', or give the right --home"
        )
    password = _password(f"Password for {email}: ")
    catalog = Catalog.open(home)
    try:
        return catalog.authenticate(email, password, company)
    except BaseException:
        catalog.close()
        raise


def _password(prompt: str) -> str:
    password = os.environ.get(ENV_PASSWORD)
    if password is not None:
        return password
    try:
        return getpass.getpass(prompt)
    except EOFError:
        return ""


@contextlib.contextmanager
def _signed_in(args: argparse.Namespace) -> Iterator[Session]:
    session = session_from_args(args)
    with contextlib.closing(session.catalog):
        yield session


def _company_add(args: argparse.Namespace) -> int:
    with Catalog.open(args.home) as catalog:
        company = catalog.create_company(args.name)
    print(f"{company.handle}\t{company.name}")
    return 0


def _user_add(args: argparse.Namespace) -> int:
    with Catalog.open(args.home) as catalog:
        company = catalog.company(args.company)
        try:
            user = catalog.user(args.email)
            created = False
        except CatalogError:
            password = _password(f"Password for new user {args.email}: ")
            user = catalog.create_user(
                args.email, password, first_name=args.first_name, last_name=args.last_name
            )
            created = True
        catalog.add_membership(user.handle, company.handle, args.role)
    action = "created" if created else "existing user"
    print(f"{user.handle}\t{user.email}\t{company.name}\t{args.role}\t({action})")
    return 0


def _upload(args: argparse.Namespace) -> int:
    with _signed_in(args) as session:
        assets = [session.upload(path, folder=args.folder) for path in args.files]
    _print_assets(assets, as_json=args.json)
    return 0


def _assets_list(args: argparse.Namespace) -> int:
    with _signed_in(args) as session:
        assets = session.list_assets(folder=args.folder)
    _print_assets(assets, as_json=args.json)
    return 0


def _print_assets(assets: list[Asset], *, as_json: bool) -> None:
    if as_json:
        print_json([_asset_json(asset) for asset in assets])
        return
    for asset in assets:
        size = f"{asset.width}x{asset.height}" if asset.width is not None else "-"
        detail = f"{len(asset.members)} members" if asset.is_set else f"{asset.size} bytes"
        print(f"{asset.handle}\t{asset.asset_type}\t{size}\t{detail}\t{asset.folder}{asset.name}")


def _asset_json(asset: Asset) -> dict[str, Any]:
    data = asdict(asset)
    data["members"] = list(asset.members)
    return data


def _preset_set(args: argparse.Namespace) -> int:
    with _signed_in(args) as session:
        session.set_preset(args.name, args.modifiers)
    return 0


def _preset_list(args: argparse.Namespace) -> int:
    with _signed_in(args) as session:
        presets = session.list_presets()
    if args.json:
        print_json(presets)
        return 0
    for name, modifiers in presets.items():
        print(f"${name}$\t{modifiers}")
    return 0


def _preset_delete(args: argparse.Namespace) -> int:
    with _signed_in(args) as session:
        session.delete_preset(args.name)
    return 0


def _preset_import(args: argparse.Namespace) -> int:
    with _signed_in(args) as session:
        count = session.import_presets(args.file)
    print(f"imported {count} preset(s) from {args.file}")
    return 0
