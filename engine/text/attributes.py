"""``textAttr=res[,antiAliasing[,resMode[,wordWrap]]]`` (Adobe's textAttr page).

Default ``72,norm,fixedRes,wrap``. Keywords are case-insensitive; an empty position keeps its
default. Values a page marks as belonging to the other text command are read and then
replaced by what that command supports (documented in the README): ``textPs=`` renders
``autoRes``/``maxRes`` as ``fixedRes`` and ``noWrap``/``nbWrap`` as ``wrap``; ``text=`` draws
the Photoshop modes ``crisp``/``sharp``/``strong``/``smooth`` as ``norm``.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.errors import ParseError

ANTIALIASING = ("off", "norm", "crisp", "sharp", "strong", "smooth")
RES_MODES = ("fixedRes", "autoRes", "maxRes")
WORD_WRAPS = ("wrap", "noWrap", "nbWrap")
#: The largest ``res`` accepted (dpi); font sizes are limited separately.
MAX_RES = 10_000


@dataclass(frozen=True, slots=True)
class TextAttributes:
    res: float = 72.0
    antialias: bool = True
    res_mode: str = "fixedres"  # fixedres | autores | maxres
    word_wrap: str = "wrap"  # wrap | nowrap | nbwrap


def parse_text_attr(text: str | None, *, command: str, resolution: float) -> TextAttributes:
    """Read ``textAttr=`` for a ``command`` layer; ``resolution`` is the default ``res``."""
    parts = [] if text is None else [p.strip() for p in text.split(",")]
    if len(parts) > 4:
        raise ParseError(
            f"textAttr has {len(parts)} arguments",
            command="textAttr",
            text=text,
            expected="res[,antiAliasing[,resMode[,wordWrap]]]",
        )
    parts += [""] * (4 - len(parts))
    res = _res(parts[0], text, resolution)
    antialias = _keyword(parts[1], ANTIALIASING, 1, text) or "norm"
    res_mode = _keyword(parts[2], RES_MODES, 2, text) or "fixedres"
    wrap = _keyword(parts[3], WORD_WRAPS, 3, text) or "wrap"
    if command.lower() == "textps":
        res_mode, wrap = "fixedres", "wrap"
    return TextAttributes(res, antialias != "off", res_mode, wrap)


def _res(value: str, text: str | None, default: float) -> float:
    if not value:
        return default
    try:
        res = float(value)
    except ValueError:
        res = -1.0
    if not 0 < res <= MAX_RES:
        raise ParseError(
            f"textAttr resolution {value!r} is not a number of dpi",
            command="textAttr",
            argument=0,
            text=text,
            expected=f"a number greater than 0 and at most {MAX_RES}",
        )
    return res


def _keyword(value: str, allowed: tuple[str, ...], argument: int, text: str | None) -> str:
    word = value.lower()
    if word and word not in (a.lower() for a in allowed):
        raise ParseError(
            f"textAttr value {value!r} is not allowed here",
            command="textAttr",
            argument=argument,
            text=text,
            expected=" | ".join(allowed),
        )
    return word
