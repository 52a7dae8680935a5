"""Tone and colour adjustments: ``op_brightness``, ``op_contrast``, ``op_colorbalance``,
``op_colorize``, ``op_hue``, ``op_saturation`` and ``op_invert``.

IS publishes no formulas; these are ours. ``v`` is a channel value 0..255, results are rounded
to the nearest integer and clipped to 0..255:

* ``op_brightness=a``: ``v + 2.55·a`` (a shift by ``a`` % of full scale).
* ``op_contrast=a``: ``127.5 + k·(v − 127.5)``, pushing values away from 50 %; ``k = 1 + a/100``
  for ``a ≤ 0`` (−100 gives flat 50 % gray) and ``k = 100/(100 − a)`` for ``a > 0`` (100 is a
  threshold at 50 %).
* ``op_colorbalance=r,g,b``: each channel shifted like brightness by its own amount.
* ``op_colorize=color[,norm|off[,contrast]]``: only the luminance ``Y`` (Rec. 601, Pillow's
  ``convert("L")``, not colour-managed) is used. ``norm`` first applies the gamma that puts the
  median luminance of the visible pixels at 50 %; then, if ``contrast`` c > 0, deviations from
  50 % are scaled so that their root mean square is c % of its maximum (0.5), clipped.
  ``off`` uses ``Y`` as is and ignores ``contrast``. ``Y`` then maps piecewise linearly
  black → ``color`` → white (0 % → black, 50 % → the colour, 100 % → white), which keeps
  shadows and highlights. The colour's alpha and ``s`` suffix are ignored.
* ``op_hue=d``: rotation of the HSV hue by ``d`` degrees, computed in floating point; value
  and saturation (so each pixel's max and min channel) are unchanged.
* ``op_saturation=a``: ``Y + (1 + a/100)·(v − Y)``, Pillow's ``Image.blend`` with the Rec. 601
  gray (truncating): −100 is fully gray (R = G = B = Y), +100 doubles the chroma.
* ``op_invert=1``: ``255 − v``.

The commands run in the pipeline's declared order (``engine.stages.PIPELINE``), whatever
their order in the request: brightness, contrast, colorize, hue, saturation, colorbalance,
invert (IS documents brightness and contrast as adjustments *before* colorizing).
Consecutive per-channel curves (brightness, contrast;
colorbalance, invert; all four when nothing runs in between) are fused into one lookup table,
so the image is traversed once for them. Each step still rounds to 8 bits, exactly as if it
ran alone.

Alpha is never changed. Gray images stay gray unless an operation introduces colour: IS
converts them naively to RGB for these "RGB operations", which changes nothing for brightness,
contrast, hue, saturation and invert; ``op_colorbalance`` with unequal amounts and
``op_colorize`` make them RGB(A).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from engine.hookspecs import hookimpl
from engine.operations import Operation, RenderContext
from engine.plan import Node
from engine.stages import Stage

if TYPE_CHECKING:
    from engine.registry import Registrar

COMMANDS = (
    "op_brightness",
    "op_contrast",
    "op_colorize",
    "op_hue",
    "op_saturation",
    "op_colorbalance",
    "op_invert",
)

_LEVELS = np.arange(256, dtype=np.float64)
_GRAY = ("L", "LA")
_WITH_ALPHA = ("LA", "RGBA")
#: op_hue works on bands of about this many pixels, so its float planes stay bounded.
_BAND_PIXELS = 1 << 20

#: A per-channel curve: shape (3, 256), uint8; row c maps the values of colour channel c.
Curve = np.ndarray


def _curve(values: np.ndarray) -> Curve:
    """Round and clip ``values`` (shape (256,) or (3, 256)) into a 3-channel curve."""
    rounded = np.clip(np.rint(values), 0, 255).astype(np.uint8)
    return np.broadcast_to(rounded, (3, 256))


def _brightness(node: Node) -> Curve | None:
    amount = node.arg("amount")
    return _curve(_LEVELS + 2.55 * amount) if amount else None


def _contrast(node: Node) -> Curve | None:
    amount = node.arg("amount")
    if not amount:
        return None
    if amount < 0:
        slope = 1 + amount / 100
    elif amount < 100:
        slope = 100 / (100 - amount)
    else:
        slope = 256.0  # every |v − 127.5| ≥ 0.5 saturates: a threshold at 50 %
    return _curve(127.5 + slope * (_LEVELS - 127.5))


def _colorbalance(node: Node) -> Curve | None:
    amounts = np.array([node.arg("r"), node.arg("g"), node.arg("b")], dtype=np.float64)
    if not amounts.any():
        return None
    return _curve(_LEVELS + 2.55 * amounts[:, None])


def _invert(node: Node) -> Curve | None:
    return _curve(255 - _LEVELS) if node.arg("invert") else None


_CURVES: dict[str, Callable[[Node], Curve | None]] = {
    "op_brightness": _brightness,
    "op_contrast": _contrast,
    "op_colorbalance": _colorbalance,
    "op_invert": _invert,
}


def _apply_curve(image: Image.Image, curve: Curve | None) -> Image.Image:
    """One lookup pass over the colour channels; alpha maps to itself."""
    if curve is None:
        return image
    if image.mode in _GRAY and not (curve == curve[0]).all():
        image = image.convert("RGBA" if image.mode == "LA" else "RGB")
    rows = curve[:1] if image.mode in _GRAY else curve
    table = rows.ravel().tolist()
    if image.mode in _WITH_ALPHA:
        table += range(256)
    return image.point(table)


def _luminance_levels(luma: Image.Image, alpha: Image.Image | None, node: Node) -> np.ndarray:
    """The compensated luminance (0..1) that each input luminance level 0..255 becomes."""
    levels = _LEVELS / 255
    if node.arg("mode") == "off":
        return levels
    hist = np.asarray(luma.histogram(mask=alpha), dtype=np.float64)
    if not hist.any():  # nothing visible: measure every pixel
        hist = np.asarray(luma.histogram(), dtype=np.float64)
    total = hist.sum()
    median = int(np.searchsorted(np.cumsum(hist), total / 2))
    median = min(max(median, 1), 254) / 255
    levels = levels ** (math.log(0.5) / math.log(median))
    contrast = node.arg("contrast")
    if contrast:
        rms = math.sqrt(float(hist @ (levels - 0.5) ** 2) / total)
        if rms > 0:
            levels = np.clip(0.5 + (contrast / 200 / rms) * (levels - 0.5), 0.0, 1.0)
    return levels


def _colorize(image: Image.Image, node: Node) -> Image.Image:
    alpha = image.getchannel("A") if image.mode in _WITH_ALPHA else None
    luma = image if image.mode == "L" else image.convert("L")
    levels = _luminance_levels(luma, alpha, node)
    color = np.array(node.arg("color").to_rgb8(), dtype=np.float64)[:, None] / 255
    mapped = np.where(levels <= 0.5, color * 2 * levels, color + (1 - color) * (2 * levels - 1))
    result = luma.convert("RGB").point(_curve(mapped * 255).ravel().tolist())
    if alpha is not None:
        result.putalpha(alpha)
    return result


def _hue(image: Image.Image, node: Node) -> Image.Image:
    degrees = node.arg("degrees")
    if not degrees or image.mode in _GRAY:
        return image
    pixels = np.array(image)
    rows = max(1, _BAND_PIXELS // image.width)
    for top in range(0, image.height, rows):  # bands: the float planes stay small
        _rotate_hue(pixels[top : top + rows], np.float32(degrees / 60))
    return Image.fromarray(pixels)


def _rotate_hue(pixels: np.ndarray, sextants: np.float32) -> None:
    """Rotate the HSV hue of the colour channels of ``pixels`` in place."""
    # Contiguous float planes, and arithmetic on 0/1 masks rather than np.where and %: this
    # runs on whole images, where branchy element-wise selection is several times slower.
    red, green, blue = np.moveaxis(pixels[..., :3], 2, 0).astype(np.float32, order="C")
    high = np.maximum(np.maximum(red, green), blue)
    chroma = high - np.minimum(np.minimum(red, green), blue)
    is_red = (high == red).astype(np.float32)  # which channel is the maximum (red wins ties)
    is_green = (high == green) * (1 - is_red)
    is_blue = 1 - is_red - is_green
    # HSV hue in sextants, 0..6; gray pixels (chroma 0) come back unchanged whatever it is.
    hue = is_red * (green - blue) + is_green * (blue - red) + is_blue * (red - green)
    np.divide(hue, chroma, out=hue, where=chroma > 0)
    hue += 2 * is_green + 4 * is_blue + sextants
    hue -= 6 * np.floor(hue / 6)
    for channel, offset in enumerate((5, 3, 1)):  # HSV to RGB: V − C·clip(min(k, 4 − k), 0, 1)
        k = hue + offset
        k -= 6 * (k >= 6)
        weight = np.clip(np.minimum(k, 4 - k), 0, 1, out=k)
        pixels[..., channel] = np.rint(high - chroma * weight)


def _saturation(image: Image.Image, node: Node) -> Image.Image:
    amount = node.arg("amount")
    if not amount or image.mode in _GRAY:
        return image
    gray = image.convert("LA" if image.mode == "RGBA" else "L").convert(image.mode)
    return Image.blend(gray, image, 1 + amount / 100)


_STEPS: dict[str, Callable[[Image.Image, Node], Image.Image]] = {
    "op_colorize": _colorize,
    "op_hue": _hue,
    "op_saturation": _saturation,
}


def _adjust(image: Image.Image, nodes: Mapping[str, Node], ctx: RenderContext) -> Image.Image:
    pending: Curve | None = None  # curves not applied yet, so consecutive ones fuse
    for node in nodes.values():  # in the pipeline's declared order (engine.stages.PIPELINE)
        command = node.command.lower()
        make_curve = _CURVES.get(command)
        if make_curve is not None:
            curve = make_curve(node)
            if curve is not None:
                pending = curve if pending is None else np.take_along_axis(curve, pending, 1)
            continue
        image = _STEPS[command](_apply_curve(image, pending), node)
        pending = None
    return _apply_curve(image, pending)


def _reach(nodes: Mapping[str, Node], ctx: RenderContext) -> float | None:
    """Per-pixel, except ``op_colorize``'s ``norm``, which measures the whole image."""
    colorize = nodes.get("op_colorize")
    return None if colorize is not None and colorize.arg("mode") == "norm" else 0.0


@hookimpl
def isrender_register_operations(register: Registrar) -> None:
    register.operation(
        Operation(
            name="adjust",
            stage=Stage.FILTER,
            apply=_adjust,
            reach=_reach,
            commands=COMMANDS,
            description="brightness, contrast, colour balance, colorize, hue, saturation, invert",
        )
    )
