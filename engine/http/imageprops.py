"""IS ``req=imageprops``: the source image's properties, read from its header (no decode)."""

from __future__ import annotations

import io

from PIL import ImageCms

from engine.catalog import Asset, Company
from engine.source import open_source

_PIXEL_TYPES = {"CMYK": "CMYK", "L": "BW", "LA": "BW", "1": "BW", "I;16": "BW", "I": "BW"}


def image_properties(path: str, asset: Asset, company: Company, max_age: int) -> dict[str, str]:
    with open_source(path) as source:
        width, height = source.size
        icc = source.icc_profile
        mode, alpha, dpi = source.mode, source.has_alpha, source.dpi
    modified = asset.modified or asset.uploaded
    return {
        "image.anchor": f"{width // 2},{height // 2}",
        "image.embeddedIccProfile": "1" if icc else "0",
        "image.expiration": format(max_age / 3600, "g"),
        "image.height": str(height),
        "image.iccProfile": _profile_name(icc),
        "image.mask": "2" if alpha else "0",
        "image.modifier": asset.url_modifier,
        "image.pixTyp": _PIXEL_TYPES.get(mode, "RGB"),
        "image.postModifier": asset.url_post_modifier,
        "image.printRes": format(dpi or 72, "g"),
        "image.timeStamp": modified.strftime("%a %b %d %H:%M:%S UTC %Y"),
        "image.translatedId": f"{company.name}/{asset.name}",
        "image.width": str(width),
    }


def _profile_name(icc: bytes | None) -> str:
    if not icc:
        return ""
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.getProfileDescription(profile).strip()
    except (OSError, ImageCms.PyCMSError, ValueError):
        return ""
