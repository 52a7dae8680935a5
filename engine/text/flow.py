"""Text flowed into an area: ``textPs=`` with ``textFlowPath=`` and ``textFlowXPath=``.

Adobe's pages (``r-textflowpath.md``, ``r-textflowxpath.md``, ``r-text-layers.md``): the
text fills the regions of ``textFlowPath=`` instead of the ``size=`` box, leaving out the
regions of ``textFlowXPath=`` (ignored without a ``textFlowPath=``); ``\\marg*`` is ignored.
Without ``size=`` the layer is the box of the text drawn and its origin, unless
``origin=``/``anchor=`` say otherwise, is the paths' 0,0; with ``size=`` the paths' 0,0 is
the layer's top-left corner.

How lines find their place (decisions; the pages do not say): lines go from the top of the
area down; a line takes the horizontal stretches of the area that are free over the whole
height of the paragraph's tallest style, left to right, so an exclusion in the middle of the
area gets text on both sides; wrapping, alignment, indents and justification then work in
each stretch as in a text box. Text that does not fit is not drawn (as ``textPs=`` in a box
draws only complete lines). ``\\sb``/``\\sa``, ``\\vertal*`` and ``\\copyfit`` do not apply.
Deviation: with ``size=`` text outside the layer rectangle is cut (Adobe draws it and lets
``extend=0,0,0,0`` cut it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageChops

from engine.errors import LimitError
from engine.paths import Path, area_mask, parse_path
from engine.text.layout import Fonts, Line, LineBuilder, Styled, lay_out
from engine.text.pstext import PsText, layer_frame
from engine.text.render import Fragment, TextLimits, paint_fragments, place_lines
from engine.text.rtf import Paragraph, Run

#: Narrower stretches than this many pixels take no text.
_MIN_STRETCH = 2


@dataclass(frozen=True, slots=True)
class _Slot:
    x: float
    top: float
    width: float


class _Area:
    """The free stretches of the flow area, handed out band by band from the top."""

    def __init__(self, inside: np.ndarray, origin: tuple[int, int]) -> None:
        self.inside = inside  # bool rows × columns: in the area
        self.origin = origin  # the mask's top-left in path coordinates
        self.band_top = 0  # mask row where the current band starts
        self.band_height = 0.0
        self.waiting: list[_Slot] = []  # stretches of the current band not used yet

    def take(self, height: float) -> _Slot | None:
        """The next stretch free over ``height`` rows, or None when the area is full."""
        if self.waiting:
            return self.waiting.pop(0)
        rows = max(1, math.ceil(height))
        top = self.band_top + math.ceil(self.band_height)
        self.band_height = 0.0
        while top + rows <= self.inside.shape[0]:
            free = self.inside[top : top + rows].all(axis=0)
            stretches = _runs(free)
            if stretches:
                ox, oy = self.origin
                self.band_top = top
                self.waiting = [_Slot(ox + a, oy + top, b - a) for a, b in stretches]
                return self.waiting.pop(0)
            top += 1
        self.band_top = top
        return None

    def used(self, height: float) -> None:
        """A line of ``height`` went into the current band."""
        self.band_height = max(self.band_height, height)


def _runs(free: np.ndarray) -> list[tuple[int, int]]:
    """Start and end columns of the runs of True at least ``_MIN_STRETCH`` long."""
    padded = np.concatenate(([False], free, [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)
            if b - a >= _MIN_STRETCH]  # fmt: skip


class _FlowBuilder(LineBuilder):
    """Line breaking where each line's width is that of the stretch it takes."""

    def __init__(
        self,
        paragraph: Paragraph,
        end: Styled,
        width: float | None,
        split: bool,
        twip: float,
        *,
        area: _Area,
        height: float,
        placed: list[_Slot | None],
    ) -> None:
        super().__init__(paragraph, end, width, split, twip)
        self.area, self.band, self.placed = area, height, placed
        self.slot: _Slot | None = None
        self.taken = False  # whether the line being filled has its stretch yet

    def stretch(self) -> _Slot | None:
        if not self.taken:
            self.slot, self.taken = self.area.take(self.band), True
        return self.slot

    @property
    def room(self) -> float:
        indent, right = self.indents()
        slot = self.stretch()
        return max(1.0, (slot.width if slot is not None else 0.0) - indent - right)

    def break_line(self, *, justify: bool, end: Styled | None = None) -> None:
        slot = self.stretch()
        super().break_line(justify=justify, end=end)
        self.placed.append(slot)
        if slot is not None:
            self.area.used(self.lines[-1].height)
        self.taken = False


def render_text_in_area(
    text: PsText, *, path: str, exclusion: str | None, size: tuple[int, int] | None
) -> Image.Image:
    """Render ``textPs=`` ``text`` flowed into the ``textFlowPath=`` area minus the
    ``textFlowXPath=`` area, to an RGBA image: ``size`` (the paths' 0,0 at its top-left
    corner), or for None or (0, 0) the box of the text drawn, with ``info["point_anchor"]``
    where the paths' 0,0 lies."""
    boxed = size is not None and any(size)
    document, fonts, attributes = text.read(boxed=boxed)
    area = _area(
        parse_path(path, command="textFlowPath"),
        parse_path(exclusion, command="textFlowXPath") if exclusion else None,
        text.scale,
        text.limits,
    )
    res = attributes.res
    placed: list[_Slot | None] = []

    def builder(
        paragraph: Paragraph, end: Styled, width: float | None, split: bool, twip: float
    ) -> LineBuilder:
        height = _band(paragraph, end, fonts, res)
        return _FlowBuilder(paragraph, end, width, split, twip, area=area, height=height,
                            placed=placed)  # fmt: skip

    width = float(area.inside.shape[1])
    lines = lay_out(document, fonts, res=res, fit=0.0, max_width=width,
                    wrap=attributes.word_wrap, builder=builder)  # fmt: skip
    fragments = _positioned(lines, placed)
    boxes = [(f.x + f.ink[0], f.baseline + f.ink[1], f.x + f.ink[2], f.baseline + f.ink[3])
             for f in fragments]  # fmt: skip
    width, height, dx, dy = layer_frame(boxes, size if boxed else None, text.limits)
    image = paint_fragments(fragments, document, (width, height), dx, dy, attributes.antialias)
    if not boxed:
        image.info["point_anchor"] = (float(dx), float(dy))
    return image


def _area(path: Path, exclusion: Path | None, scale: float, limits: TextLimits) -> _Area:
    """The flow area as a boolean mask over the flow path's bounds."""
    if scale != 1.0:
        path = path.mapped(lambda p: (p[0] * scale, p[1] * scale))
        if exclusion is not None:
            exclusion = exclusion.mapped(lambda p: (p[0] * scale, p[1] * scale))
    left, top, right, bottom = path.bounds
    left, top = math.floor(left), math.floor(top)
    width, height = max(1, math.ceil(right) - left), max(1, math.ceil(bottom) - top)
    if width * height > limits.max_pixels:
        raise LimitError(
            f"textFlowPath: the flow area is {width}×{height} pixels; a text layer draws at "
            f"most {limits.max_pixels} pixels"
        )

    def local(p: tuple[float, float]) -> tuple[float, float]:
        return (p[0] - left, p[1] - top)

    mask = area_mask(path.mapped(local), (width, height))
    if exclusion is not None:
        mask = ImageChops.subtract(mask, area_mask(exclusion.mapped(local), (width, height)))
    return _Area(np.asarray(mask) >= 128, (left, top))


def _band(paragraph: Paragraph, end: Styled, fonts: Fonts, res: float) -> float:
    """The height a line of the paragraph needs: that of its tallest style."""
    styles = [fonts.styled(i.style, res, 0.0) for i in paragraph.items if isinstance(i, Run)]
    return max(s.ascent + s.descent for s in [end, *styles])


def _positioned(lines: list[Line], placed: list[_Slot | None]) -> list[Fragment]:
    """Each placed line's fragments in path coordinates; lines without a place are dropped."""
    fragments: list[Fragment] = []
    for line, slot in zip(lines, placed, strict=False):
        if slot is None:
            continue
        for fragment in place_lines([line], slot.width).fragments:
            fragment.x += slot.x
            fragment.baseline += slot.top
            fragments.append(fragment)
    return fragments
