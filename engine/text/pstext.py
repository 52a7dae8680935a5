"""What text on a path and text in an area share: a ``textPs=`` layer's text and settings,
read and checked once (:class:`PsText`), and the layer image their glyphs go into."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from engine.errors import LimitError
from engine.text.attributes import TextAttributes, parse_text_attr
from engine.text.fonts import FontMap
from engine.text.layout import Fonts, run_count
from engine.text.render import DEFAULT_LIMITS, TextLimits
from engine.text.rtf import Document, parse_rtf

COMMAND = "textPs"
Box = tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class PsText:
    """A ``textPs=`` value with its ``textAttr=``, font map and limits; ``scale`` draws a
    self-sizing layer reduced (a layer shown reduced, as a JPEG is decoded)."""

    rtf: str
    text_attr: str | None
    font_map: FontMap
    resolution: float = 72.0
    limits: TextLimits = DEFAULT_LIMITS
    scale: float = 1.0

    def read(self, *, boxed: bool) -> tuple[Document, Fonts, TextAttributes]:
        """The parsed document, its fonts (every one resolved now) and the attributes at the
        drawing resolution; ``boxed``: the layer has a ``size=``."""
        limits = self.limits
        if len(self.rtf) > limits.max_rtf_chars:
            raise LimitError(
                f"{COMMAND}: the text is {len(self.rtf)} characters long; "
                f"a text layer takes at most {limits.max_rtf_chars}"
            )
        if boxed and self.scale != 1.0:
            raise ValueError(f"{COMMAND}: scale= draws self-sizing text only, not a size= box")
        attributes = parse_text_attr(self.text_attr, command=COMMAND, resolution=self.resolution)
        attributes = replace(attributes, res=attributes.res * self.scale)
        document = parse_rtf(self.rtf, command=COMMAND, max_breaks=limits.max_breaks)
        count = run_count(document)
        if count > limits.max_characters:
            raise LimitError(
                f"{COMMAND}: {count} characters of text; a text layer draws at most "
                f"{limits.max_characters}"
            )
        fonts = Fonts(document, self.font_map, limits.max_font_pixels, COMMAND)
        fonts.faces()
        return document, fonts, attributes


def layer_frame(
    boxes: list[Box], size: tuple[int, int] | None, limits: TextLimits
) -> tuple[int, int, int, int]:
    """Width, height and the shift (dx, dy) that takes path coordinates into the layer
    image: ``size`` with the paths' 0,0 at its top-left corner, or (None) the box of what is
    drawn (``boxes``: left, top, right, bottom in path coordinates)."""
    if size is not None:
        width, height, dx, dy = size[0], size[1], 0, 0
    elif boxes:
        left = math.floor(min(b[0] for b in boxes))
        top = math.floor(min(b[1] for b in boxes))
        width = math.ceil(max(b[2] for b in boxes)) - left
        height = math.ceil(max(b[3] for b in boxes)) - top
        dx, dy = -left, -top
    else:
        width, height, dx, dy = 1, 1, 0, 0
    if width * height > limits.max_pixels:
        raise LimitError(
            f"{COMMAND}: the text drawn covers {width}×{height} pixels; a text layer draws "
            f"at most {limits.max_pixels} pixels"
        )
    return width, height, dx, dy
