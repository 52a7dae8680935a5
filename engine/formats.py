"""What a format plugin declares: :class:`Format` and the :class:`EncodeOptions` it receives."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from PIL import Image


@dataclass(frozen=True, slots=True)
class Quantize:
    """``quantize=type,dither,numColors,colorList`` (colorList: lowercase ``rrggbb`` strings)."""

    type: str = "adaptive"
    dither: str = "diffuse"
    num_colors: int = 256
    color_list: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class EncodeOptions:
    """Everything the request says about encoding, already defaulted and validated.

    The image handed to ``encode`` is already in the requested pixel type ("RGB"/"RGBA",
    "L"/"LA" or "CMYK") and, for formats without alpha, flattened onto ``bgc``.
    """

    pixel_type: str = "rgb"  # rgb | gray | cmyk
    compression: str | None = None  # as given in fmt=...,...,compression (None = format default)
    quality: int = 80
    chroma: bool = False  # True = qlt second value 1: no chroma subsampling
    pscan: str = "auto"
    quantize: Quantize = field(default_factory=Quantize)
    jpeg_size_kb: float = 0.0  # 0 = no limit
    icc_profile: bytes | None = None  # profile to embed (iccEmbed=1 and the format supports it)
    print_res: float | None = None  # DPI metadata
    progressive: bool = False


Encoder = Callable[[Image.Image, EncodeOptions], bytes]


@dataclass(frozen=True)
class Format:
    """An output format (``fmt=`` value) and how to encode it.

    ``encode`` is ``None`` for a documented format this installation cannot write: asking for
    it is a clear "format not supported" error. ``compressions[0]`` is the default compression.
    """

    name: str
    mime_type: str
    extension: str
    encode: Encoder | None
    aliases: tuple[str, ...] = ()
    alpha: bool = False
    pixel_types: tuple[str, ...] = ("rgb",)
    compressions: tuple[str, ...] = ()
    options: tuple[str, ...] = ()  # request commands it honours: qlt, pscan, quantize ...
    description: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


class Output(NamedTuple):
    """The reply's format plugin, pixel type and compression (``fmt=``), as the renderer
    resolved them once for a request; operations find it on ``RenderContext.output``."""

    format: Format
    pixel_type: str
    compression: str | None

    @property
    def alpha(self) -> bool:
        return self.format.alpha
