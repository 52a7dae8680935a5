"""The unit of work sent to the executor: convert one asset into the staging folder (a re-run
rewrites the same file).

Runs in a worker process (or thread). Tasks and results are small picklable records; the
rendition itself goes to a file so that big renditions never travel through a pipe. A worker
never raises: every failure comes back as ``ConvertResult.error``, so one bad asset cannot
take the others down.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from engine import storage
from engine.errors import IsRenderError, SourceError
from engine.macros import MacroTable

if TYPE_CHECKING:
    from engine.compositor import Resolver

#: What a conversion imports: workers import it before their first task (``pool``, ``cluster``).
PRELOAD = ("engine.export.worker", "engine.export.batch", "engine.renderer")


@dataclass(frozen=True)
class ConvertTask:
    position: int  # index in the job's asset list; names the staged file
    source: str  # the original's location: a path or a URL (engine.storage)
    request: str  # the IS modifiers: is_modifier & macro
    macros: MacroTable | None
    object_name: str  # $object$: the asset's name without its extension
    staging: str  # the folder (or URL prefix) for the rendition
    max_pixels: int  # ExportLimits.max_convert_pixels
    resolver: Resolver | None = None  # src=/mask= objects: the company's catalog
    templated: bool = False  # a template made the request: the asset is only its $object$


@dataclass(frozen=True)
class ConvertResult:
    position: int
    path: str | None = None
    extension: str | None = None
    format: str | None = None
    width: int = 0
    height: int = 0
    size: int = 0
    error: str | None = None


def convert(task: ConvertTask) -> ConvertResult:
    """Render ``task.source`` with ``task.request`` and stage the rendition."""
    try:
        return _convert(task)
    except IsRenderError as exc:
        return ConvertResult(task.position, error=str(exc))
    except MemoryError:
        return ConvertResult(task.position, error="out of memory while converting")
    except Exception as exc:  # a bug or a codec failure must not lose the other assets
        return ConvertResult(task.position, error=f"conversion failed: {type(exc).__name__}: {exc}")


def _convert(task: ConvertTask) -> ConvertResult:
    from engine.parser import parse
    from engine.renderer import render

    plan = parse(task.request, macros=task.macros, object_name=task.object_name)
    if task.templated:  # layer 0 is the template's; src=$object$ is this asset
        rendition = render(None, plan, resolver=_ObjectFirst(task))
    else:
        rendition = render(storage.source_of(task.source), plan, resolver=task.resolver)
    pixels = rendition.width * rendition.height
    if pixels > task.max_pixels:
        return ConvertResult(
            task.position,
            error=(
                f"converted image is {rendition.width}×{rendition.height} = "
                f"{pixels / 1e6:.1f} Mpixel; an export converts at most "
                f"{task.max_pixels / 1e6:g} Mpixel per image"
            ),
        )
    target = storage.join(task.staging, f"{task.position:05d}.{rendition.extension}")
    storage.write_bytes(target, rendition.data)
    return ConvertResult(
        task.position,
        path=target,
        extension=rendition.extension,
        format=rendition.format,
        width=rendition.width,
        height=rendition.height,
        size=len(rendition.data),
    )


class _ObjectFirst:
    """The task's asset under its object name, every other name from the task's resolver."""

    def __init__(self, task: ConvertTask) -> None:
        self.task = task

    def __call__(self, name: str) -> Path | bytes:
        if name == self.task.object_name:
            return storage.source_of(self.task.source)
        if self.task.resolver is None:
            raise SourceError(f"no image asset named {name!r}")
        return self.task.resolver(name)
