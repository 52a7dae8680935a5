"""``isrender init``, ``company``, ``user``, ``upload``, ``assets`` and ``preset``: the catalog
commands.

Every command takes ``--home DIR`` (default: ``$ISRENDER_HOME``, else the per-user data
folder) and acts as a signed-in user: ``--user EMAIL`` (or ``$ISRENDER_USER``), ``--company C``
(or ``$ISRENDER_COMPANY``; default: the user's only company) and the password from
``$ISRENDER_PASSWORD`` or a prompt. ``company add`` and ``user add`` need an administrator of
that company (``engine.catalog.auth``). Only ``init`` creates a catalog: it makes the home
and the first company with its first administrator, once.
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

from engine.catalog import ROLES, Asset, Catalog, Session, User
from engine.catalog.home import catalog_exists, resolve_home
from engine.cli.output import print_json
from engine.cli.presetcheck import add_command as add_preset_check
from engine.errors import ApiFault, AuthenticationFault, CatalogError, IsRenderError

ENV_USER = "ISRENDER_USER"
ENV_COMPANY = "ISRENDER_COMPANY"
ENV_PASSWORD = "ISRENDER_PASSWORD"
ENV_NEW_PASSWORD = "ISRENDER_NEW_PASSWORD"


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    init = subparsers.add_parser(
        "init",
        help="create a catalog with its first company and administrator (IpsAdmin), whose "
        f"password comes from ${ENV_PASSWORD} or a prompt; only once per catalog",
    )
    _add_name_options(init)
    add_auth_options(init)
    init.set_defaults(handler=_init)

    company = add_group(subparsers, "company", "manage companies")
    add = company.add_parser("add", help="create a company (you, an IpsAdmin, become its IpsAdmin)")
    add.add_argument("name", metavar="NAME")
    add_auth_options(add)
    add.set_defaults(handler=_company_add)

    user = add_group(subparsers, "user", "manage users")
    add = user.add_parser(
        "add",
        help="as an administrator of the company: create a user in it (their password from "
        f"${ENV_NEW_PASSWORD} or a prompt), or set an existing user's role in it",
    )
    add.add_argument("email", metavar="EMAIL")
    add.add_argument(
        "--role", required=True, choices=ROLES, metavar="ROLE", help=f"IPS role: {', '.join(ROLES)}"
    )
    _add_name_options(add)
    add_auth_options(add)
    add.set_defaults(handler=_user_add)

    upload = subparsers.add_parser("upload", help="upload files to the catalog")
    upload.add_argument("files", nargs="+", metavar="FILE")
    upload.add_argument("--folder", default="/", metavar="F", help="catalog folder, e.g. /a/b/")
    add_listing_options(upload)
    upload.set_defaults(handler=_upload)

    assets = add_group(subparsers, "assets", "list assets")
    listing = assets.add_parser("list", help="list the company's assets")
    listing.add_argument("--folder", metavar="F", help="only assets directly in this folder")
    add_listing_options(listing)
    listing.set_defaults(handler=_assets_list)

    preset = add_group(subparsers, "preset", "manage image presets ($name$ macros)")
    put = preset.add_parser("set", help="create or replace a preset")
    put.add_argument("name", metavar="NAME")
    put.add_argument("modifiers", metavar="MODIFIERS", help="IS modifiers, e.g. wid=200&fmt=png")
    add_auth_options(put)
    put.set_defaults(handler=_preset_set)
    listing = preset.add_parser("list", help="list the company's presets")
    add_listing_options(listing)
    listing.set_defaults(handler=_preset_list)
    add_delete_command(preset, "preset", "delete_preset")
    add_import_command(
        preset, "add presets from a Scene7 macro file", "import_presets", "preset(s)"
    )
    add_preset_check(preset)


def add_group(subparsers: argparse._SubParsersAction, name: str, help: str) -> Any:
    """A command with sub-commands (``isrender preset set``); alone it prints its usage."""
    parser = subparsers.add_parser(name, help=help)
    parser.set_defaults(handler=lambda _args: _usage(parser))
    return parser.add_subparsers(dest=f"{name}_command", metavar="ACTION")


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _add_name_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--first-name", default="", metavar="NAME")
    parser.add_argument("--last-name", default="", metavar="NAME")


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


def add_listing_options(parser: argparse.ArgumentParser) -> None:
    """The sign-in options and ``--json``."""
    add_auth_options(parser)
    parser.add_argument("--json", action="store_true", help="print JSON")


def session_from_args(args: argparse.Namespace) -> Session:
    """Open the catalog of ``args.home`` and sign in with ``args.user``/``args.company`` (or
    their environment variables) and ``$ISRENDER_PASSWORD`` or a prompted password.

    The caller owns ``session.catalog`` and should close it.
    """
    email = _email(args)
    company = getattr(args, "company", None) or os.environ.get(ENV_COMPANY) or None
    home = resolve_home(getattr(args, "home", None))
    if not catalog_exists(home):  # a mistyped --home must not create a new catalog
        raise CatalogError(
            f"no catalog in {home}: create one with 'isrender init', or give the right --home"
        )
    password = _password(f"Password for {email}: ")
    catalog = Catalog.open(home)
    try:
        return catalog.authenticate(email, password, company)
    except BaseException:
        catalog.close()
        raise


def _email(args: argparse.Namespace) -> str:
    email = getattr(args, "user", None) or os.environ.get(ENV_USER, "")
    if not email:
        raise AuthenticationFault(
            f"no user: give --user EMAIL or set ${ENV_USER}",
            code=AuthenticationFault.NO_CREDENTIALS,
        )
    return email


def _password(prompt: str, env: str = ENV_PASSWORD) -> str:
    password = os.environ.get(env)
    if password is not None:
        return password
    try:
        return getpass.getpass(prompt)
    except EOFError:
        return ""


def _new_password(email: str, env: str) -> str:
    """A new user's password: ``$env``, else typed twice; refused when empty, before the
    caller creates anything (``init`` would otherwise leave an empty home behind)."""
    if env in os.environ:
        password = os.environ[env]
    else:
        password = _password(f"Password for new user {email}: ", env)
        if password and _password("Repeat it: ", env) != password:
            raise ApiFault("the two passwords differ", code=ApiFault.INVALID_PARAMETER)
    if not password.strip():
        raise ApiFault("missing password", code=ApiFault.MISSING_PARAMETER)
    return password


@contextlib.contextmanager
def signed_in(args: argparse.Namespace) -> Iterator[Session]:
    """The signed-in session of ``args``; its catalog is closed afterwards."""
    session = session_from_args(args)
    with contextlib.closing(session.catalog):
        yield session


def _init(args: argparse.Namespace) -> int:
    email = _email(args)
    company = args.company or os.environ.get(ENV_COMPANY, "")
    if not company:
        raise ApiFault(
            f"no company: give --company NAME or set ${ENV_COMPANY}",
            code=ApiFault.MISSING_PARAMETER,
        )
    password = _new_password(email, ENV_PASSWORD)  # before anything is created
    with Catalog.open(args.home) as catalog:
        session = catalog.initialize(
            company, email, password, first_name=args.first_name, last_name=args.last_name
        )
        print(f"initialised the catalog in {catalog.home}")
    print(f"{session.company.handle}\t{session.company.name}")
    _print_member(session.user, session.company.name, session.role, "created")
    return 0


def _company_add(args: argparse.Namespace) -> int:
    with signed_in(args) as session:
        company = session.add_company(args.name)
    print(f"{company.handle}\t{company.name}")
    return 0


def _user_add(args: argparse.Namespace) -> int:
    with signed_in(args) as session:
        session.require("addUser")  # before anyone is asked for a password
        try:
            user = session.catalog.user(args.email)
        except CatalogError:
            password = _new_password(args.email, ENV_NEW_PASSWORD)
            user = session.add_user(
                args.email,
                password,
                args.role,
                first_name=args.first_name,
                last_name=args.last_name,
            )
            action = "created"
        else:
            session.set_membership(user.handle, args.role)
            action = "existing user"
    _print_member(user, session.company.name, args.role, action)
    return 0


def _print_member(user: User, company: str, role: str, action: str) -> None:
    print(f"{user.handle}\t{user.email}\t{company}\t{role}\t({action})")


def _upload(args: argparse.Namespace) -> int:
    """Each file's outcome as it happens: the stored asset on stdout (as JSON at the end with
    ``--json``), a refused file on stderr under the name the user gave; a bad file does not
    stop the others. Exit status 1 if any file failed."""
    stored, failed = [], 0
    with signed_in(args) as session:
        session.require("upload")  # refused once, not once per file
        for path in args.files:
            try:
                asset = session.upload(path, folder=args.folder)
            except IsRenderError as exc:
                failed += 1
                print(f"isrender upload: {path}: {exc}", file=sys.stderr, flush=True)
                continue
            stored.append(asset)
            if not args.json:
                _print_assets([asset], as_json=False)
                sys.stdout.flush()
    if args.json:
        _print_assets(stored, as_json=True)
    if failed:
        print(
            f"isrender upload: {failed} of {len(args.files)} file(s) failed; the others are stored",
            file=sys.stderr,
        )
    return 1 if failed else 0


def _assets_list(args: argparse.Namespace) -> int:
    with signed_in(args) as session:
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
    with signed_in(args) as session:
        session.set_preset(args.name, args.modifiers)
    return 0


def _preset_list(args: argparse.Namespace) -> int:
    with signed_in(args) as session:
        presets = session.list_presets()
    if args.json:
        print_json(presets)
        return 0
    for name, modifiers in presets.items():
        print(f"${name}$\t{modifiers}")
    return 0


def add_delete_command(group: Any, noun: str, method: str) -> None:
    """``delete NAME`` in ``group``: ``Session.<method>(NAME)``, signed in."""
    delete = group.add_parser("delete", help=f"delete a {noun}")
    delete.add_argument("name", metavar="NAME")
    add_auth_options(delete)

    def handler(args: argparse.Namespace) -> int:
        with signed_in(args) as session:
            getattr(session, method)(args.name)
        return 0

    delete.set_defaults(handler=handler)


def add_import_command(group: Any, help: str, method: str, things: str) -> None:
    """``import FILE`` in ``group``: ``Session.<method>(FILE)``, signed in, then how many
    ``things`` it imported."""
    imported = group.add_parser("import", help=help)
    imported.add_argument("file", metavar="FILE")
    add_auth_options(imported)

    def handler(args: argparse.Namespace) -> int:
        with signed_in(args) as session:
            count = getattr(session, method)(args.file)
        print(f"imported {count} {things} from {args.file}")
        return 0

    imported.set_defaults(handler=handler)
