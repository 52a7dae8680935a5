"""isrender: Scene7 Image Serving modifiers, renders and ExportJobs.

The public API. Text flows one way: ``parse`` (modifier string → :class:`Plan`), ``render``
(plan + source → encoded :class:`Rendition`), and the catalog/export facade on top.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.colors import Color, parse_color
from engine.config import DEFAULT_CONFIG, RenderConfig
from engine.errors import (
    ApiFault,
    AuthenticationFault,
    AuthorizationFault,
    CatalogError,
    IpsFault,
    IsRenderError,
    JobError,
    LimitError,
    MacroError,
    ParseError,
    PluginError,
    RenderError,
    SourceError,
    UnsupportedError,
)
from engine.formats import EncodeOptions, Format, Quantize
from engine.hookspecs import hookimpl
from engine.macros import MacroTable, load_macros
from engine.operations import Operation, RenderContext
from engine.parser import parse, resolve
from engine.plan import Node, Plan
from engine.registry import get_registry, register, unregister
from engine.signatures import (
    Bool,
    ColorArg,
    CommandSignature,
    Enum,
    HexList,
    Int,
    Param,
    Real,
    Text,
)
from engine.stages import Scope, Stage

if TYPE_CHECKING:
    from engine.catalog import Catalog, Session
    from engine.export import Coordinator, ExportJob
    from engine.imagemap import image_map
    from engine.renderer import Rendition, render

_LAZY = {
    "render": "engine.renderer",
    "image_map": "engine.imagemap",
    "Rendition": "engine.renderer",
    "Catalog": "engine.catalog",
    "Session": "engine.catalog",
    "Coordinator": "engine.export",
    "ExportJob": "engine.export",
}


def __getattr__(name: str) -> Any:
    """Heavier parts (rendering, catalog, export) load on first use."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'engine' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


__all__ = [
    "DEFAULT_CONFIG",
    "ApiFault",
    "AuthenticationFault",
    "AuthorizationFault",
    "Bool",
    "Catalog",
    "CatalogError",
    "Color",
    "ColorArg",
    "CommandSignature",
    "Coordinator",
    "EncodeOptions",
    "Enum",
    "ExportJob",
    "Format",
    "HexList",
    "Int",
    "IpsFault",
    "IsRenderError",
    "JobError",
    "LimitError",
    "MacroError",
    "MacroTable",
    "Node",
    "Operation",
    "Param",
    "ParseError",
    "Plan",
    "PluginError",
    "Quantize",
    "Real",
    "RenderConfig",
    "RenderContext",
    "RenderError",
    "Rendition",
    "Scope",
    "Session",
    "SourceError",
    "Stage",
    "Text",
    "UnsupportedError",
    "get_registry",
    "hookimpl",
    "image_map",
    "load_macros",
    "parse",
    "parse_color",
    "register",
    "render",
    "resolve",
    "unregister",
]
