"""Migration report: does each preset of a Scene7 macro file render here unchanged?

Each preset is parsed with the whole table (presets may invoke each other) and rendered onto
a generated 640×480 photograph, with a resolver that serves a generated 120×60 image for any
``src=``/``mask=`` object, so that layered presets are checked without their assets. The
outcome of a preset is one of:

* ``ok``: it renders (the reply's size and format are reported);
* ``unsupported``: it uses commands this engine parses but does not render (each named, with
  the reason), or a feature it refuses (``fmt=heic``, ``req=props`` …);
* ``error``: it does not parse, or its render fails for another reason (the message says
  which command and value).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from engine.errors import IsRenderError, UnsupportedError
from engine.macros import MacroTable
from engine.parser import parse
from engine.plan import Plan
from engine.renderer import render

OK, UNSUPPORTED, ERROR = "ok", "unsupported", "error"
_REASONS = {
    "template": "templates live in the catalog, not in a macro file; check it there",
    "icc": "ICC output profiles are not supported",
}


@dataclass(frozen=True)
class PresetReport:
    name: str
    status: str  # ok | unsupported | error
    message: str = ""
    unsupported: tuple[str, ...] = ()  # "command: reason"
    output: str = ""  # "800x533 image/jpeg" when it renders
    commands: tuple[str, ...] = field(default=())


def check_presets(table: MacroTable) -> list[PresetReport]:
    """One report per preset of ``table``, in the table's order."""
    photo, placeholder = _sample((640, 480)), _sample((120, 60))
    return [_check(name, table, photo, placeholder) for name in table]


def summary(reports: list[PresetReport]) -> dict[str, int]:
    counts = {"presets": len(reports), OK: 0, UNSUPPORTED: 0, ERROR: 0}
    for report in reports:
        counts[report.status] += 1
    return counts


def _check(name: str, table: MacroTable, photo: bytes, placeholder: bytes) -> PresetReport:
    try:
        plan = parse(f"${name}$", macros=table, object_name="sample")
    except IsRenderError as exc:
        return PresetReport(name, ERROR, str(exc))
    commands = tuple(dict.fromkeys(node.command for node in plan))
    unsupported = _unsupported(plan)
    if unsupported:
        return PresetReport(name, UNSUPPORTED, "", unsupported, commands=commands)
    try:
        rendition = render(photo, plan, resolver=lambda _name: placeholder)
    except UnsupportedError as exc:
        return PresetReport(name, UNSUPPORTED, str(exc), commands=commands)
    except IsRenderError as exc:
        return PresetReport(name, ERROR, str(exc), commands=commands)
    output = f"{rendition.width}x{rendition.height} {rendition.mime_type}"
    return PresetReport(name, OK, output=output, commands=commands)


def _unsupported(plan: Plan) -> tuple[str, ...]:
    found = []
    for node in plan:
        key = node.command.lower()
        if key in _REASONS:
            found.append(f"{node.command}: {_REASONS[key]}")
    return tuple(dict.fromkeys(found))


def _sample(size: tuple[int, int]) -> bytes:
    """A smooth colourful JPEG of ``size``."""
    width, height = size
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    pixels = np.stack([255 * x / width, 255 * y / height, 128 + 100 * np.sin(x / 40)], -1)
    out = io.BytesIO()
    Image.fromarray(pixels.astype(np.uint8)).save(out, "JPEG", quality=90)
    return out.getvalue()
