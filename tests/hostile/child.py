"""Runs one hostile case in this (child) process under a memory and CPU-time limit and prints
its outcome as one JSON line: the error's class and message (or none), whether it belongs to
isrender's hierarchy, the seconds taken and the peak memory above the interpreter's own.

Usage: ``python child.py ACTION ARGUMENT INPUT_FILE MEMORY_MIB SECONDS``. The limits are set
after the imports, so they measure the case, not Python, numpy and Pillow.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import engine
from engine.catalog.assets import identify
from engine.parser import parse, resolve


def _render(argument: str, path: Path) -> str:
    rendition = engine.render(path, argument)
    return f"{rendition.width}x{rendition.height} {rendition.format}"


def _render_layers(argument: str, path: Path) -> str:
    """A render whose layer objects (``src=``/``mask=``, any name) are the input file."""
    rendition = engine.render(path, argument, resolver=lambda _name: path)
    return f"{rendition.width}x{rendition.height} {rendition.format}"


def _render_request(argument: str, path: Path) -> str:
    """A render without a source whose request is the input file (too long for argv)."""
    rendition = engine.render(None, path.read_text(encoding="utf-8"))
    return f"{rendition.width}x{rendition.height} {rendition.format}"


def _upload(argument: str, path: Path) -> str:
    """The upload probe: what ``Session.upload`` runs on a staged file named ``argument``."""
    found = identify(path, argument)
    return f"{found.asset_type} {found.width}x{found.height}"


def _resolve(argument: str, path: Path) -> str:
    return f"{len(resolve(path.read_text(encoding='utf-8')))} characters"


def _parse_many(argument: str, path: Path) -> str:
    """Parse ``argument`` distinct variants of the request (``{i}`` replaced by 1, 2, ...)."""
    text = path.read_text(encoding="utf-8")
    for i in range(int(argument)):
        parse(text.replace("{i}", str(i + 1)))
    return f"{argument} plans"


ACTIONS = {
    "render": _render,
    "render-layers": _render_layers,
    "render-request": _render_request,
    "upload": _upload,
    "resolve": _resolve,
    "parse-many": _parse_many,
}


def _kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def main() -> None:
    action, argument, input_file, memory_mib, seconds = sys.argv[1:]
    address_space = _kib("VmSize") * 1024 + int(memory_mib) * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
    cpu = int(float(seconds)) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    baseline = _kib("VmRSS")
    outcome: dict[str, object] = {"error": None, "message": None, "in_hierarchy": None}
    start = time.perf_counter()
    try:
        outcome["result"] = ACTIONS[action](argument, Path(input_file))
    except BaseException as exc:  # the parent judges every outcome
        outcome.update(
            error=type(exc).__name__,
            message=str(exc)[:2000],
            in_hierarchy=isinstance(exc, engine.IsRenderError),
        )
    outcome["seconds"] = time.perf_counter() - start
    outcome["peak_mib"] = max(0, _kib("VmHWM") - baseline) / 1024
    print(json.dumps(outcome), flush=True)


if __name__ == "__main__":
    main()
