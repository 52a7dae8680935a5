"""What an export job does with each asset, by its IPS asset type (reference §4.3, §4.4).

- The eight set types ExportJob does not support are refused, one error entry each; the
  other assets of the job still export.
- ``fmt=orig``: every other asset goes out as its original bytes.
- ``fmt=convert``: images are rendered through Image Serving; every other type goes out as
  its original with a warning entry (DMC: "all others are exported as originals").
"""

from __future__ import annotations

from enum import Enum

#: IPS asset type → the name Adobe's ExportJob page gives the refused kind.
UNSUPPORTED_TYPES = {
    "imageset": "Image Sets",
    "renderset": "Render Sets",
    "spinset": "Spin Sets",
    "mediaset": "Media Sets",
    "multibitratevideoset": "Multi-bitrate Sets",
    "videoset": "Video Sets",
    "ecatalog": "eCatalogs",
    "offerset": "Offer Sets",
}

CONVERTIBLE_TYPES = frozenset({"image"})


class Action(Enum):
    REFUSE = "refuse"
    ORIGINAL = "original"
    CONVERT = "convert"
    ORIGINAL_INSTEAD = "original-instead"  # convert job, type that cannot be converted


def action_for(asset_type: str, fmt: str) -> Action:
    """How a job with ``fmt`` treats an asset of IPS type ``asset_type`` (case-insensitive)."""
    key = asset_type.lower()
    if key in UNSUPPORTED_TYPES:
        return Action.REFUSE
    if fmt == "orig":
        return Action.ORIGINAL
    return Action.CONVERT if key in CONVERTIBLE_TYPES else Action.ORIGINAL_INSTEAD


def refusal_reason(asset_type: str) -> str:
    kind = UNSUPPORTED_TYPES[asset_type.lower()]
    return f"{asset_type} assets cannot be exported: ExportJob does not support {kind}"
