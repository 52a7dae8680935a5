"""``isrender render``, ``isrender props`` and ``isrender plugins``."""

from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime
from pathlib import Path

from engine.cli.output import print_json, write_file
from engine.macros import MacroTable, load_macros
from engine.registry import get_registry


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    render = subparsers.add_parser("render", help="render an image through IS modifiers")
    _add_request_options(render)
    render.add_argument(
        "-o",
        "--out",
        required=True,
        metavar="OUT",
        help="output file, or a folder (then NAME.EXT from the source)",
    )
    render.set_defaults(handler=_render)

    props = subparsers.add_parser("props", help="print the IS req=props fields of a render")
    _add_request_options(props)
    props.add_argument("--json", action="store_true", help="print JSON")
    props.set_defaults(handler=_props)

    plugins = subparsers.add_parser("plugins", help="list every format and command")
    plugins.add_argument("--json", action="store_true", help="print JSON")
    plugins.add_argument(
        "--markdown", action="store_true", help="print the README's tables of formats and commands"
    )
    plugins.set_defaults(handler=_plugins)


def _add_request_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", metavar="SRC", help="source image file")
    parser.add_argument("-m", "--modifiers", default="", help="IS modifier string")
    parser.add_argument("--macros", metavar="FILE", help="Scene7 macro file ($name$ presets)")
    parser.add_argument(
        "--objects",
        metavar="DIR",
        help="folder that src=/mask= object names are found in (default: the source's folder)",
    )


def _resolver(args: argparse.Namespace):
    from engine.layers import FolderResolver

    return FolderResolver(args.objects or Path(args.source).parent)


def _macros(args: argparse.Namespace) -> MacroTable | None:
    return load_macros(args.macros) if args.macros else None


def _render(args: argparse.Namespace) -> int:
    from engine.renderer import render

    rendition = render(args.source, args.modifiers, macros=_macros(args), resolver=_resolver(args))
    out = Path(args.out)
    if out.is_dir() or args.out.endswith(
        ("/", os.sep)
    ):  # "out/" names a folder, even a missing one
        out = out / f"{Path(args.source).stem}.{rendition.extension}"
    write_file(out, rendition.data)
    print(
        f"{out}\t{rendition.width}x{rendition.height}\t{rendition.mime_type}"
        f"\t{len(rendition.data)} bytes"
    )
    return 0


def _props(args: argparse.Namespace) -> int:
    from engine.renderer import render_props

    fields = render_props(
        args.source, args.modifiers, macros=_macros(args), resolver=_resolver(args)
    )
    if args.json:
        print_json(fields)
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
        print_json(rows)
        return 0
    if args.markdown:
        print(registry_markdown(), end="")
        return 0
    width = max((len(r["name"]) for r in rows), default=4)
    for row in rows:
        print(f"{row['kind']:<8} {row['name']:<{width}}  {row['plugin']}")
    return 0


#: Commands whose status the registry alone cannot tell.
_NOTES = {
    "bgcolor": "fill for crop, rotate and extend (plugins.operations.geometry)",
    "anchor": "accepted; matters only when layers are composited",
    "anchorn": "accepted; matters only when layers are composited",
    "icc": "not supported yet (no output profiles offline); use fmt=...,rgb|gray|cmyk",
    "template": "not supported yet",
    "text": "text layer (engine.text, placed by engine.compositor)",
    "textps": "text layer (engine.text, placed by engine.compositor)",
    "textattr": "text layer resolution, fitting, wrapping, anti-aliasing (engine.text)",
    "clippath": "clip path (engine.paths, engine.clipping)",
    "clipxpath": "clip exclusion path (engine.paths, engine.clipping)",
    "clippathe": "clip to paths embedded in the source (engine.embedded, engine.clipping)",
    "clipxpathe": "exclude paths embedded in the source (engine.embedded, engine.clipping)",
    "croppathe": "crop to paths embedded in the source (engine.embedded, engine.clipping)",
    "textpath": "textPs= along a path (engine.text.onpath)",
    "pathattr": "textPath= direction and range (engine.text.onpath)",
    "textflowpath": "textPs= flowed into a path area (engine.text.flow)",
    "textflowxpath": "areas textFlowPath= text avoids (engine.text.flow)",
    "textangle": "textPs= only: lays the text out along the angle in its box (engine.text.angle)",
    "map": "image map of the layer for req=map (engine.imagemap); ignored by images",
    "mapa": "image map of the layer for req=map (engine.imagemap); ignored by images",
    "effectmask": "masks effect layers by their parent's shape (engine.effects)",
    "type": "accepted, no effect offline",
    "req": "isrender serve: img, props, imageprops, exists, resolve, validate, map; "
    "CLI: render, props, resolve, validate",
    "handler": "isrender serve: the JSONP callback of req=...,json",
    "cache": "isrender serve: the client half sets Cache-Control",
    "id": "isrender serve: the request id of req=...,json; else ignored (cache busting)",
    "pathembed": "accepted; paths are not embedded",
    "xmpembed": "accepted; XMP is not embedded",
    "pscan": "encoder setting; libjpeg's standard progression whatever the count",
}


def registry_markdown() -> str:
    """Markdown tables of every format and command, generated from the plugin registry (the
    README embeds them; a test keeps the two identical)."""
    registry = get_registry()
    owner = {(p.kind, p.name.lower()): p.plugin for p in registry.provided}
    lines = [
        "| fmt | aliases | MIME type | extension | alpha | pixel types | compressions | plugin |",
        "|---|---|---|---|---|---|---|---|",
    ]
    unsupported = []
    seen: set[int] = set()
    for fmt in sorted(registry.formats.values(), key=lambda f: f.name):
        if id(fmt) in seen:
            continue
        seen.add(id(fmt))
        if fmt.encode is None:
            unsupported.append(
                f"`{fmt.name}` ({fmt.description})" if fmt.description else f"`{fmt.name}`"
            )
            continue
        lines.append(
            f"| `{fmt.name}` | {', '.join(fmt.aliases) or '—'} | {fmt.mime_type} | "
            f".{fmt.extension} | {'yes' if fmt.alpha else 'no'} | {', '.join(fmt.pixel_types)} | "
            f"{', '.join(fmt.compressions) or '—'} | {owner.get(('format', fmt.name.lower()))} |"
        )
    lines += ["", 'Known but refused with "format not supported": ' + "; ".join(unsupported)]
    lines += [
        "",
        "| command | arguments | stage | status |",
        "|---|---|---|---|",
    ]
    for sig in sorted(registry.signatures.values(), key=lambda s: s.key):
        args = ",".join(p.name if p.required else f"[{p.name}]" for p in sig.params)
        if sig.key in _NOTES:
            status = _NOTES[sig.key]
        elif sig.key in registry.operations:
            status = f"implemented by {owner.get(('command', sig.key), '?')}"
        elif sig.noop:
            status = "accepted, no effect offline"
        elif sig.stage.name == "LAYER":
            status = "layer compositing (engine.compositor)"
        elif sig.stage.name == "OUTPUT":
            status = "encoder setting"
        else:
            status = "parsed; see the notes below"
        lines.append(f"| `{sig.name}` | {args} | {sig.stage.name.lower()} | {status} |")
    return "\n".join(lines) + "\n"
