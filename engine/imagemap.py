"""IS ``req=map`` (``r-map-req.md``, ``r-image-maps.md``, ``r-map.md``): the request's image
maps, taken through its geometry like the image would be.

An image map is a string of HTML ``<AREA>`` elements. A layer's map comes from ``map=`` (in
layer coordinates: from the top-left corner of the layer rect after ``rotate=`` and
``extend=``) or ``mapA=`` (in source coordinates, taken through the layer's crop, size,
flip, rotate and extend; ``map=`` wins when both are given). Each area is clipped to its layer's
rect and to layer 0, placed as the layer is (``pos=``, ``origin=``, ``anchor=``), flipped
with the composite, then scaled, cropped and aligned by the view (``wid``, ``hei``, ``scl``,
``fit``, ``align``, ``rgn``, ``rect``) and clipped to the reply. Layers are listed front to
back (the highest layer first, layer 0's map last). Opacity, ``hide=``, effects and filters
do not matter (the page: layer transparency is not considered).

Only ``SHAPE`` and ``COORDS`` change; every other attribute is kept as written. ``SHAPE=RECT``
stays a rectangle while the layer is not rotated by other than a right angle, else it becomes
a ``POLY``; ``SHAPE=DEFAULT`` (or none) is the whole layer rect; ``SHAPE=CIRCLE``, which
Adobe does not support, is taken as a 32-sided polygon. Coordinates are rounded to whole
pixels. An area left empty by clipping is dropped; no areas left is an empty string.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from contextlib import ExitStack
from typing import BinaryIO

from PIL import Image

from engine.compositor import Resolver, layer_numbers, opened_source
from engine.config import DEFAULT_CONFIG, RenderConfig
from engine.errors import ParseError
from engine.geometry import (
    LayerGeometry,
    ViewLayout,
    clip_polygon,
    layer_position,
    source_transform,
    transform_point,
    view_layout,
)
from engine.macros import MacroTable
from engine.nesting import NestingResolver
from engine.parser import parse
from engine.plan import COMP, Plan
from engine.source import SourceImage, open_source

Source = str | os.PathLike[str] | bytes | BinaryIO | Image.Image
Point = tuple[float, float]
Box = tuple[float, float, float, float]

_AREA = re.compile(r"<\s*area\b(?P<attributes>[^>]*)>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""\s*(?P<name>[^\s=/>]+)(?:\s*=\s*(?P<value>"[^"]*"|'[^']*'|[^\s>]+))?""")
_CIRCLE_SIDES = 32


def image_map(
    source: Source | None,
    modifiers: str | Plan,
    *,
    macros: Mapping[str, str] | MacroTable | None = None,
    config: RenderConfig | None = None,
    resolver: Resolver | None = None,
) -> str:
    """The request's composite image map as ``<AREA>`` elements (``req=map``): each layer's
    ``map=``/``mapA=`` through the request's geometry; ``source`` is the request's object
    (None when layer 0 has its own content). Only the sources' headers are read, except
    for text layers and nested requests, which are drawn to learn their size."""
    config = config or DEFAULT_CONFIG
    with ExitStack() as stack:
        src = None if source is None else stack.enter_context(open_source(source, config=config))
        plan = modifiers if isinstance(modifiers, Plan) else parse(
            modifiers, macros=macros, object_name=src.name if src is not None else None
        )  # fmt: skip
        nesting = NestingResolver(resolver, macros, config, dict(plan.variables))
        return _ImageMap(plan, config, nesting, stack).areas(src)


class _ImageMap:
    def __init__(
        self, plan: Plan, config: RenderConfig, resolver: Resolver, stack: ExitStack
    ) -> None:
        self.plan, self.config, self.resolver, self.stack = plan, config, resolver, stack

    def areas(self, src: SourceImage | None) -> str:
        plan = self.plan
        own = any(plan.get(c, 0) is not None for c in ("src", "text", "textPs"))
        canvas = src if src is not None and not own else self._opened(0)
        if canvas is None:
            return ""
        composite = source_transform(canvas.size, plan, dpi=canvas.dpi)
        layout = view_layout(composite.size, plan, self.config, alpha_output=True)
        self.composite = composite.size
        self.to_reply = _view_mapping(layout)
        self.reply = layout.reply_size
        found: list[str] = []
        for layer in reversed(layer_numbers(plan)):
            if self._has_map(layer):
                source = self._opened(layer)
                assert source is not None
                geometry = source_transform(source.size, plan, layer=layer, dpi=source.dpi,
                                            reference_size=composite.size)  # fmt: skip
                at = layer_position(plan, layer, geometry, composite, source.anchor)
                found += self._layer_areas(layer, geometry, at)
        if self._has_map(0):
            found += self._layer_areas(0, composite, (0.0, 0.0))
        return "".join(found)

    def _has_map(self, layer: int) -> bool:
        return any(self.plan.get(c, layer) is not None for c in ("map", "mapA"))

    def _opened(self, layer: int) -> SourceImage | None:
        return opened_source(self.plan, layer, self.resolver, self.config, self.stack)

    def _layer_areas(self, layer: int, geometry: LayerGeometry, at: Point) -> list[str]:
        node = self.plan.get("map", layer)
        in_source = node is None
        node = node or self.plan.get("mapA", layer)
        assert node is not None
        width, height = geometry.size
        rect = (at[0], at[1], at[0] + width, at[1] + height)
        clip = _intersection(rect, (0.0, 0.0, *map(float, self.composite)))
        result = []
        for match in _AREA.finditer(node.arg("map") or ""):
            shape, points, kept = _area(match.group("attributes"), node.command)
            if points is None:  # the whole layer rect
                points = [(0.0, 0.0), (width, 0.0), (width, height), (0.0, height)]
            elif in_source:
                points = [transform_point(p, geometry) for p in points]
            placed = [(x + at[0], y + at[1]) for x, y in points]
            if clip is None:
                continue
            polygon = clip_polygon(placed, clip)
            polygon = [self._to_reply(p) for p in polygon]
            polygon = clip_polygon(polygon, (0.0, 0.0, *map(float, self.reply)))
            if len(polygon) >= 3 and _area_of(polygon) > 0:
                result.append(_element(kept, shape, polygon))
        return result

    def _to_reply(self, point: Point) -> Point:
        x, y = point
        flip = self.plan.get("flip", COMP)
        mode = flip.arg("mode") if flip is not None else ""
        if mode in ("lr", "lrud"):
            x = self.composite[0] - x
        if mode in ("ud", "lrud"):
            y = self.composite[1] - y
        (ox, oy), (sx, sy) = self.to_reply
        return (ox + x * sx, oy + y * sy)


def _view_mapping(layout: ViewLayout) -> tuple[Point, Point]:
    """Reply pixels = origin + scale × composite pixels, ``rect=``'s shift included."""
    sx, sy = layout.scale
    view = layout.view
    ox = view.dest[0] - view.source[0] * sx
    oy = view.dest[1] - view.source[1] * sy
    if view.empty:  # nothing of the composite shows: any origin, all is clipped
        ox = oy = -math.inf
    if layout.rect is not None:
        rect = layout.rect
        ox += rect.dest[0] - rect.source[0]
        oy += rect.dest[1] - rect.source[1]
    return (ox, oy), (sx, sy)


def _area(text: str, command: str) -> tuple[str, list[Point] | None, list[str]]:
    """An ``<AREA>``'s shape, its points (None: the whole layer) and its other attributes
    as written."""
    shape, coords, kept = "default", None, []
    for match in _ATTRIBUTE.finditer(text):
        name, value = match.group("name"), match.group("value")
        if name.lower() == "shape":
            shape = _unquoted(value or "").lower()
        elif name.lower() == "coords":
            coords = _unquoted(value or "")
        else:
            kept.append(match.group(0).strip())
    if shape == "default":
        return "rect", None, kept
    numbers = _numbers(coords or "", command, shape)
    if shape == "rect" and len(numbers) == 4:
        x0, y0, x1, y1 = numbers
        return "rect", [(x0, y0), (x1, y0), (x1, y1), (x0, y1)], kept
    if shape in ("poly", "polygon") and len(numbers) >= 6 and len(numbers) % 2 == 0:
        return "poly", list(zip(numbers[::2], numbers[1::2], strict=True)), kept
    if shape == "circle" and len(numbers) == 3:
        x, y, r = numbers
        turns = [2 * math.pi * i / _CIRCLE_SIDES for i in range(_CIRCLE_SIDES)]
        return "poly", [(x + r * math.cos(t), y + r * math.sin(t)) for t in turns], kept
    raise ParseError(
        f"{command}=: <AREA SHAPE={shape.upper()}> with COORDS {coords!r}",
        command=command,
        text=text.strip()[:80],
        expected="SHAPE=RECT with 4 coordinates, POLY with 3 or more points, CIRCLE with "
        "x,y,r, or DEFAULT",
    )


def _unquoted(value: str) -> str:
    return value[1:-1] if value[:1] in ("'", '"') and value[-1:] == value[:1] else value


def _numbers(coords: str, command: str, shape: str) -> list[float]:
    try:
        numbers = [float(part) for part in coords.replace(" ", "").split(",") if part]
    except ValueError:
        raise ParseError(
            f"{command}=: COORDS {coords!r} of an <AREA SHAPE={shape.upper()}>",
            command=command,
            text=coords,
            expected="comma-separated pixel coordinates (% coordinates are not supported)",
        ) from None
    if not all(math.isfinite(n) for n in numbers):
        raise ParseError(f"{command}=: COORDS {coords!r}", command=command, text=coords,
                         expected="finite pixel coordinates")  # fmt: skip
    return numbers


def _element(kept: list[str], shape: str, polygon: list[Point]) -> str:
    rounded = [(round(x), round(y)) for x, y in polygon]
    xs, ys = [p[0] for p in rounded], [p[1] for p in rounded]
    if shape == "rect" and len(set(xs)) <= 2 and len(set(ys)) <= 2:
        coords = f"{min(xs)},{min(ys)},{max(xs)},{max(ys)}"
        shape_name = "RECT"
    else:
        coords = ",".join(f"{x},{y}" for x, y in rounded)
        shape_name = "POLY"
    attributes = "".join(f" {a}" for a in kept)
    return f'<AREA SHAPE="{shape_name}" COORDS="{coords}"{attributes}>'


def _intersection(a: Box, b: Box) -> Box | None:
    box = (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))
    return box if box[2] > box[0] and box[3] > box[1] else None


def _area_of(polygon: list[Point]) -> float:
    return abs(
        sum(
            p[0] * q[1] - q[0] * p[1]
            for p, q in zip(polygon, polygon[1:] + polygon[:1], strict=True)
        )
    )
