"""The ``isrender`` command line: one module per area adds its subcommands.

Every module in ``COMMAND_MODULES`` has ``add_commands(subparsers)``; each subcommand sets
``handler=function(args) -> int`` with ``set_defaults``. :func:`main` ends every command the
same way: errors of the isrender hierarchy and failed reads or writes (a missing folder, a full
disk) are one line on stderr, never a traceback; an isrender error exits with the status its
class carries (``IsRenderError.exit_status``: 2 for a refused request, 77 for a refused
sign-in, ...), a failed read or write with 2; a reader that went away
(``isrender jobs list | head -1``) ends the command quietly with status 141, as SIGPIPE would;
Ctrl-C gives 130. File names that are not UTF-8 are printed as the bytes they are.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from engine.errors import IsRenderError

COMMAND_MODULES = (
    "engine.cli.language",
    "engine.cli.rendering",
    "engine.cli.catalog",
    "engine.cli.templates",
    "engine.cli.export",
    "engine.cli.serve",
)
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a program killed by SIGPIPE reports


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
        return EXIT_ERROR
    _echo_undecodable_bytes()
    try:
        status = int(handler(args) or 0)
        sys.stdout.flush()  # what is still buffered must fail here, not at interpreter exit
        return status
    except IsRenderError as exc:
        message, status = f"isrender: {exc}", exc.exit_status
    except BrokenPipeError:
        _drop_stdout()
        return EXIT_BROKEN_PIPE
    except OSError as exc:
        reason = exc.strerror or str(exc)
        where = f"{exc.filename}: " if exc.filename else ""
        message, status = f"isrender {args.command}: {where}{reason}", EXIT_ERROR
    except KeyboardInterrupt as interrupt:  # SIGINT, or SIGTERM during an export
        return (
            EXIT_INTERRUPTED
            if (signum := getattr(interrupt, "signum", None)) is None
            else 128 + signum
        )
    print(message, file=sys.stderr)
    try:
        sys.stdout.flush()
    except OSError:  # standard output itself failed: its buffer can never be written
        _drop_stdout()
    return status


def _echo_undecodable_bytes() -> None:
    """Let standard output write back the bytes of a file name that is not UTF-8 as they came
    (Python holds them as lone surrogates, PEP 383), instead of failing on them."""
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors="surrogateescape")


def _drop_stdout() -> None:
    """Point standard output at /dev/null so the interpreter's final flush of a broken or full
    output neither fails again nor prints 'Exception ignored'."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no file descriptor (tests capture output in memory)
        pass


if __name__ == "__main__":
    sys.exit(main())
