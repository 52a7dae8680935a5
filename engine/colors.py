"""IS colour values (§1.7): gray, RGB and CMYK, decimal or hex, with optional alpha.

Decisions on the reference's inconsistent rows (documented in README, tested):

* A hex component is a byte 0..FF scaled to the channel's range, for every pixel type. So
  hex CMYK ``38393A3bK`` is 21.96/22.35/22.75/23.14 %, not the 56-59 % the Adobe table prints
  (that table reads the byte as a percentage, which would make ``FF`` 255 %).
* ``hex2`` gray (``0X70G``) carries no alpha: it is opaque, not 44 % as the table prints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.errors import ColorError

_HEX = re.compile(r"[0-9a-fA-F]+\Z")
_DECIMAL = re.compile(r"[0-9]+(\.[0-9]+)?\Z")
_BYTE = re.compile(r"[0-9]{1,3}\Z")


@dataclass(frozen=True, slots=True)
class Color:
    """A colour in one pixel type; channels and alpha are fractions 0..1 (not premultiplied).

    ``source`` is the ``s`` suffix: the colour is in the source image's colour space.
    """

    space: str  # "gray" | "rgb" | "cmyk"
    channels: tuple[float, ...]
    alpha: float = 1.0
    source: bool = False

    def to_rgb8(self) -> tuple[int, int, int]:
        """The colour as 8-bit RGB (naive conversion for gray and CMYK)."""
        if self.space == "rgb":
            r, g, b = self.channels
        elif self.space == "gray":
            r = g = b = self.channels[0]
        else:
            c, m, y, k = self.channels
            r, g, b = (1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k)
        return (_byte(r), _byte(g), _byte(b))

    def to_rgba8(self) -> tuple[int, int, int, int]:
        return (*self.to_rgb8(), _byte(self.alpha))

    def to_is(self) -> str:
        """Canonical IS text, which :func:`parse_color` reads back to this very colour.

        RGB is ``rrggbb[aa]``. Gray and CMYK are percentages when they were written as such,
        and hex bytes when they were written in hex (``0x70`` is 43.921568... %, which no
        short percentage reproduces).
        """
        suffix = "s" if self.source else ""
        values = (*self.channels, self.alpha) if self.alpha < 1.0 else self.channels
        kind = "k" if self.space == "cmyk" else ""
        if self.space != "rgb" and all(round(v, PERCENT_DECIMALS + 2) == v for v in values):
            return ",".join(_percent(v) for v in values) + kind + suffix
        prefix = "0x" if self.space == "gray" else ""  # hex gray needs it
        return prefix + "".join(f"{_byte(v):02x}" for v in values) + kind + suffix


#: Gray and CMYK percentages are kept to this many decimals (0.0001 %), so that a parsed
#: colour prints back exactly.
PERCENT_DECIMALS = 4


def _byte(fraction: float) -> int:
    return max(0, min(255, round(fraction * 255)))


def _percent(fraction: float) -> str:
    return f"{fraction * 100:.{PERCENT_DECIMALS}f}".rstrip("0").rstrip(".")


def parse_color(text: str) -> Color:
    """Parse one IS colour value; raises :class:`~engine.errors.ColorError` (a
    :class:`~engine.errors.ParseError`) saying what was wrong."""
    body = text.strip()
    source = False
    if body[-1:] in ("s", "S"):
        source, body = True, body[:-1]
    kind = ""
    if body[-1:].lower() in ("r", "g", "k"):
        kind, body = body[-1].lower(), body[:-1]
    if not body:
        raise ColorError(f"no colour value in {text!r}")
    parts = body.split(",")
    if len(parts) == 1:
        return _single(parts[0], kind, source, text)
    if kind == "k" or len(parts) == 5:
        if kind != "k":
            raise ColorError(f"a 5-part colour is CMYK+alpha and needs the 'k' suffix: {text!r}")
        if len(parts) not in (4, 5):
            raise ColorError(f"CMYK takes 4 or 5 components, got {len(parts)}: {text!r}")
        values = [_percent_value(p, text) for p in parts]
        return Color("cmyk", tuple(values[:4]), values[4] if len(values) == 5 else 1.0, source)
    if len(parts) == 2:
        _expect_kind(kind, "g", text)
        gray, alpha = (_percent_value(p, text) for p in parts)
        return Color("gray", (gray,), alpha, source)
    if len(parts) in (3, 4):
        _expect_kind(kind, "r", text)
        values = [_byte_value(p, text) for p in parts]
        return Color("rgb", tuple(values[:3]), values[3] if len(values) == 4 else 1.0, source)
    raise ColorError(f"a colour has 1 to 5 components, got {len(parts)}: {text!r}")


def _single(part: str, kind: str, source: bool, text: str) -> Color:
    prefixed = part[:2].lower() == "0x"
    digits = part[2:] if prefixed else part
    hexadecimal = _HEX.match(digits) is not None
    if prefixed or kind == "k" or (len(digits) in (6, 8) and hexadecimal):
        if not hexadecimal:
            raise ColorError(f"bad hex colour {text!r}")
        if len(digits) % 2:
            raise ColorError(f"hex colour needs an even number of digits: {text!r}")
        values = [byte / 255 for byte in bytes.fromhex(digits)]
        if kind == "k":
            if len(values) not in (4, 5):
                raise ColorError(f"hex CMYK is CCMMYYKK[AA]: {text!r}")
            return Color("cmyk", tuple(values[:4]), values[4] if len(values) == 5 else 1.0, source)
        if len(values) in (1, 2):
            if not prefixed:
                raise ColorError(f"hex gray needs the 0x prefix: {text!r}")
            _expect_kind(kind, "g", text)
            return Color("gray", (values[0],), values[1] if len(values) == 2 else 1.0, source)
        if len(values) in (3, 4):
            _expect_kind(kind, "r", text)
            return Color("rgb", tuple(values[:3]), values[3] if len(values) == 4 else 1.0, source)
        raise ColorError(f"hex colour has 2, 4, 6, 8 or 10 digits: {text!r}")
    _expect_kind(kind, "g", text)
    return Color("gray", (_percent_value(part, text),), 1.0, source)


def _expect_kind(kind: str, allowed: str, text: str) -> None:
    if kind and kind != allowed:
        raise ColorError(f"suffix '{kind}' does not fit this colour: {text!r}")


def _percent_value(part: str, text: str) -> float:
    if not _DECIMAL.match(part) or float(part) > 100:
        raise ColorError(f"gray/CMYK components are percentages 0..100: {part!r} in {text!r}")
    return round(float(part) / 100, PERCENT_DECIMALS + 2)


def _byte_value(part: str, text: str) -> float:
    if not _BYTE.match(part) or int(part) > 255:
        raise ColorError(f"RGB components are integers 0..255: {part!r} in {text!r}")
    return int(part) / 255
