"""``perspective=``/``perspectiveN=`` (``r-perspective.md``): a layer's image warped so that
its corners land on a quadrilateral of the composite; the rest of the layer is transparent.

The quadrilateral lists the corners the image's top-left, top-right, bottom-right and
bottom-left corners go to, in composite pixels (``perspectiveN=``: fractions of the
composite's size), measured from the composite's top-left corner; it may extend beyond the
composite. ``pos=``/``posN=`` move it further (here a plain offset: the layer has no
origin of its own). Adobe leaves a quadrilateral unfit for a perspective transform
undefined; here two coinciding corners, three on a line, a self-intersecting or a concave
quadrilateral are an error naming the command and its value.

Cost: the warp draws only the part of the quadrilateral's bounding box that lies on the
canvas (so never more than the canvas, which the pixel budget bounds), reads only the part of
the image that lands there, decodes the source no finer than the quadrilateral needs (a
reduced JPEG decode, then a box reduction to about twice the quadrilateral's size), and maps
in Pillow's C code.
``resOptions``: ``R1`` nearest neighbour, ``R2`` bilinear, ``R3`` (default) bilinear on a
2 × 2 super-sampled grid; ``R3Tn`` (jitter ``n`` 0..200) is drawn as ``R3``, a regular grid.
"""

from __future__ import annotations

import math
import re

import numpy as np
from PIL import Image

from engine.errors import RenderError
from engine.geometry import clip_polygon, layer_offset
from engine.operations import RenderContext
from engine.plan import Layer, Node, Plan

Point = tuple[float, float]
Quad = tuple[Point, Point, Point, Point]

_RES_OPTION = re.compile(r"R([123])(?:T([0-9]{1,3}))?\Z", re.IGNORECASE)
#: A corner's turn smaller than this fraction of the quadrilateral's squared extent is a
#: straight line (three corners on a line, or two coinciding).
_FLAT = 1e-9


def without_resizing(plan: Plan, layer: Layer) -> Plan:
    """The plan without the layer's ``size=``, ``sizeN=`` and ``res=``: a perspective layer's
    image is not resized (``r-perspective.md``; a text or solid layer's ``size=`` has made
    its content already)."""
    dropped = {"res", "size", "sizen"}
    nodes = tuple(n for n in plan if n.layer != layer or n.command.lower() not in dropped)
    return Plan(nodes, plan.object_name, plan.variables)


def perspective_node(plan: Plan, layer: Layer) -> Node | None:
    """The layer's ``perspective=`` or, without one, its ``perspectiveN=``."""
    return plan.get("perspective", layer) or plan.get("perspectiveN", layer)


def layer_quad(node: Node, composite: tuple[int, int], offset: Point) -> tuple[Quad, str]:
    """The quadrilateral in composite pixels, moved by ``offset``, and the resampling
    (``R1``, ``R2`` or ``R3``); a RenderError for a value no perspective fits."""
    width, height = composite if node.command.lower() == "perspectiven" else (1, 1)
    values = [float(value) for value in node.args[:8]]
    quad: Quad = tuple(  # type: ignore[assignment]
        (values[2 * i] * width + offset[0], values[2 * i + 1] * height + offset[1])
        for i in range(4)
    )
    _check_convex(quad, node)
    return quad, _resampling(node)


def _resampling(node: Node) -> str:
    option = node.arg("resOptions") or "R3"
    match = _RES_OPTION.match(option)
    jitter = match.group(2) if match else None
    if match is None or (jitter is not None and (match.group(1) != "3" or int(jitter) > 200)):
        raise RenderError(
            f"{node.command}={node.value_text}: resampling option {option!r}; expected R1, "
            "R2, R3 or R3Tn with n from 0 through 200"
        )
    return f"R{match.group(1)}"


def _check_convex(quad: Quad, node: Node) -> None:
    """Every corner turns the same way (a convex, simple quadrilateral), none by nothing."""
    xs, ys = [p[0] for p in quad], [p[1] for p in quad]
    extent = max(max(xs) - min(xs), max(ys) - min(ys))
    turns = []
    for i in range(4):
        (ax, ay), (bx, by), (cx, cy) = quad[i], quad[(i + 1) % 4], quad[(i + 2) % 4]
        turns.append((bx - ax) * (cy - by) - (by - ay) * (cx - bx))
    if extent <= 0 or not all(math.isfinite(t) for t in turns):
        problem = "its corners coincide"
    elif any(abs(t) <= _FLAT * extent * extent for t in turns):
        problem = "two corners coincide or three lie on a line"
    elif not (all(t > 0 for t in turns) or all(t < 0 for t in turns)):
        problem = "it is self-intersecting or concave"
    else:
        return
    raise RenderError(
        f"{node.command}={node.value_text}: the quadrilateral is not suitable for a "
        f"perspective transform ({problem}); expected four corners of a convex quadrilateral "
        "in the order top-left, top-right, bottom-right, bottom-left"
    )


def source_scale(quad: Quad, size: tuple[float, float]) -> float:
    """How many pixels per layer pixel the warp needs at most (the longer of the opposite
    edges against the layer's sides), capped at 1."""
    (ax, ay), (bx, by), (cx, cy), (dx, dy) = quad
    across = max(math.hypot(bx - ax, by - ay), math.hypot(cx - dx, cy - dy)) / size[0]
    down = max(math.hypot(dx - ax, dy - ay), math.hypot(cx - bx, cy - by)) / size[1]
    return min(1.0, max(across, down))


def warp(
    image: Image.Image,
    box: tuple[float, float, float, float],
    quad: Quad,
    canvas_size: tuple[int, int],
    resampling: str,
    background: tuple[int, int, int, int] | None = None,
) -> tuple[Image.Image, tuple[int, int]] | None:
    """The part of the canvas the warped image covers (RGBA, transparent around the
    quadrilateral) and its top-left corner; None when none of it is on the canvas.

    ``box`` is the part of ``image`` the layer covers (a reduced decode may leave a partly
    covered last row); ``quad`` is in canvas pixels; ``background`` goes under the image.
    Only the part of the image that lands on the canvas is converted and warped."""
    xs, ys = [p[0] for p in quad], [p[1] for p in quad]
    left, top = max(0, math.floor(min(xs))), max(0, math.floor(min(ys)))
    right = min(canvas_size[0], math.ceil(max(xs)))
    bottom = min(canvas_size[1], math.ceil(max(ys)))
    if right <= left or bottom <= top:
        return None
    visible = clip_polygon(list(quad), (left, top, right, bottom))
    if len(visible) < 3:
        return None
    x0, y0, x1, y1 = box
    corners = ((x0, y0), (x1, y0), (x1, y1), (x0, y1))
    image, box = _visible_part(image, box, quad, _homography(quad, corners), visible)
    image, box = _reduced(image, box, quad)
    x0, y0, x1, y1 = box
    corners = ((x0, y0), (x1, y0), (x1, y1), (x0, y1))
    factor = 2 if resampling == "R3" else 1
    local = tuple(((x - left) * factor, (y - top) * factor) for x, y in quad)
    inverse = _homography(local, corners)  # type: ignore[arg-type]
    size = ((right - left) * factor, (bottom - top) * factor)
    method = Image.Resampling.NEAREST if resampling == "R1" else Image.Resampling.BILINEAR
    image = image if image.mode == "RGBA" else image.convert("RGBA")
    if background is not None:
        image = Image.alpha_composite(Image.new("RGBA", image.size, background), image)
    premultiplied = image.convert("RGBa")  # no dark fringe from the transparent outside
    warped = premultiplied.transform(size, Image.Transform.PERSPECTIVE, inverse, method)
    if factor > 1:
        warped = warped.reduce(factor)
    return warped.convert("RGBA"), (left, top)


def _visible_part(
    image: Image.Image,
    box: tuple[float, float, float, float],
    quad: Quad,
    to_image: tuple[float, ...],
    visible: list[Point],
) -> tuple[Image.Image, tuple[float, float, float, float]]:
    """The image cut to what the ``visible`` part of the quadrilateral shows of it (with a
    margin for the box reduction and the resampling), and ``box`` in the cut image's
    pixels. ``to_image`` maps canvas points to image points."""
    a, b, c, d, e, f, g, h = to_image
    points = [((a * x + b * y + c) / w, (d * x + e * y + f) / w)
              for x, y in visible if (w := g * x + h * y + 1) != 0]  # fmt: skip
    if not points:
        return image, box
    margin = 2 + 2 / max(source_scale(quad, (box[2] - box[0], box[3] - box[1])), 1e-9)
    left = max(0, math.floor(min(p[0] for p in points) - margin))
    top = max(0, math.floor(min(p[1] for p in points) - margin))
    right = min(image.width, math.ceil(max(p[0] for p in points) + margin))
    bottom = min(image.height, math.ceil(max(p[1] for p in points) + margin))
    if (left, top, right, bottom) == (0, 0, image.width, image.height):
        return image, box
    if right <= left or bottom <= top:
        return image, box
    shifted = (box[0] - left, box[1] - top, box[2] - left, box[3] - top)
    return image.crop((left, top, right, bottom)), shifted


def warp_canvas(image: Image.Image, node: Node, ctx: RenderContext) -> Image.Image:
    """Layer 0 (after its pipeline; ``ctx`` its context) warped onto the quadrilateral within
    its own rect, the rest transparent: ``perspective=`` under ``layer=comp`` or ``layer=0``."""
    size = ctx.geometry.size
    left, top, right, bottom = ctx.content or (0.0, 0.0, image.width, image.height)
    fx, fy = (right - left) / size[0], (bottom - top) / size[1]
    quad, resampling = layer_quad(node, size, layer_offset(ctx.plan, 0, size))
    on_image: Quad = tuple((left + x * fx, top + y * fy) for x, y in quad)  # type: ignore[assignment]
    result = Image.new("RGBA", image.size, (0, 0, 0, 0))
    warped = warp(image, (left, top, right, bottom), on_image, image.size, resampling)
    if warped is not None:
        result.paste(*warped)
    return result


def _reduced(
    image: Image.Image, box: tuple[float, float, float, float], quad: Quad
) -> tuple[Image.Image, tuple[float, float, float, float]]:
    """A box reduction of ``image`` to about twice what the quadrilateral shows of it:
    bilinear sampling of a much larger image would skip most of its pixels (aliasing)."""
    x0, y0, x1, y1 = box
    needed = source_scale(quad, (x1 - x0, y1 - y0))
    factor = math.floor(1 / (2 * needed)) if needed > 0 else 1
    factor = min(factor, image.width, image.height)
    if factor < 2:
        return image, box
    return image.reduce(factor), (x0 / factor, y0 / factor, x1 / factor, y1 / factor)


def _homography(source: Quad, target: Quad) -> tuple[float, ...]:
    """The 8 coefficients of the projective map taking each ``source`` corner to the
    ``target`` one (Pillow's PERSPECTIVE data: x' = (a x + b y + c) / (g x + h y + 1) …)."""
    rows, values = [], []
    for (x, y), (u, v) in zip(source, target, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        values += [u, v]
    try:
        solved = np.linalg.solve(np.array(rows), np.array(values))
    except np.linalg.LinAlgError:
        raise RenderError(
            "perspective=: the quadrilateral gives no perspective transform (its corners are "
            "too far apart or too close together to compute one)"
        ) from None
    return tuple(float(c) for c in solved)
