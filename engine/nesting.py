"""Nested Image Serving requests as layer sources: ``src=is(object?modifiers)``.

Adobe's nesting page writes ``is(...)``, the ``src=`` page ``is{...}``; both brackets are
accepted. The pages also disagree on case (``is`` is case-sensitive for ``src=``,
case-insensitive for ``mask=``): both are accepted in any case. A nested request renders here,
with the same resolver and macros, into an image whose alpha becomes the layer's mask; it
ignores ``fmt``, ``qlt``, ``iccEmbed``, ``icc``, ``printRes``, ``quantize``, ``req`` and ``bgc``
and the ``MaxPix``/``DefaultPix`` limits (the pixel budget still holds). The outer request's
variable references in it are substituted before it is parsed (§2.1); its ``object`` (before
the ``?``, may be empty) is the layer 0 of the nested request and its ``$object$``.

A request that contains itself (through a macro) is a cycle; nesting is at most
:data:`MAX_NESTING` deep. Embedded Image Rendering (``ir(...)``), FXG (``fxg(...)``) and
foreign URLs (``(url)``) are refused as unsupported.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from contextlib import ExitStack
from pathlib import PurePosixPath

from PIL import Image

from engine.compositor import Resolver, Source
from engine.config import RenderConfig
from engine.errors import LimitError, RenderError, SourceError, UnsupportedError
from engine.macros import MacroTable
from engine.parser import parse
from engine.plan import Plan
from engine.source import open_source

MAX_NESTING = 8
#: Commands a nested request ignores (``r-request-nesting-and-embedding.md``).
IGNORED = frozenset({"fmt", "qlt", "iccembed", "icc", "printres", "quantize", "req", "bgc"})
_NESTED = re.compile(r"is[({](.*)[)}]", re.IGNORECASE | re.DOTALL)
_EMBEDDED = re.compile(r"(?:ir|fxg)?[({]", re.IGNORECASE)


class NestingResolver:
    """The caller's resolver, plus nested requests rendered here."""

    def __init__(
        self,
        resolver: Resolver | None,
        macros: Mapping[str, str] | MacroTable | None,
        config: RenderConfig,
        chain: tuple[str, ...] = (),
    ) -> None:
        self.resolver = resolver
        self.macros = macros
        self.config = config
        self.chain = chain

    def __call__(self, name: str) -> Source:
        nested = _NESTED.fullmatch(name)
        if nested is not None:
            return self._render(nested.group(1))
        if _EMBEDDED.match(name):
            raise UnsupportedError(
                f"{name}: embedded Image Rendering, FXG and foreign-URL requests are not "
                "supported; nested Image Serving requests (is(...)) are"
            )
        if self.resolver is None:
            raise SourceError(
                f"object {name!r}: no resolver for layer sources; pass resolver= to "
                "engine.render (the CLI serves a folder: isrender render --objects DIR)"
            )
        return self.resolver(name)

    def _render(self, request: str) -> Image.Image:
        from engine.registry import get_registry
        from engine.renderer import canvas_source, check_supported, compose

        if request in self.chain:
            raise RenderError(f"nested request cycle: is({request}) contains itself")
        if len(self.chain) >= MAX_NESTING:
            raise LimitError(f"nested requests deeper than {MAX_NESTING} levels: is({request})")
        obj, _, modifiers = request.partition("?")
        plan = parse(modifiers, macros=self.macros, object_name=PurePosixPath(obj).stem or None)
        plan = Plan(tuple(n for n in plan if n.command.lower() not in IGNORED), plan.object_name)
        check_supported(plan)
        config = dataclasses.replace(self.config, default_pix=(0, 0), max_pix=(0, 0))
        inner = NestingResolver(self.resolver, self.macros, self.config, (*self.chain, request))
        with ExitStack() as stack:
            src = stack.enter_context(open_source(inner(obj), config=config)) if obj else None
            canvas = canvas_source(src, plan, config, inner, stack)
            return compose(canvas, plan, config, get_registry(), inner)
