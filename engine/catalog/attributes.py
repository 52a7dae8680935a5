"""Per-company IS attributes: the image catalog's ``attribute::`` fields that ``isrender serve``
reads (reference §3.6, §3.7). Names are case-insensitive; an empty value removes the
attribute, so its default applies again.
"""

from __future__ import annotations

import math

from engine.errors import ApiFault

#: name → (what it means, the values it takes)
ATTRIBUTES: dict[str, tuple[str, str]] = {
    "ErrorImage": (
        "a template or image of the company answered with status 200 instead of an error, at "
        "the request's wid/hei/fmt/qlt when those are valid; $error.title$ and $error.message$ "
        "in it show the error (empty: errors get their status)",
        "a template name or an asset name",
    ),
    "ErrorDetail": (
        "error message detail: 0 and 1 the title only (e.g. 'Bad request'), 2 and 3 the full "
        "message (default 2)",
        "0, 1, 2 or 3",
    ),
    "ErrorStatus": (
        "'precise' (default): each error its own status; 'scene7': 403 for every error of a "
        "request, as Scene7 answers (404, 503 and 504 included)",
        "precise or scene7",
    ),
    "Expiration": (
        "hours a client or CDN may cache an image (default: the server's --max-age); 0 means "
        "no caching, -1 never expires",
        "a number of hours, 0 or more, or -1",
    ),
    "ApplyEffectMask": (
        "1 (default): effect layers are masked by their parent's shape (outer effects cut "
        "away under it, inner ones kept within it); 0: not (a request's effectMask= overrides)",
        "0 or 1",
    ),
    "NonImgExpiration": (
        "the same for req=props, imageprops and exists",
        "a number of hours, 0 or more, or -1",
    ),
}


def check_attribute(name: str, value: str) -> tuple[str, str]:
    """The attribute's canonical name and value; ApiFault 30001 for an unknown name or a
    value it does not take."""
    canonical = next((known for known in ATTRIBUTES if known.lower() == name.strip().lower()), None)
    if canonical is None:
        raise ApiFault(
            f"unknown company attribute {name!r}; expected one of {', '.join(ATTRIBUTES)}",
            code=ApiFault.INVALID_PARAMETER,
        )
    value = value.strip()
    if value and not _valid(canonical, value):
        raise ApiFault(
            f"invalid value {value!r} for attribute {canonical}; expected "
            f"{ATTRIBUTES[canonical][1]}",
            code=ApiFault.INVALID_PARAMETER,
        )
    return canonical, value.lower() if canonical == "ErrorStatus" else value


def _valid(name: str, value: str) -> bool:
    if name == "ErrorDetail":
        return value in ("0", "1", "2", "3")
    if name == "ApplyEffectMask":
        return value in ("0", "1")
    if name == "ErrorStatus":
        return value.lower() in ("precise", "scene7")
    if name.endswith("Expiration"):
        try:
            hours = float(value)
        except ValueError:
            return False
        return math.isfinite(hours) and (hours >= 0 or hours == -1) and hours < 1e6
    return True
