"""``quantize=`` for the palette formats (gif, gif-alpha, png8, png8-alpha).

``type`` picks the palette: ``adaptive`` (an octree over the image, ``numColors`` entries),
``web`` (the 216-colour web-safe cube) or ``mac`` (the classic 256-colour Macintosh system
palette; refused for the key-colour formats because it leaves no entry for the key).
``colorList`` forces colours into the palette whatever the type: when it holds fewer than
``numColors`` colours the rest are computed from the image, as Adobe documents for the
adaptive palette. ``numColors`` only sizes adaptive palettes. ``dither=diffuse`` maps pixels
with Floyd–Steinberg error diffusion, ``off`` maps each to its nearest palette colour.

The key-colour formats get one extra entry, index 0, for pixels with alpha below 128; the
other entries (at most 255) are computed from the opaque pixels only.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from engine.errors import RenderError
from engine.formats import Quantize

RGB = tuple[int, int, int]

_WEB_LEVELS = (0, 51, 102, 153, 204, 255)
#: The values between the web-safe levels, brightest first, for the Mac palette's ramps.
_MAC_RAMP = (238, 221, 187, 170, 136, 119, 85, 68, 34, 17)
_ALPHA_THRESHOLD = 128


def web_palette() -> list[RGB]:
    """The 216 web-safe colours: every combination of 00, 33, 66, 99, cc, ff."""
    return [(r, g, b) for r in _WEB_LEVELS for g in _WEB_LEVELS for b in _WEB_LEVELS]


def mac_palette() -> list[RGB]:
    """The classic Macintosh 8-bit system palette (System 7 ``clut`` id 8), in its order.

    White to 000033 through the web-safe cube (215 colours, black left out), then ramps of
    the ten in-between levels for red, green, blue and gray, then black: 256 colours.
    """
    down = _WEB_LEVELS[::-1]
    cube = [(r, g, b) for r in down for g in down for b in down][:-1]
    reds = [(v, 0, 0) for v in _MAC_RAMP]
    greens = [(0, v, 0) for v in _MAC_RAMP]
    blues = [(0, 0, v) for v in _MAC_RAMP]
    grays = [(v, v, v) for v in _MAC_RAMP]
    return [*cube, *reds, *greens, *blues, *grays, (0, 0, 0)]


def quantize(image: Image.Image, spec: Quantize, *, name: str, key: bool) -> Image.Image:
    """A "P" image of ``image`` whose palette holds only the colours it uses.

    With ``key`` the transparent pixels use index 0, recorded in ``info["transparency"]``.
    """
    if key and spec.type == "mac":
        raise RenderError(
            f"quantize=mac is not available for fmt={name}: the Mac palette has no room for "
            "the transparent key colour; use quantize=adaptive or quantize=web"
        )
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    if not key:  # the common case stays in Pillow: no numpy round trip
        palette = _palette(spec, rgb, name=name, limit=256)
        mapped = _map(rgb, palette, spec.dither)
        if len(mapped.getcolors(256) or ()) == len(palette):
            return mapped  # every entry used: nothing to compact
        return _compact(np.asarray(mapped), palette, transparency=None)
    alpha = _alpha(image)
    pixels = np.asarray(rgb).reshape(-1, 3)
    visible = pixels[alpha.reshape(-1) >= _ALPHA_THRESHOLD]
    sample = Image.frombytes("RGB", (len(visible), 1), np.ascontiguousarray(visible).tobytes())
    palette = _palette(spec, sample if len(visible) else None, name=name, limit=255)
    if palette:
        indices = np.asarray(_map(rgb, palette, spec.dither))
    else:  # nothing visible: every pixel is the key
        indices = np.zeros((rgb.height, rgb.width), np.uint8)
    indices = np.where(alpha >= _ALPHA_THRESHOLD, indices.astype(np.int16) + 1, 0)
    return _compact(indices, [_key_colour(palette), *palette], transparency=0)


def _alpha(image: Image.Image) -> np.ndarray:
    """The alpha channel (all opaque when ``image`` has none: the key entry stays unused)."""
    if image.mode in ("RGBA", "LA"):
        return np.asarray(image.getchannel("A"))
    if image.mode == "P" and "transparency" in image.info:
        return np.asarray(image.convert("RGBA").getchannel("A"))
    return np.full((image.height, image.width), 255, np.uint8)


def _palette(spec: Quantize, visible: Image.Image | None, *, name: str, limit: int) -> list[RGB]:
    """The palette for the visible pixels (``None``: there are none)."""
    forced = list(dict.fromkeys(_parse(c) for c in spec.color_list))
    if len(forced) > limit:
        raise RenderError(
            f"quantize colorList has {len(forced)} colours; fmt={name} holds at most {limit}"
        )
    if visible is None:
        return forced
    if not forced:
        if spec.type == "web":
            return web_palette()
        if spec.type == "mac":
            return mac_palette()
        return _adaptive(visible, min(spec.num_colors, limit))
    size = min(max(spec.num_colors, len(forced)), limit)
    if len(forced) == size:
        return forced
    return _with_forced(_adaptive(visible, size), forced)


def _parse(colour: str) -> RGB:
    try:
        value = int(colour, 16)
    except ValueError:
        value = -1
    if len(colour) != 6 or value < 0:
        raise RenderError(f"quantize colorList entry {colour!r} is not an rrggbb hex colour")
    return (value >> 16, (value >> 8) & 0xFF, value & 0xFF)


def _adaptive(visible: Image.Image, colours: int) -> list[RGB]:
    """An octree palette of at most ``colours`` entries for the given pixels.

    Pillow's fast octree is ~60 times quicker than its median cut; its own pixel assignment is
    poor, but every pixel is re-mapped to the palette afterwards, and so mapped its palettes
    match median cut's error (measured: within ±10 % RMS, better on smooth images).
    """
    reduced = visible.quantize(colours, method=Image.Quantize.FASTOCTREE)
    flat = reduced.getpalette() or []
    used = sorted(index for _, index in reduced.getcolors(256) or [])
    return [(flat[3 * i], flat[3 * i + 1], flat[3 * i + 2]) for i in used]


def _with_forced(adaptive: list[RGB], forced: list[RGB]) -> list[RGB]:
    """The forced colours plus the adaptive ones, each forced colour replacing its nearest."""
    remaining = np.array(adaptive, dtype=np.int32).reshape(-1, 3)
    keep = np.ones(len(remaining), dtype=bool)
    for colour in forced:
        if not keep.any():
            break
        distance = ((remaining - colour) ** 2).sum(axis=1)
        distance[~keep] = np.iinfo(np.int32).max
        keep[int(distance.argmin())] = False
    extra = [tuple(int(v) for v in c) for c in remaining[keep]]
    return [*forced, *(c for c in extra if c not in forced)]  # type: ignore[misc]


def _map(rgb: Image.Image, palette: list[RGB], dither: str) -> Image.Image:
    target = Image.new("P", (1, 1))
    target.putpalette([v for colour in palette for v in colour])
    mode = Image.Dither.FLOYDSTEINBERG if dither == "diffuse" else Image.Dither.NONE
    return rgb.quantize(palette=target, dither=mode)


def _key_colour(palette: list[RGB]) -> RGB:
    """A colour for the transparent entry that no visible entry uses (magenta if free)."""
    taken = set(palette)
    return next(c for c in ((i, 255 - i, i) for i in range(255, -1, -1)) if c not in taken)


def _compact(indices: np.ndarray, palette: list[RGB], *, transparency: int | None) -> Image.Image:
    """Drop unused palette entries (keeping the key first), so files carry small palettes."""
    used = np.flatnonzero(np.bincount(indices.reshape(-1), minlength=len(palette)))
    if transparency is not None and transparency not in used:
        used = np.concatenate(([transparency], used))
    lut = np.zeros(len(palette), dtype=np.uint8)
    lut[used] = np.arange(len(used), dtype=np.uint8)
    height, width = indices.shape
    result = Image.frombytes("P", (width, height), lut[indices].tobytes())
    result.putpalette([v for i in used for v in palette[i]])
    if transparency is not None:
        result.info["transparency"] = int(lut[transparency])
    return result
