"""``isrender serve`` (Image Serving and the IPS web service over HTTP), ``isrender
modifier`` (an asset's URL modifiers, IPS ``setUrlModifier``) and ``isrender attribute`` (a
company's IS attributes)."""

from __future__ import annotations

import argparse
import contextlib

from engine.catalog.attributes import ATTRIBUTES
from engine.cli.catalog import add_auth_options, session_from_args
from engine.cli.output import print_json


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    serve = subparsers.add_parser(
        "serve",
        help="serve /is/image/{company}/{name}?{modifiers} and the IPS SOAP API over HTTP",
    )
    serve.add_argument("--home", metavar="DIR", help="catalog folder (default: $ISRENDER_HOME)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    serve.add_argument(
        "--workers",
        type=_positive,
        metavar="N",
        help="render worker processes (default: one per core)",
    )
    serve.add_argument(
        "--queue",
        type=_natural,
        metavar="N",
        help="renders that may wait for a worker before 503 (default 16 per worker)",
    )
    serve.add_argument(
        "--timeout",
        type=float,
        metavar="S",
        dest="render_timeout",
        help="seconds a render may take before 504 (default 30)",
    )
    serve.add_argument(
        "--max-age",
        type=_natural,
        metavar="S",
        help="Cache-Control max-age of images in seconds (default 36000)",
    )
    serve.add_argument(
        "--drain",
        type=float,
        metavar="S",
        dest="drain_timeout",
        help="seconds in-flight requests get on SIGTERM/Ctrl-C (default 30)",
    )
    serve.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="keep encoded renditions in DIR, keyed by ETag (default: no result cache)",
    )
    serve.add_argument(
        "--cache-size",
        type=_positive,
        metavar="MB",
        help="bound of the result cache in MiB (default 1024)",
    )
    serve.add_argument(
        "--session-timeout",
        type=float,
        metavar="S",
        help="seconds a sign-in to the web page lasts (default 28800, 8 hours)",
    )
    serve.add_argument(
        "--export-workers",
        type=_positive,
        metavar="N",
        help="conversions export jobs run at once (default: one per core)",
    )
    serve.add_argument(
        "--public-url",
        metavar="URL",
        help="base URL clients reach the server at, for export package links in job logs "
        "and e-mails (default: that of the latest IPS request)",
    )
    serve.set_defaults(handler=_serve)

    modifier = subparsers.add_parser(
        "modifier", help="set an asset's URL modifiers (IS catalog::Modifier and PostModifier)"
    )
    modifier.add_argument("asset", metavar="HANDLE")
    modifier.add_argument(
        "--modifier",
        default="",
        metavar="S",
        help="applied before every request of the asset (the request wins)",
    )
    modifier.add_argument(
        "--post-modifier",
        default="",
        metavar="S",
        help="applied after every request of the asset (it wins)",
    )
    add_auth_options(modifier)
    modifier.set_defaults(handler=_modifier)

    attribute = subparsers.add_parser(
        "attribute",
        help="set or list a company's IS attributes: "
        + "; ".join(f"{name}: {meaning}" for name, (meaning, _) in ATTRIBUTES.items()),
    )
    attribute.add_argument("name", nargs="?", metavar="NAME", help=", ".join(ATTRIBUTES))
    attribute.add_argument("value", nargs="?", metavar="VALUE", help="empty: back to the default")
    attribute.add_argument("--json", action="store_true", help="print JSON")
    add_auth_options(attribute)
    attribute.set_defaults(handler=_attribute)  # fmt: skip


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not 1 or more")
    return value


def _natural(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is not 0 or more")
    return value


def _serve(args: argparse.Namespace) -> int:
    from engine.server.run import serve
    from engine.server.settings import ServerSettings

    options = (
        "workers",
        "queue",
        "render_timeout",
        "max_age",
        "drain_timeout",
        "cache_dir",
        "session_timeout",
        "export_workers",
        "public_url",
    )
    settings = ServerSettings.from_env(
        home=args.home,
        cache_bytes=args.cache_size * 1024**2 if args.cache_size else None,
        **{name: getattr(args, name) for name in options},
    )
    base = f"http://{args.host}:{args.port}"
    print(f"isrender serve: catalog {settings.home}, {settings.workers} render worker(s), "
          f"{base}/ (the web page), {base}/is/image/{{company}}/{{name}}, "
          f"{base}/scene7/services/IpsApiService", flush=True)  # fmt: skip
    serve(settings, host=args.host, port=args.port)
    return 0


def _modifier(args: argparse.Namespace) -> int:
    session = session_from_args(args)
    with contextlib.closing(session.catalog):
        asset = session.set_url_modifier(args.asset, args.modifier, args.post_modifier)
    print(f"{asset.handle}\t{asset.name}\tmodifier={asset.url_modifier!r}"
          f"\tpostModifier={asset.url_post_modifier!r}")  # fmt: skip
    return 0


def _attribute(args: argparse.Namespace) -> int:
    session = session_from_args(args)
    with contextlib.closing(session.catalog):
        if args.name is not None:
            session.set_company_attribute(args.name, args.value or "")
        attributes = session.catalog.company_attributes(session.company.handle)
    if args.json:
        print_json(attributes)
    for name, value in [] if args.json else attributes.items():
        print(f"{name}\t{value}")
    return 0
