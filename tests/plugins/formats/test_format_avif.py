"""fmt=avif/avif-alpha: lossy quality, near-lossless "lossless", alpha."""

from __future__ import annotations

import numpy as np
import pytest
from format_kit import encode, fmt, photo, pixels, reopen, srgb_profile, with_alpha
from PIL import features

pytestmark = pytest.mark.skipif(
    not features.check("avif"), reason="this Pillow build has no AVIF support"
)


def test_registration() -> None:
    assert (fmt("avif").mime_type, fmt("avif").extension) == ("image/avif", "avif")
    assert fmt("avif-alpha").alpha and fmt("avif").compressions == ("lossy", "lossless")


def test_lossy_quality_changes_size() -> None:
    sizes = [len(encode("avif", photo(), quality=q)) for q in (10, 50, 95)]
    assert sizes[0] < sizes[1] < sizes[2]


def test_lossless_is_near_exact_and_ignores_quality() -> None:
    image = photo()
    data = encode("avif", image, compression="lossless", quality=10)
    error = np.abs(pixels(reopen(data)) - pixels(image))
    assert error.max() <= 4  # RGB→YUV rounding Pillow cannot switch off (module docstring)
    lossy_error = np.abs(pixels(reopen(encode("avif", image, quality=50))) - pixels(image))
    assert error.mean() * 5 < lossy_error.mean()
    assert data == encode("avif", image, compression="lossless", quality=90)


def test_alpha_kept_in_avif_alpha_only() -> None:
    image = with_alpha(photo())
    result = reopen(encode("avif-alpha", image, compression="lossless"))
    assert result.mode == "RGBA"
    assert np.array_equal(np.asarray(result.getchannel("A")), np.asarray(image.getchannel("A")))
    assert reopen(encode("avif", image)).mode == "RGB"


def test_no_icc_profile_per_spec() -> None:
    assert "icc_profile" not in reopen(encode("avif", photo(), icc_profile=srgb_profile())).info
