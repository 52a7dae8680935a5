"""Layer clip paths: ``clipPath=`` and ``clipXPath=`` (``r-clippath.md``, ``r-clipxpath.md``).

What lies outside the ``clipPath=`` area becomes transparent, and so does what lies inside
``clipXPath=`` (which is ignored without a ``clipPath=``); the edge is antialiased. Where the
path's coordinates lie:

* **Presized layers** (``size=`` given and not 0,0): relative to the top-left corner of the
  layer rectangle; the composite (``layer=comp``, which is what a request without ``layer=``
  clips) uses its own pixels.
* **Self-sizing solid colour and text layers** (no ``size=``): the path's extent is the
  layer; its pixel grid is the path's (the extent rounded out to whole pixels), and unless
  ``origin=`` says otherwise the layer's origin is the path's 0,0 point, so the path lies
  where it says relative to layer 0's origin. ``scale=``, ``rotate=`` and ``anchor=`` are
  not permitted on such a solid layer.
* **Image layers without** ``size=``: a decision (the page says "layer pixel coordinates"):
  the source image's pixels, taken through the layer's crop, scale, flip, rotate and extend,
  so the path stays on the image content.

Paths embedded in the layer's source image (``clipPathE=``, ``clipXPathE=``, ``cropPathE=``;
:mod:`engine.embedded`) are in the source's pixels and follow its content through the layer
transforms. Several ``clipPathE=`` names clip to the intersection of their paths, together
with ``clipPath=``; several ``clipXPathE=`` names exclude each path. ``cropPathE=`` crops the
source to the bounding box of each named path in turn (with ``crop=``, to the intersection of
all); under ``layer=comp`` it crops layer 0, as ``crop=`` does. Names the source does not
hold, and sources that are not images, are ignored (``r-croppath.md``, ``r-clippath.md``).
The exclusions apply only where something clips (``r-clipxpath.md``).

Effect layers take no clip path of their own; they follow the clipped shape of their parent.
"""

from __future__ import annotations

import math
from functools import lru_cache

from PIL import Image, ImageChops

from engine.errors import RenderError
from engine.geometry import LayerGeometry, transform_point
from engine.paths import Path, Point, area_mask, parse_path
from engine.plan import COMP, Layer, Node, Plan, execution_key
from engine.registry import get_registry
from engine.source import SourceImage

#: Commands a self-sizing solid colour layer may not carry (``r-clippath.md``).
_NOT_SELF_SIZING = ("scale", "rotate", "anchor", "anchorN")
Box = tuple[float, float, float, float]
_SLACK = 1e-3  # pixels


@lru_cache(maxsize=4)
def area_path(text: str, command: str) -> Path:
    """A parsed area path (sub-paths closed), cached: one request reads it more than once."""
    return parse_path(text, command=command)


def _given(plan: Plan, layer: Layer, command: str) -> Path | None:
    node = plan.get(command, layer)
    return area_path(node.arg("path"), command) if node is not None else None


def _embedded(plan: Plan, layer: Layer, command: str, source: SourceImage | None) -> list[Path]:
    node = plan.get(command, layer)
    if node is None or source is None or not source.photoshop:
        return []
    return source.embedded_paths(_names(node), command=command)


def _names(node: Node) -> list[str]:
    return [name for name in node.arg("names").split(",") if name.strip()]


def presized(plan: Plan, layer: Layer) -> bool:
    size = plan.get("size", layer)
    return size is not None and any(size.args)


def self_sized_extent(plan: Plan, layer: Layer) -> tuple[tuple[int, int], Point] | None:
    """For a solid colour or text layer that ``clipPath=`` sizes (no ``size=``): the layer's
    size and where the path's 0,0 lies in it; None for any other layer."""
    if layer == COMP or presized(plan, layer) or plan.get("src", layer) is not None:
        return None
    path = _given(plan, layer, "clipPath")
    if path is None:
        return None
    left, top, right, bottom = path.bounds
    left, top = _floor(left), _floor(top)
    size = (max(1, _ceil(right) - left), max(1, _ceil(bottom) - top))
    return size, (float(-left), float(-top))


def _floor(value: float) -> int:
    """Rounded down, ignoring what fixed-point paths add in the last digits."""
    return math.floor(value + _SLACK)


def _ceil(value: float) -> int:
    return math.ceil(value - _SLACK)


def check_self_sizing_solid(plan: Plan, layer: Layer) -> None:
    """``scale=``, ``rotate=`` and ``anchor=`` are refused on a self-sizing solid layer."""
    for command in _NOT_SELF_SIZING:
        node = plan.get(command, layer)
        if node is not None:
            raise RenderError(
                f"layer {layer}: {node.to_modifier()} is not permitted on a solid color layer "
                "that clipPath= sizes (r-clippath.md); give the layer a size= or drop "
                f"{command}="
            )


def clip_layer(
    image: Image.Image,
    plan: Plan,
    layer: Layer,
    *,
    content: Box | None,
    geometry: LayerGeometry,
    source: SourceImage | None = None,
) -> Image.Image:
    """The layer's pixels clipped to its paths (the image unchanged without any).

    ``image`` shows the layer rectangle (``geometry.size``) at ``content``, the box of the
    rectangle in the image's pixels (None: the whole image), as a reduced or windowed layer
    does; ``geometry`` takes source points into the rectangle; ``source`` is the layer's
    source image, whose embedded paths ``clipPathE=``/``clipXPathE=`` name.
    """
    given = _given(plan, layer, "clipPath")
    embedded = _embedded(plan, layer, "clipPathE", source)
    if given is None and not embedded:
        return image
    left, top, right, bottom = content or (0.0, 0.0, float(image.width), float(image.height))
    fx, fy = (right - left) / geometry.size[0], (bottom - top) / geometry.size[1]
    extent = self_sized_extent(plan, layer)
    shift = extent[1] if extent is not None else (0.0, 0.0)  # the path's 0,0 in the layer

    def from_source(point: Point) -> Point:  # embedded paths: source pixels
        x, y = transform_point(point, geometry)
        return (left + x * fx, top + y * fy)

    def from_given(point: Point) -> Point:  # clipPath=: see the module's notes
        if layer == COMP or presized(plan, layer):
            x, y = point
        else:
            x, y = transform_point((point[0] + shift[0], point[1] + shift[1]), geometry)
        return (left + x * fx, top + y * fy)

    clips = [given.mapped(from_given)] if given is not None else []
    clips += [path.mapped(from_source) for path in embedded]
    exclusions = [p.mapped(from_source) for p in _embedded(plan, layer, "clipXPathE", source)]
    excluded = _given(plan, layer, "clipXPath")
    if excluded is not None:
        exclusions.append(excluded.mapped(from_given))
    mask = area_mask(clips[0], image.size)
    for clip in clips[1:]:
        mask = ImageChops.multiply(mask, area_mask(clip, image.size))
    for exclusion in exclusions:
        mask = ImageChops.subtract(mask, area_mask(exclusion, image.size))
    clipped = image.convert("RGBA")
    clipped.putalpha(ImageChops.multiply(clipped.getchannel("A"), mask))
    return clipped


def with_path_crop(plan: Plan, layer: Layer, source: SourceImage | None) -> Plan:
    """The plan with the layer's ``cropPathE=`` turned into the ``crop=`` it amounts to (the
    plan unchanged when no named path is found)."""
    node = plan.get("cropPathE", layer)
    if node is None:
        return plan
    paths = _embedded(plan, layer, "cropPathE", source)
    if not paths or source is None:
        return plan
    left, top, right, bottom = 0.0, 0.0, float(source.size[0]), float(source.size[1])
    crop = plan.get("crop", layer)
    if crop is not None:
        x, y, w, h = crop.args
        left, top, right, bottom = x, y, x + w, y + h
    for path in paths:
        pl, pt, pr, pb = path.bounds
        left, top, right, bottom = max(left, pl), max(top, pt), min(right, pr), min(bottom, pb)
    x, y = _floor(left), _floor(top)
    w, h = _ceil(right) - x, _ceil(bottom) - y
    if w <= 0 or h <= 0:
        raise RenderError(
            f"layer {layer}: {node.to_modifier()} leaves nothing of the image (the paths' "
            "bounding boxes do not overlap each other or crop=)"
        )
    signature = get_registry().signatures["crop"]
    cropped = Node(signature.name, (x, y, w, h), signature.stage, layer, signature)
    nodes = [n for n in plan.nodes if n is not crop] + [cropped]
    return Plan(tuple(sorted(nodes, key=execution_key)), plan.object_name, plan.variables)
