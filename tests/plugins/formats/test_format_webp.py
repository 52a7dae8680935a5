"""fmt=webp/webp-alpha: lossy quality, exact lossless, alpha, no ICC (§3.2)."""

from __future__ import annotations

import numpy as np
import pytest
from format_kit import encode, fmt, photo, pixels, reopen, srgb_profile, with_alpha
from PIL import Image

from engine.errors import LimitError, RenderError


def test_registration() -> None:
    assert fmt("web-alpha").name == "webp-alpha"
    assert (fmt("webp").mime_type, fmt("webp").extension) == ("image/webp", "webp")
    assert fmt("webp").compressions == ("lossy", "lossless")


def test_lossy_quality_changes_size() -> None:
    sizes = [len(encode("webp", photo(), quality=q)) for q in (10, 50, 95)]
    assert sizes == sorted(sizes) and sizes[0] < sizes[2]


def test_lossless_is_pixel_exact_and_ignores_quality() -> None:
    image = photo()
    data = encode("webp", image, compression="lossless", quality=10)
    assert np.array_equal(pixels(reopen(data)), pixels(image))
    assert data == encode("webp", image, compression="lossless", quality=90)


def test_lossless_alpha_is_exact_where_visible() -> None:
    image = with_alpha(photo())
    result = reopen(encode("webp-alpha", image, compression="lossless"))
    assert result.mode == "RGBA"
    alpha = np.asarray(image.getchannel("A"))
    assert np.array_equal(np.asarray(result.getchannel("A")), alpha)
    assert np.array_equal(pixels(result)[alpha > 0], pixels(image)[alpha > 0])


def test_lossy_alpha_kept_in_webp_alpha_only() -> None:
    image = with_alpha(photo())
    assert reopen(encode("webp-alpha", image)).mode == "RGBA"
    assert reopen(encode("webp", image)).mode == "RGB"


def test_gray_and_cmyk_become_rgb() -> None:
    assert reopen(encode("webp", photo().convert("L"))).mode == "RGB"
    assert reopen(encode("webp", photo().convert("CMYK"))).mode == "RGB"


def test_no_icc_profile_per_spec() -> None:
    assert "icc_profile" not in reopen(encode("webp", photo(), icc_profile=srgb_profile())).info


def test_zip_compression_refused() -> None:
    with pytest.raises(RenderError, match="fmt=webp does not take compression zip"):
        encode("webp", photo(), compression="zip")


def test_too_wide_for_webp() -> None:
    with pytest.raises(LimitError, match="fmt=webp holds at most 16383x16383"):
        encode("webp", Image.new("RGB", (16_384, 1)))
