"""Helpers every built-in encoder shares: storable modes, compression checks, Pillow saves."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

from engine.errors import LimitError, RenderError
from engine.formats import EncodeOptions

_GRAY_MODES = frozenset({"1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"})


def storable(
    image: Image.Image, *, alpha: bool, gray: bool = True, cmyk: bool = False
) -> Image.Image:
    """``image`` in a mode the format can write.

    The renderer already hands over the requested pixel type; this only converts what the
    format cannot store (CMYK for a format without CMYK → RGB, gray for an RGB-only format →
    RGB, an alpha channel added for an ``-alpha`` format or dropped for the others).
    """
    if image.mode == "CMYK" and cmyk and not alpha:
        return image
    if gray and image.mode in _GRAY_MODES:
        target = "LA" if alpha else "L"
    else:
        target = "RGBA" if alpha else "RGB"
    return image if image.mode == target else image.convert(target)


def compression(name: str, allowed: tuple[str, ...], options: EncodeOptions) -> str | None:
    """The compression to use: the request's, else the format default (``allowed[0]``)."""
    if options.compression is None:
        return allowed[0] if allowed else None
    if options.compression not in allowed:
        expected = "|".join(allowed) if allowed else "no compression option"
        raise RenderError(
            f"fmt={name} does not take compression {options.compression}; expected {expected}"
        )
    return options.compression


def check_size(image: Image.Image, name: str, max_side: int) -> None:
    """Refuse an empty image or one larger than the format can hold, before encoding."""
    width, height = image.size
    if width < 1 or height < 1:
        raise RenderError(f"fmt={name} cannot encode an empty {width}x{height} image")
    if width > max_side or height > max_side:
        raise LimitError(
            f"fmt={name} holds at most {max_side}x{max_side} pixels; the image is {width}x{height}"
        )


def dpi(options: EncodeOptions) -> dict[str, tuple[float, float]]:
    """Pillow's ``dpi=`` save parameter for ``printRes=`` (nothing when not set)."""
    if options.print_res is None:
        return {}
    return {"dpi": (options.print_res, options.print_res)}


def save(image: Image.Image, name: str, pillow_format: str, **params: Any) -> bytes:
    """Encode with Pillow; its failures become a :class:`RenderError` naming the format."""
    buffer = io.BytesIO()
    try:
        image.save(buffer, pillow_format, **params)
    except (OSError, ValueError, TypeError) as exc:
        raise RenderError(f"fmt={name}: the {pillow_format} encoder failed: {exc}") from None
    return buffer.getvalue()
