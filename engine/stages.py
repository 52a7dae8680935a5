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


#: The one declared pipeline order of the pixel commands: the plan lists a layer's commands in
#: this order, prints them so, and the renderer runs them so (consecutive commands of one
#: operation form one call). Stages come from the command signatures; within a stage the order
#: is this table's. Commands not listed (a plugin's ``op_sepia``) follow the listed ones of
#: their stage, by name. IS documents the layer transforms (crop → size/scale/res → flip →
#: rotate → extend, ``r-layer-transforms.md``) and that sharpening follows the view transform
#: for the composite; the order among the filters is ours: tone and colour first (brightness
#: and contrast before colorize, as ``op_colorize`` documents), then the neighbourhood filters,
#: then noise, so that noise is neither blurred nor grown.
PIPELINE: tuple[str, ...] = (
    "crop", "cropN",
    "size", "sizeN", "scale", "res",
    "flip",
    "rotate",
    "extend", "extendN",
    "op_brightness", "op_contrast", "op_colorize", "op_hue", "op_saturation",
    "op_colorbalance", "op_invert", "op_grow", "op_blur", "op_noise",
    "rect",
    "op_sharpen", "op_usm", "op_usmR",
)  # fmt: skip
PIPELINE_RANK = {name.lower(): rank for rank, name in enumerate(PIPELINE)}

#: Layer commands that, under ``layer=comp`` (every request without ``layer=``), act on the
#: flattened composite after layer 0 is complete; every other layer command there is assigned
#: to layer 0 (``r-flip.md``: "when layer=comp, extend= is applied before flip="; ``r-opac.md``:
#: "applies ... to the composite image if layer=comp"; ``r-clippath.md`` and ``r-clipxpath.md``
#: likewise). Filters (``op_*``) are composite commands there too: their stage is after the
#: layer transforms.
COMPOSITE_SCOPED = frozenset({"flip", "opac", "clippath", "clipxpath", "clippathe", "clipxpathe"})


class Scope(Enum):
    """Whether a command belongs to a layer or to the whole request (§1.6 rule 3)."""

    LAYER = "layer"
    VIEW = "view"
    REQUEST = "request"

    @property
    def is_global(self) -> bool:
        return self is not Scope.LAYER
