"""Hook specifications: the whole plugin interface of isrender.

Built-in formats and operations (package ``plugins``) implement these hooks exactly as a
third-party distribution does through the entry-point group ``isrender``::

    from engine import hookimpl, Format, Operation

    @hookimpl
    def isrender_register_formats(register):
        register.format(Format(name="ppm", mime_type="image/x-portable-pixmap", ...))

    @hookimpl
    def isrender_register_operations(register):
        register.operation(Operation(command="op_sepia", stage=Stage.FILTER, apply=...,
                                     signature=CommandSignature(...)))
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from engine.registry import Registrar

PROJECT = "isrender"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def isrender_register_formats(register: Registrar) -> None:
    """Declare output formats with ``register.format(Format(...), override=False)``."""


@hookspec
def isrender_register_operations(register: Registrar) -> None:
    """Declare operations (and any new command signatures) with ``register.operation(...)``."""
