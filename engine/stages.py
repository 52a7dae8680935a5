"""Where each command runs: IS's fixed pipeline order and a command's scope."""

from __future__ import annotations

from enum import Enum, IntEnum


class Stage(IntEnum):
    """Pipeline position of a command; nodes of a plan run in this order.

    Source transforms follow IS's layer transform order (crop → size/scale/res → flip →
    rotate → extend), then filters, then the view transform, ``rect=``, sharpening of the
    composite after scaling, and finally the output (encoder) settings.
    """

    REQUEST = 0  # req, cache, id, locale ...: about the request, no pixels
    LAYER = 5  # layer definition: src, text, color, pos, opac, mask ...
    CROP = 10
    SIZE = 20
    FLIP = 30
    ROTATE = 40
    EXTEND = 50
    FILTER = 60
    VIEW = 70
    RECT = 80
    SHARPEN = 90
    OUTPUT = 100


class Scope(Enum):
    """Whether a command belongs to a layer or to the whole request (§1.6 rule 3)."""

    LAYER = "layer"
    VIEW = "view"
    REQUEST = "request"

    @property
    def is_global(self) -> bool:
        return self is not Scope.LAYER
