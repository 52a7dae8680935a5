"""``textAngle=`` (``r-textangle.md``): ``textPs=`` text laid out and drawn into its box at an
angle, clockwise (``textAngle=90`` reads top to bottom).

The lines run along the angle; their length is that of the text frame, the largest rectangle
turned by the angle that fits the layer's ``size=`` box (for 90° the box's height, the lines
stacking from the right edge leftwards; for 0° the box itself). The text is laid out, wrapped
and copy-fitted in that frame exactly as unturned text in a box of that size, turned, and
centred in the box, so no glyph leaves it. Point text (no ``size=``) turns about its anchor,
which stays where the layer origin meets it; a width-only box (``size=w,0``) wraps at ``w``
along the angle and the layer becomes the turned text's bounds.

Adobe's page does not say how long lines in a turned rectangular box are; ours all have one
length (the frame's), rather than each reaching the box's edges.
"""

from __future__ import annotations

import math

from PIL import Image

_RIGHT_ANGLES = {90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180,
                 270: Image.Transpose.ROTATE_90}  # fmt: skip


def text_frame(box: tuple[int, int], degrees: float) -> tuple[int, int]:
    """Width (along the lines) and height of the largest rectangle turned by ``degrees``
    inside a ``box`` (width, height); at least 1 × 1."""
    width, height = box
    angle = math.radians(degrees % 180)
    sin, cos = abs(math.sin(angle)), abs(math.cos(angle))
    if sin < 1e-12:
        return box
    if cos < 1e-12:
        return (height, width)
    long, short = max(width, height), min(width, height)
    if short <= 2 * sin * cos * long or abs(sin - cos) < 1e-10:
        half = short / 2  # two corners touch the long sides
        frame = (half / sin, half / cos) if width >= height else (half / cos, half / sin)
    else:
        cos2 = cos * cos - sin * sin
        frame = ((width * cos - height * sin) / cos2, (height * cos - width * sin) / cos2)
    return (max(1, math.floor(frame[0] + 1e-9)), max(1, math.floor(frame[1] + 1e-9)))


def turned(
    image: Image.Image, degrees: float, anchor: tuple[float, float] | None = None
) -> tuple[Image.Image, tuple[float, float] | None]:
    """``image`` (RGBA) turned clockwise by ``degrees`` about its centre into its new bounds,
    and where ``anchor`` (a point of it) lands."""
    quarter = degrees % 360
    if quarter in (0, 90, 180, 270):
        result = image if quarter == 0 else image.transpose(_RIGHT_ANGLES[int(quarter)])
    else:  # premultiplied: no dark fringe from the transparent black around the glyphs
        premultiplied = image.convert("RGBa")
        result = premultiplied.rotate(-degrees, Image.Resampling.BICUBIC, expand=True)
        result = result.convert("RGBA")
    if anchor is None:
        return result, None
    angle = math.radians(degrees)
    x, y = anchor[0] - image.width / 2, anchor[1] - image.height / 2
    return result, (
        x * math.cos(angle) - y * math.sin(angle) + result.width / 2,
        x * math.sin(angle) + y * math.cos(angle) + result.height / 2,
    )


def centred(image: Image.Image, box: tuple[int, int]) -> Image.Image:
    """``image`` centred on a transparent ``box``-sized image (cut where it is larger)."""
    if image.size == box:
        return image
    canvas = Image.new("RGBA", box, (0, 0, 0, 0))
    canvas.paste(image, ((box[0] - image.width) // 2, (box[1] - image.height) // 2))
    return canvas
