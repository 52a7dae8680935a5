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

Effect layers take no clip path of their own; they follow the clipped shape of their parent.
"""

from __future__ import annotations

import math
from functools import lru_cache

from PIL import Image, ImageChops

from engine.errors import RenderError
from engine.geometry import LayerGeometry, transform_point
from engine.paths import Path, Point, area_mask, parse_path
from engine.plan import COMP, Layer, Plan

#: Commands a self-sizing solid colour layer may not carry (``r-clippath.md``).
_NOT_SELF_SIZING = ("scale", "rotate", "anchor", "anchorN")
Box = tuple[float, float, float, float]


@lru_cache(maxsize=64)
def area_path(text: str, command: str) -> Path:
    """A parsed area path (sub-paths closed), cached: one request reads it more than once."""
    return parse_path(text, command=command)


def clip_paths(plan: Plan, layer: Layer) -> tuple[Path, Path | None] | None:
    """The layer's clip path and exclusion path, or None without a ``clipPath=``."""
    node = plan.get("clipPath", layer)
    if node is None:
        return None
    exclusion = plan.get("clipXPath", layer)
    return (
        area_path(node.arg("path"), "clipPath"),
        area_path(exclusion.arg("path"), "clipXPath") if exclusion is not None else None,
    )


def presized(plan: Plan, layer: Layer) -> bool:
    size = plan.get("size", layer)
    return size is not None and any(size.args)


def self_sized_extent(plan: Plan, layer: Layer) -> tuple[tuple[int, int], Point] | None:
    """For a solid colour or text layer that ``clipPath=`` sizes (no ``size=``): the layer's
    size and where the path's 0,0 lies in it; None for any other layer."""
    if layer == COMP or presized(plan, layer) or plan.get("src", layer) is not None:
        return None
    paths = clip_paths(plan, layer)
    if paths is None:
        return None
    left, top, right, bottom = paths[0].bounds
    left, top = math.floor(left), math.floor(top)
    size = (max(1, math.ceil(right) - left), max(1, math.ceil(bottom) - top))
    return size, (float(-left), float(-top))


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
) -> Image.Image:
    """The layer's pixels clipped to its paths (the image unchanged without ``clipPath=``).

    ``image`` shows the layer rectangle (``geometry.size``) at ``content``, the box of the
    rectangle in the image's pixels (None: the whole image), as a reduced or windowed layer
    does; ``geometry`` takes source points into the rectangle.
    """
    paths = clip_paths(plan, layer)
    if paths is None:
        return image
    left, top, right, bottom = content or (0.0, 0.0, float(image.width), float(image.height))
    fx, fy = (right - left) / geometry.size[0], (bottom - top) / geometry.size[1]
    extent = self_sized_extent(plan, layer)
    if layer == COMP or presized(plan, layer):
        to_rect = None  # already rectangle coordinates
    else:
        offset = extent[1] if extent is not None else (0.0, 0.0)

        def to_rect(point: Point) -> Point:
            return transform_point((point[0] + offset[0], point[1] + offset[1]), geometry)

    def to_pixels(point: Point) -> Point:
        x, y = to_rect(point) if to_rect is not None else point
        return (left + x * fx, top + y * fy)

    clip, exclusion = paths
    mask = area_mask(clip.mapped(to_pixels), image.size)
    if exclusion is not None:
        mask = ImageChops.subtract(mask, area_mask(exclusion.mapped(to_pixels), image.size))
    clipped = image.convert("RGBA")
    clipped.putalpha(ImageChops.multiply(clipped.getchannel("A"), mask))
    return clipped
