"""``isrender preset check FILE [--json]``: the migration report of a Scene7 macro file.

Exit status: 0 when every preset renders unchanged, 1 when some do not, 2 when the file
cannot be read.
"""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

from engine.cli.output import print_json


def add_command(preset: Any) -> None:
    """Add ``check`` to the ``preset`` group."""
    check = preset.add_parser(
        "check", help="report, for every preset of a Scene7 macro file, whether it renders here"
    )
    check.add_argument("file", metavar="FILE")
    check.add_argument("--json", action="store_true", help="print JSON")
    check.set_defaults(handler=_check)


def _check(args: argparse.Namespace) -> int:
    from engine.macros import load_macros
    from engine.presetcheck import OK, check_presets, summary

    reports = check_presets(load_macros(args.file))
    counts = summary(reports)
    if args.json:
        print_json({"presets": [dataclasses.asdict(r) for r in reports], "summary": counts})
    else:
        width = max((len(r.name) for r in reports), default=4)
        for report in reports:
            detail = report.output or report.message or "; ".join(report.unsupported)
            print(f"${report.name}$".ljust(width + 2), f"{report.status:<11}", detail)
            if report.message and report.unsupported:
                print(" " * (width + 15) + "; ".join(report.unsupported))
        print(
            f"{counts['presets']} presets: {counts[OK]} render unchanged, "
            f"{counts['unsupported']} use unsupported features, {counts['error']} fail"
        )
    return 0 if counts[OK] == counts["presets"] else 1
