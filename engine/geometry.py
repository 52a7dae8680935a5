"""Size arithmetic of the layer transforms (§3.4) and the view transform (§3.1, §3.3).

Pure arithmetic, no pixels: the operations draw what these functions plan, and the renderer
asks :func:`decode_scale` how small the source may be decoded. Layer geometry is in
full-resolution source pixels; the view maps composite pixels (layer 0 after all of its
transforms) onto the reply.

Decisions where the reference is silent or ambiguous:

* ``res=``: scale = ``res`` / ``catalog::Resolution``. There is no catalog offline, so the
  source's own resolution (its DPI metadata) stands in for it, or :data:`DEFAULT_RESOLUTION`
  (72 px/inch) when the file declares none.
* ``size=w,h`` scales the cropped source to fit inside ``w×h`` keeping its aspect ratio, up or
  down (the reference's example "scale an image to 200 pixels width" is ``size=200,0``).
* ``wid``/``hei`` without ``fit=`` scale to the requested size even when that upscales; with
  ``fit=mode,0`` the scale is capped at 1:1 (§5 question 2).
* ``fit=`` with only one of ``wid``/``hei``: the given dimension decides the scale and the
  other follows the aspect ratio. When ``upscale=0`` caps the scale, the modes that promise an
  exact size (fit, crop, hfit, vfit) keep the given dimension and centre the image.
  ``constrain``, ``wrap`` and ``stretch`` never add whitespace: their reply is the scaled image.
* ``rgn=`` is the region of the composite that the view fits (it replaces the composite in the
  scaling rules); composite pixels outside it stay visible where the reply has room for them.
* ``dpr=on,r`` multiplies the whole reply: ``wid``, ``hei``, the ``DefaultPix`` size and
  ``rect=`` by ``r``, ``scl`` by ``1/r``; ``upscale=0`` caps at ``r`` (1:1 in CSS pixels). When
  the result exceeds ``MaxPix``, ``r`` is lowered until it fits (aspect kept, never below 1).
* ``MaxPix`` applies to the reply: the ``rect=`` size when given (so tiles can deliver views
  larger than ``MaxPix``), otherwise the view size. A ``0`` in either dimension is unlimited.
* Sizes round half up; the extra pixel of an odd centring margin goes right/bottom.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from engine.config import RenderConfig
from engine.errors import LimitError, RenderError
from engine.plan import Layer, Plan

Size = tuple[int, int]
Box = tuple[float, float, float, float]  # left, top, right, bottom
IntBox = tuple[int, int, int, int]

#: Stands in for ``catalog::Resolution`` when the source declares no DPI.
DEFAULT_RESOLUTION = 72.0

_VIEW_COMMANDS = ("wid", "hei", "scl", "fit", "rgn", "rect", "dpr")


def transpose_box(box: Box, size: Size, method: int) -> Box:
    """Where ``box`` of an image of ``size`` lands after Pillow's ``transpose(method)``.

    ``method`` is a ``PIL.Image.Transpose`` value (0 flip left-right, 1 flip top-bottom,
    2 rotate 90° counter-clockwise, 3 rotate 180°, 4 rotate 270°, 5 transpose, 6 transverse).
    """
    x0, y0, x1, y1 = box
    w, h = size
    return (
        (w - x1, y0, w - x0, y1),
        (x0, h - y1, x1, h - y0),
        (y0, w - x1, y1, w - x0),
        (w - x1, h - y1, w - x0, h - y0),
        (h - y1, x0, h - y0, x1),
        (y0, x0, y1, x1),
        (h - y1, w - x1, h - y0, w - x0),
    )[method]


def round_half_up(value: float) -> int:
    return math.floor(value + 0.5)


# --- layer (source) transforms -------------------------------------------------------------


@dataclass(frozen=True)
class LayerGeometry:
    """Where each layer transform takes the layer, in IS's order (§3.4).

    ``crop`` is ``(x, y, w, h)`` in full-resolution source pixels and may extend outside the
    source. ``density`` is layer pixels per source pixel (``size``/``sizeN``/``scale``/``res``).
    ``scaled_size``, ``rotated_size``, ``extend`` and ``size`` are in layer pixels.
    """

    source_size: Size
    crop: IntBox
    density: float
    scaled_size: Size
    flip: str | None
    rotation: float  # degrees clockwise, in [0, 360)
    rotated_size: Size
    extend: IntBox  # left, top, right, bottom; negative values crop
    size: Size

    @property
    def crop_box(self) -> IntBox:
        x, y, w, h = self.crop
        return (x, y, x + w, y + h)


def source_transform(
    source_size: Size,
    plan: Plan,
    *,
    layer: Layer = 0,
    dpi: float | None = None,
    reference_size: Size | None = None,
) -> LayerGeometry:
    """The geometry of one image layer: crop → size/scale/res → flip → rotate → extend.

    ``dpi`` is the source's resolution for ``res=``; ``reference_size`` the layer-0 size that
    ``sizeN=`` is relative to (``sizeN`` is not permitted without one, as for layer 0).
    """
    crop = _crop(source_size, plan, layer)
    density = _density(crop[2:], plan, layer, dpi, reference_size)
    scaled = (
        max(1, round_half_up(crop[2] * density)),
        max(1, round_half_up(crop[3] * density)),
    )
    flip_node = plan.get("flip", layer)
    flip = flip_node.arg("mode") if flip_node is not None else None
    rotate = plan.get("rotate", layer)
    rotation = (rotate.arg("degrees") % 360.0) if rotate is not None else 0.0
    rotated = rotated_size(scaled, rotation)
    extend = _extend(rotated, plan, layer)
    size = (rotated[0] + extend[0] + extend[2], rotated[1] + extend[1] + extend[3])
    if size[0] <= 0 or size[1] <= 0:
        node = plan.get("extend", layer) or plan.get("extendN", layer)
        raise RenderError(
            f"{node.to_modifier() if node else 'extend'} leaves no layer: "
            f"{rotated[0]}x{rotated[1]} becomes {size[0]}x{size[1]}; expected a positive size"
        )
    return LayerGeometry(source_size, crop, density, scaled, flip, rotation, rotated, extend, size)


def _crop(source_size: Size, plan: Plan, layer: Layer) -> IntBox:
    width, height = source_size
    node = plan.get("crop", layer)
    if node is not None:
        x, y, w, h = node.args
    elif (node := plan.get("cropN", layer)) is not None:
        nx, ny, nw, nh = node.args
        x, y = round_half_up(nx * width), round_half_up(ny * height)
        w, h = round_half_up(nw * width), round_half_up(nh * height)
    else:
        return (0, 0, width, height)
    if w <= 0 or h <= 0:
        raise RenderError(
            f"{node.to_modifier()}: the crop rectangle is {w}x{h} source pixels; "
            "expected a positive width and height"
        )
    return (x, y, w, h)


def _density(
    crop_size: tuple[int, int],
    plan: Plan,
    layer: Layer,
    dpi: float | None,
    reference_size: Size | None,
) -> float:
    """Layer pixels per source pixel; ``size=`` beats ``scale=``, which beats ``res=``."""
    node = plan.get("size", layer)
    if node is not None:
        return _fit_inside(crop_size, node.args[0], node.args[1])
    node = plan.get("sizeN", layer)
    if node is not None:
        if reference_size is None:
            raise RenderError(
                f"{node.to_modifier()} is relative to layer 0 and not permitted for layer 0; "
                "use size= instead"
            )
        wn, hn = node.args
        target = (round_half_up(wn * reference_size[0]), round_half_up(hn * reference_size[1]))
        return _fit_inside(crop_size, *target)
    factor = plan.get("scale", layer)
    if factor is not None:
        return float(factor.args[0])
    node = plan.get("res", layer)
    if node is not None:
        return node.args[0] / (dpi or DEFAULT_RESOLUTION)
    return 1.0


def _fit_inside(size: tuple[int, int], width: int, height: int) -> float:
    """Scale that fits ``size`` inside ``width×height`` (0 = derived from the aspect ratio)."""
    scales = [t / s for t, s in ((width, size[0]), (height, size[1])) if t > 0]
    return min(scales) if scales else 1.0


def rotated_size(size: Size, degrees: float) -> Size:
    """Bounding size of ``size`` rotated by ``degrees`` about its centre.

    Multiples of 90° are exact. Other angles use the arithmetic of Pillow's
    ``rotate(expand=True)`` (corner extents rounded outwards, cosine/sine rounded to 15
    places) so that the planned size is the size the rotation draws.
    """
    width, height = size
    angle = degrees % 360.0
    if angle in (0.0, 180.0):
        return size
    if angle in (90.0, 270.0):
        return (height, width)
    radians = math.radians(angle)
    cos, sin = abs(round(math.cos(radians), 15)), abs(round(math.sin(radians), 15))
    half_w = (cos * width + sin * height) / 2
    half_h = (sin * width + cos * height) / 2
    cx, cy = width / 2, height / 2
    return (
        math.ceil(cx + half_w) - math.floor(cx - half_w),
        math.ceil(cy + half_h) - math.floor(cy - half_h),
    )


def _extend(size: Size, plan: Plan, layer: Layer) -> IntBox:
    node = plan.get("extend", layer)
    if node is not None:
        left, top, right, bottom = node.args
        return (left, top, right, bottom)
    node = plan.get("extendN", layer)
    if node is not None:
        ln, tn, rn, bn = node.args
        width, height = size
        return (
            round_half_up(ln * width),
            round_half_up(tn * height),
            round_half_up(rn * width),
            round_half_up(bn * height),
        )
    return (0, 0, 0, 0)


# --- view transform ------------------------------------------------------------------------


@dataclass(frozen=True)
class Placement:
    """A source image mapped onto a canvas by ``canvas = origin + scale × source``.

    ``dest`` is the integer box of the canvas that source pixels cover (empty when none do);
    ``source`` is the source rectangle that lands exactly on ``dest``. Everything else of the
    canvas is fill.
    """

    canvas: Size
    dest: IntBox
    source: Box

    @property
    def empty(self) -> bool:
        return self.dest[2] <= self.dest[0] or self.dest[3] <= self.dest[1]

    @property
    def covers(self) -> bool:
        """True when no fill is visible."""
        return self.dest == (0, 0, *self.canvas)


def place(
    source_size: Size,
    scale: tuple[float, float],
    origin: tuple[float, float],
    canvas: Size,
) -> Placement:
    """Which part of the canvas a mapped source covers, and from which source rectangle."""
    sx, sy = scale
    ox, oy = origin
    left = max(0, round_half_up(ox))
    top = max(0, round_half_up(oy))
    right = min(canvas[0], round_half_up(ox + source_size[0] * sx))
    bottom = min(canvas[1], round_half_up(oy + source_size[1] * sy))
    if right <= left or bottom <= top:
        return Placement(canvas, (0, 0, 0, 0), (0.0, 0.0, 0.0, 0.0))
    source = (
        _clamp((left - ox) / sx, source_size[0]),
        _clamp((top - oy) / sy, source_size[1]),
        _clamp((right - ox) / sx, source_size[0]),
        _clamp((bottom - oy) / sy, source_size[1]),
    )
    return Placement(canvas, (left, top, right, bottom), source)


def clip_polygon(polygon: list[tuple[float, float]], box: Box) -> list[tuple[float, float]]:
    """The polygon cut to the box (Sutherland–Hodgman; convex or not, in order)."""
    left, top, right, bottom = box
    edges = (
        (lambda p: p[0] >= left, lambda p, q: _at_x(p, q, left)),
        (lambda p: p[0] <= right, lambda p, q: _at_x(p, q, right)),
        (lambda p: p[1] >= top, lambda p, q: _at_y(p, q, top)),
        (lambda p: p[1] <= bottom, lambda p, q: _at_y(p, q, bottom)),
    )
    for inside, cross in edges:
        result: list[tuple[float, float]] = []
        for i, current in enumerate(polygon):
            previous = polygon[i - 1]
            if inside(current):
                if not inside(previous):
                    result.append(cross(previous, current))
                result.append(current)
            elif inside(previous):
                result.append(cross(previous, current))
        polygon = result
        if not polygon:
            break
    return polygon


def _at_x(p: tuple[float, float], q: tuple[float, float], x: float) -> tuple[float, float]:
    return (x, p[1] + (q[1] - p[1]) * (x - p[0]) / (q[0] - p[0]))


def _at_y(p: tuple[float, float], q: tuple[float, float], y: float) -> tuple[float, float]:
    return (p[0] + (q[0] - p[0]) * (y - p[1]) / (q[1] - p[1]), y)


def _clamp(value: float, high: float) -> float:
    return min(max(value, 0.0), float(high))


@dataclass(frozen=True)
class ViewLayout:
    """How the composite becomes the reply (§3.1 rules 1-6, ``dpr``, ``rect``).

    ``view_size`` is the view image of the scaling rules (after ``dpr``). ``scale`` is reply
    pixels per composite pixel per axis (``dpr`` and the ``rect=`` scale included), so one
    resample draws everything: the view step draws ``view``, the composite mapped onto
    ``window`` (the part of the view image, at reply resolution, that the reply shows: all of
    it without ``rect=``); the rect step places that window on the reply (``rect``, whole
    pixels, no resampling). ``fill`` is the RGB of uncovered areas, ``None`` for transparent.
    """

    view_size: Size
    scale: tuple[float, float]
    window: IntBox
    view: Placement
    rect: Placement | None
    fill: tuple[int, int, int] | None
    dpr: float

    @property
    def reply_size(self) -> Size:
        return self.rect.canvas if self.rect is not None else self.view_size

    @property
    def density(self) -> float:
        """Reply pixels per composite pixel (the larger axis)."""
        return max(self.scale)


def view_layout(
    comp_size: Size, plan: Plan, config: RenderConfig, *, alpha_output: bool
) -> ViewLayout:
    """Plan the view transform of a ``comp_size`` composite; raises ``LimitError`` over MaxPix."""
    enabled = plan.arg("dpr", "enabled", False)
    ratio = float(plan.arg("dpr", "ratio", 1.0)) if enabled else 1.0
    view = _View(comp_size, plan, config)
    layout = view.layout(ratio, alpha_output)
    limit = config.max_pix
    if _exceeds(layout.reply_size, limit) and ratio > 1.0:
        base = view.layout(1.0, alpha_output).reply_size
        if not _exceeds(base, limit):
            ratio = min([ratio] + [m / b for m, b in zip(limit, base, strict=True) if m > 0])
            layout = view.layout(max(1.0, ratio), alpha_output)
    if _exceeds(layout.reply_size, limit):
        width, height = layout.reply_size
        commands = "&".join(n.to_modifier() for c in _VIEW_COMMANDS if (n := plan.get(c)))
        cause = commands or "DefaultPix {}x{}".format(*config.default_pix)
        raise LimitError(
            f"reply size {width}x{height} exceeds MaxPix {limit[0]}x{limit[1]} "
            f"(composite {comp_size[0]}x{comp_size[1]} with {cause}); "
            "request a smaller wid=/hei=, or tiles with rect="
        )
    window = layout.window
    check_pixels((window[2] - window[0], window[3] - window[1]), config, "the view image")
    check_pixels(layout.reply_size, config, "the reply")
    return layout


def check_pixels(size: Size, config: RenderConfig, what: str) -> None:
    """Refuse, before it is allocated, an image larger than the render's pixel budget
    (``config.max_input_pixels``, the limit a source is held to): a hostile ``extend=``,
    ``crop=`` or, with an unlimited ``MaxPix``, ``wid=`` would otherwise exhaust memory."""
    width, height = size
    if width * height > config.max_input_pixels:
        raise LimitError(
            f"{what} would be {width}x{height} = {width * height:,} pixels, more than the "
            f"{config.max_input_pixels:,} pixels a render may hold (RenderConfig.max_input_pixels)"
        )


def _exceeds(size: Size, limit: Size) -> bool:
    return any(0 < m < s for s, m in zip(size, limit, strict=True))


class _View:
    """The scaling rules for one request; ``layout(ratio)`` evaluates them at a dpr ratio."""

    def __init__(self, comp_size: Size, plan: Plan, config: RenderConfig) -> None:
        self.comp = comp_size
        self.plan = plan
        self.config = config
        rgn = plan.get("rgn")
        self.region: IntBox = tuple(rgn.args) if rgn is not None else (0, 0, *comp_size)
        self.wid = plan.arg("wid", "width")
        self.hei = plan.arg("hei", "height")
        self.scl = plan.arg("scl", "factor")
        self.fit = plan.get("fit")
        if self.fit is not None and self.wid is None and self.hei is None:
            raise RenderError(
                f"{self.fit.to_modifier()} needs wid= and/or hei=; expected e.g. "
                f"wid=400&hei=300&{self.fit.to_modifier()}"
            )
        self.align = (plan.arg("align", "h", 0.0), plan.arg("align", "v", 0.0))
        self.rect = plan.get("rect")

    def layout(self, ratio: float, alpha_output: bool) -> ViewLayout:
        view_size, scaled, aligned = self._scale(ratio)
        rx, ry, rw, rh = self.region
        offset = [
            _offset(view - size, self.align[axis] if aligned else 0.0)
            for axis, (view, size) in enumerate(zip(view_size, scaled, strict=True))
        ]
        rs = self.rect.arg("scale") if self.rect is not None else 1.0
        scale = (scaled[0] / rw * rs, scaled[1] / rh * rs)
        origin = (offset[0] * rs - rx * scale[0], offset[1] * rs - ry * scale[1])
        window, rect = self._rect(view_size, ratio, rs)
        view = place(
            self.comp, scale, (origin[0] - window[0], origin[1] - window[1]),
            (window[2] - window[0], window[3] - window[1]),
        )  # fmt: skip
        if alpha_output:
            fill = None
        else:
            fill = (self.plan.arg("bgc", "color") or self.config.bkg_color).to_rgb8()
        return ViewLayout(view_size, scale, window, view, rect, fill, ratio)

    def _scale(self, ratio: float) -> tuple[Size, Size, bool]:
        """(view size, scaled region size, whether align= positions the image)."""
        rw, rh = self.region[2:]
        if self.scl is not None:
            s = ratio / self.scl
            scaled = _scaled(self.region, s, s)
            view = (
                _times(self.wid, ratio) if self.wid is not None else scaled[0],
                _times(self.hei, ratio) if self.hei is not None else scaled[1],
            )
            return view, scaled, True
        if self.wid is None and self.hei is None:
            s = 1.0
            for limit, size in zip(self.config.default_pix, (rw, rh), strict=True):
                if 0 < limit < size:
                    s = min(s, limit / size)
            scaled = _scaled(self.region, s * ratio, s * ratio)
            return scaled, scaled, False
        mode, upscale = (self.fit.arg("mode"), self.fit.arg("upscale")) if self.fit else (None, 1)
        cap = math.inf if upscale else ratio
        if self.wid is None or self.hei is None:
            given = _times(self.wid or self.hei, ratio)
            s = given / (rw if self.wid is not None else rh)
            capped = min(s, cap)
            scaled = _scaled(self.region, capped, capped)
            if capped == s or mode in ("constrain", "wrap", "stretch"):
                return scaled, scaled, False
            exact = _scaled(self.region, s, s)
            return exact, scaled, False
        width, height = _times(self.wid, ratio), _times(self.hei, ratio)
        sx, sy = width / rw, height / rh
        if mode == "stretch":
            scaled = _scaled(self.region, min(sx, cap), min(sy, cap))
            return scaled, scaled, False
        s = min(_fit_scale(mode, sx, sy), cap)
        scaled = _scaled(self.region, s, s)
        if mode in ("constrain", "wrap"):
            return scaled, scaled, False
        return (width, height), scaled, True

    def _rect(self, view_size: Size, ratio: float, rs: float) -> tuple[IntBox, Placement | None]:
        """The part of the view (at ``rs`` times its size) that ``rect=`` shows: the window the
        view step draws, and where that window lands on the reply."""
        if self.rect is None:
            return (0, 0, *view_size), None
        x, y = (round_half_up(v * ratio) for v in self.rect.args[:2])
        w, h = (_times(v, ratio) for v in self.rect.args[2:4])
        width, height = (round_half_up(v * rs) for v in view_size)
        window = (max(0, x), max(0, y), min(width, x + w), min(height, y + h))
        if window[2] <= window[0] or window[3] <= window[1]:
            window = (0, 0, 0, 0)
        size = (window[2] - window[0], window[3] - window[1])
        return window, place(size, (1.0, 1.0), (window[0] - x, window[1] - y), (w, h))


def _fit_scale(mode: str | None, sx: float, sy: float) -> float:
    """The one scale of a fit mode: the whole image fits (fit, constrain, no fit=), covers
    (crop, wrap), or one axis fits exactly (hfit, vfit)."""
    if mode in ("crop", "wrap"):
        return max(sx, sy)
    if mode == "hfit":
        return sx
    if mode == "vfit":
        return sy
    return min(sx, sy)


def _times(value: int, ratio: float) -> int:
    return value if ratio == 1.0 else max(1, round_half_up(value * ratio))


def _scaled(region: IntBox, sx: float, sy: float) -> Size:
    return (max(1, round_half_up(region[2] * sx)), max(1, round_half_up(region[3] * sy)))


def _offset(room: int, align: float) -> int:
    """Position of the image in a view ``room`` pixels larger (negative: cropped)."""
    return math.floor(room * (align + 1) / 2)


# --- decoding ------------------------------------------------------------------------------


def decode_scale(
    source_size: Size,
    plan: Plan,
    config: RenderConfig,
    alpha_output: bool,
    *,
    dpi: float | None = None,
) -> float:
    """The smallest density (reply pixels per full-resolution source pixel, at most 1) that the
    render needs: the layer's density times the view's scale. A decoder may reduce the source
    to this size (JPEG draft) without losing anything the reply shows."""
    layer = source_transform(source_size, plan, dpi=dpi)
    layout = view_layout(layer.size, plan, config, alpha_output=alpha_output)
    return min(1.0, layer.density * layout.density)


# --- layer placement -----------------------------------------------------------------------


def layer_origin(
    plan: Plan,
    layer: Layer,
    geometry: LayerGeometry,
    image_anchor: tuple[float, float] | None = None,
) -> tuple[float, float]:
    """The layer's origin in its own pixels (from the top-left corner of the layer rect, which
    includes ``extend=``): ``origin=``/``originN=``; else the explicit ``anchor=``/``anchorN=``
    (or the source's own ``image_anchor``) taken through the layer transforms; else the centre
    of the layer rect (``r-origin.md``,
    ``r-anchor.md``, ``r-layer-placement.md``; there is no ``catalog::Anchor`` offline)."""
    width, height = geometry.size
    node = plan.get("origin", layer)
    if node is not None:
        return (float(node.args[0]), float(node.args[1]))
    node = plan.get("originN", layer)
    if node is not None:
        return ((0.5 + node.args[0]) * width, (0.5 + node.args[1]) * height)
    anchor = _anchor(plan, layer, geometry.source_size) or image_anchor
    if anchor is None:
        return (width / 2, height / 2)
    return transform_point(anchor, geometry)


def _anchor(plan: Plan, layer: Layer, source_size: Size) -> tuple[float, float] | None:
    node = plan.get("anchor", layer)
    if node is not None:
        return (float(node.args[0]), float(node.args[1]))
    node = plan.get("anchorN", layer)
    if node is not None:
        return ((0.5 + node.args[0]) * source_size[0], (0.5 + node.args[1]) * source_size[1])
    return None


def transform_point(point: tuple[float, float], geometry: LayerGeometry) -> tuple[float, float]:
    """A source point through crop, scale, flip, rotate (about the centre) and extend."""
    x = (point[0] - geometry.crop[0]) * geometry.density
    y = (point[1] - geometry.crop[1]) * geometry.density
    width, height = geometry.scaled_size
    if geometry.flip in ("lr", "lrud"):
        x = width - x
    if geometry.flip in ("ud", "lrud"):
        y = height - y
    if geometry.rotation:
        radians = math.radians(geometry.rotation)  # clockwise on screen (y points down)
        dx, dy = x - width / 2, y - height / 2
        cos, sin = math.cos(radians), math.sin(radians)
        x = geometry.rotated_size[0] / 2 + dx * cos - dy * sin
        y = geometry.rotated_size[1] / 2 + dx * sin + dy * cos
    return (x + geometry.extend[0], y + geometry.extend[1])


def layer_position(
    plan: Plan,
    layer: int,
    geometry: LayerGeometry,
    canvas: LayerGeometry,
    image_anchor: tuple[float, float] | None = None,
) -> tuple[float, float]:
    """Top-left corner of a layer's rect in composite pixels: its origin sits on layer 0's
    origin, offset by ``pos=`` (pixels) or ``posN=`` (relative to layer 0's size); by default
    the centres coincide (``r-pos.md``, ``r-layer-placement.md``)."""
    ox, oy = layer_origin(plan, 0, canvas)
    lx, ly = layer_origin(plan, layer, geometry, image_anchor)
    px, py = layer_offset(plan, layer, canvas.size)
    return (ox + px - lx, oy + py - ly)


def layer_offset(plan: Plan, layer: int, canvas: tuple[int, int]) -> tuple[float, float]:
    """``pos=`` (pixels) or ``posN=`` (relative to layer 0's size ``canvas``), else 0, 0."""
    node = plan.get("pos", layer)
    if node is not None:
        return (float(node.args[0]), float(node.args[1]))
    if (node := plan.get("posN", layer)) is not None:
        return (node.args[0] * canvas[0], node.args[1] * canvas[1])
    return (0.0, 0.0)
