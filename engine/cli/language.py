"""``isrender resolve``, ``isrender validate`` and ``isrender parse``: the IS language alone.

``resolve`` and ``validate`` answer like IS ``req=resolve`` (the final modifier string) and
``req=validate`` (``request.isValid=1``); an invalid request is reported on stderr with exit
status 2 by :func:`engine.cli.main`, like every isrender error.
"""

from __future__ import annotations

import argparse

from engine.macros import MacroTable, load_macros
from engine.parser import parse, resolve


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    command = subparsers.add_parser(
        "resolve", help="print the expanded, canonical modifier string (IS req=resolve)"
    )
    _add_request_arguments(command, with_object=True)
    command.set_defaults(handler=_resolve)

    command = subparsers.add_parser(
        "validate", help="check a modifier string and print request.isValid=1 (IS req=validate)"
    )
    _add_request_arguments(command, with_object=False)
    command.set_defaults(handler=_validate)

    command = subparsers.add_parser("parse", help="print the operation tree of a modifier string")
    _add_request_arguments(command, with_object=True)
    command.set_defaults(handler=_parse)


def _add_request_arguments(parser: argparse.ArgumentParser, *, with_object: bool) -> None:
    parser.add_argument("modifiers", metavar="MODIFIERS", help="IS modifier string")
    parser.add_argument("--macros", metavar="FILE", help="Scene7 macro file ($name$ presets)")
    if with_object:
        parser.add_argument("--object", metavar="NAME", help="the object, predefines $object$")


def _macros(args: argparse.Namespace) -> MacroTable | None:
    return load_macros(args.macros) if args.macros else None


def _resolve(args: argparse.Namespace) -> int:
    print(resolve(args.modifiers, macros=_macros(args), object_name=args.object))
    return 0


def _validate(args: argparse.Namespace) -> int:
    parse(args.modifiers, macros=_macros(args))
    print("request.isValid=1")
    return 0


def _parse(args: argparse.Namespace) -> int:
    print(parse(args.modifiers, macros=_macros(args), object_name=args.object))
    return 0
