"""Nested Image Serving requests as layer sources: ``src=is(object?modifiers)``.

Adobe's nesting page writes ``is(...)``, the ``src=`` page ``is{...}``; both brackets are
accepted. The pages also disagree on case (``is`` is case-sensitive for ``src=``,
case-insensitive for ``mask=``): both are accepted in any case. A nested request renders here,
with the same resolver and macros, into an image whose alpha becomes the layer's mask; it
ignores ``fmt``, ``qlt``, ``iccEmbed``, ``icc``, ``printRes``, ``quantize``, ``req`` and ``bgc``
and the ``MaxPix``/``DefaultPix`` limits (the pixel budget still holds). The outer request's
variable references in it are substituted before it is parsed, and all of the outer request's
``$var=`` definitions are forwarded to it, at any nesting level, so that macros and templates
used inside it can reference them (§2.1, ``r-is-http-substitution-variables.md``); a nested
request's own definition of a forwarded name wins inside it (and in what it nests). Its
``object`` (before the ``?``, may be empty) is the layer 0 of the nested request and its
``$object$``, which is never forwarded. The nested request is encoded like the outer one
(never twice): its text reaches here as written, and it is decoded when it is parsed.

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
from engine.errors import LimitError, ParseError, RenderError, SourceError, UnsupportedError
from engine.macros import MacroTable
from engine.parser import parse
from engine.plan import Plan
from engine.source import open_source
from engine.syntax import decode_value

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
        variables: Mapping[str, str] | None = None,
        chain: tuple[str, ...] = (),
    ) -> None:
        self.resolver = resolver
        self.macros = macros
        self.config = config
        self.variables = variables
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
        obj, plan = nested_plan(request, self.macros, self.variables)
        check_supported(plan)
        config = dataclasses.replace(self.config, default_pix=(0, 0), max_pix=(0, 0))
        inner = NestingResolver(
            self.resolver, self.macros, self.config, dict(plan.variables), (*self.chain, request)
        )
        with ExitStack() as stack:
            src = stack.enter_context(open_source(inner(obj), config=config)) if obj else None
            canvas = canvas_source(src, plan, config, inner, stack)
            return compose(canvas, plan, config, get_registry(), inner)


def nested_plan(
    request: str,
    macros: Mapping[str, str] | MacroTable | None,
    variables: Mapping[str, str] | None,
) -> tuple[str, Plan]:
    """The object and the plan of the nested request ``request`` (the text inside ``is(...)``),
    with the forwarded ``variables`` and without the commands nested requests ignore."""
    obj, _, modifiers = request.partition("?")
    obj = decode_value(obj)  # the request is kept encoded (engine.syntax.opens_nested)
    stem = PurePosixPath(obj).stem or None
    plan = parse(modifiers, macros=macros, object_name=stem, variables=variables)
    kept = tuple(n for n in plan if n.command.lower() not in IGNORED)
    return obj, Plan(kept, plan.object_name, plan.variables)


def named_objects(
    plan: Plan,
    macros: Mapping[str, str] | MacroTable | None = None,
    chain: tuple[str, ...] = (),
) -> tuple[set[str], set[str]]:
    """The object names ``plan`` asks a resolver for at any nesting level (``src=``/``mask=``
    values and nested requests' objects), and the nested requests it renders. A nested request
    that cannot be parsed, or a cycle, is left out: rendering reports it."""
    names: set[str] = set()
    requests: set[str] = set()
    for node in plan:
        if node.command.lower() not in ("src", "mask"):
            continue
        value = node.arg("object")
        nested = _NESTED.fullmatch(value)
        if nested is None:
            if not _EMBEDDED.match(value):
                names.add(value)
            continue
        request = nested.group(1)
        requests.add(request)
        if request in chain or len(chain) >= MAX_NESTING:
            continue
        try:
            obj, inner = nested_plan(request, macros, dict(plan.variables))
        except ParseError:
            continue
        if obj:
            names.add(obj)
        more, deeper = named_objects(inner, macros, (*chain, request))
        names |= more
        requests |= deeper
    return names, requests
