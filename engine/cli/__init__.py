"""The ``isrender`` command line: one module per area adds its subcommands.

Every module in ``COMMAND_MODULES`` has ``add_commands(subparsers)``; each subcommand sets
``handler=function(args) -> int`` with ``set_defaults``. Errors of the isrender hierarchy are
printed on stderr without a traceback and give the exit status their class carries
(``IsRenderError.exit_status``: 2 for a refused request, 77 for a refused sign-in, ...).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from engine.errors import IsRenderError

COMMAND_MODULES = (
    "engine.cli.language",
    "engine.cli.rendering",
    "engine.cli.catalog",
    "engine.cli.export",
    "engine.cli.serve",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="isrender",
        description="Scene7 Image Serving modifiers, renders and ExportJobs, self-hosted.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.add_commands(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return int(handler(args) or 0)
    except IsRenderError as exc:
        print(f"isrender: {exc}", file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
