"""``isrender render``, ``isrender props`` and ``isrender plugins``."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from engine.macros import MacroTable, load_macros
from engine.registry import get_registry


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    render = subparsers.add_parser("render", help="render an image through IS modifiers")
    _add_request_options(render)
    render.add_argument("-o", "--out", required=True, metavar="OUT",
                        help="output file, or a folder (then NAME.EXT from the source)")
    render.set_defaults(handler=_render)

    props = subparsers.add_parser("props", help="print the IS req=props fields of a render")
    _add_request_options(props)
    props.add_argument("--json", action="store_true", help="print JSON")
    props.set_defaults(handler=_props)

    plugins = subparsers.add_parser("plugins", help="list every format and command")
    plugins.add_argument("--json", action="store_true", help="print JSON")
    plugins.set_defaults(handler=_plugins)


def _add_request_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", metavar="SRC", help="source image file")
    parser.add_argument("-m", "--modifiers", default="", help="IS modifier string")
    parser.add_argument("--macros", metavar="FILE", help="Scene7 macro file ($name$ presets)")


def _macros(args: argparse.Namespace) -> MacroTable | None:
    return load_macros(args.macros) if args.macros else None


def _render(args: argparse.Namespace) -> int:
    from engine.render import render

    rendition = render(args.source, args.modifiers, macros=_macros(args))
    out = Path(args.out)
    if out.is_dir():
        out = out / f"{Path(args.source).stem}.{rendition.extension}"
    out.write_bytes(rendition.data)
    print(f"{out}\t{rendition.width}x{rendition.height}\t{rendition.mime_type}"
          f"\t{len(rendition.data)} bytes")
    return 0


def _props(args: argparse.Namespace) -> int:
    from engine.render import render_props

    fields = render_props(args.source, args.modifiers, macros=_macros(args))
    if args.json:
        json.dump(fields, sys.stdout, indent=2)
        print()
        return 0
    print("#S7Z OK")
    print(f"#{datetime.now(UTC):%a %b %d %H:%M:%S UTC %Y}")
    for name, value in fields.items():
        print(f"{name}={value}")
    return 0


def _plugins(args: argparse.Namespace) -> int:
    registry = get_registry()
    rows = [
        {"kind": p.kind, "name": p.name, "plugin": p.plugin, "description": p.description}
        for p in sorted(registry.provided, key=lambda p: (p.kind, p.name.lower()))
    ]
    if args.json:
        json.dump(rows, sys.stdout, indent=2)
        print()
        return 0
    width = max((len(r["name"]) for r in rows), default=4)
    for row in rows:
        print(f"{row['kind']:<8} {row['name']:<{width}}  {row['plugin']}")
    return 0
