"""fmt=tif/tif-alpha: compression tag, qlt only with jpeg, alpha, ICC, DPI."""

from __future__ import annotations

import numpy as np
import pytest
from format_kit import encode, fmt, photo, pixels, reopen, srgb_profile, with_alpha

from engine.errors import RenderError

COMPRESSION_TAG = 259


def test_registration() -> None:
    assert fmt("tiff").name == "tif" and fmt("tiff-alpha").name == "tif-alpha"
    assert (fmt("tif").mime_type, fmt("tif").extension) == ("image/tiff", "tiff")
    assert fmt("tif").compressions == ("none", "lzw", "zip", "jpeg")
    assert fmt("tif-alpha").compressions == ("none", "lzw", "zip")
    assert "cmyk" not in fmt("tif-alpha").pixel_types


@pytest.mark.parametrize(
    ("compression", "tag"), [(None, 1), ("none", 1), ("lzw", 5), ("zip", 8), ("jpeg", 7)]
)
def test_compression_tag(compression: str | None, tag: int) -> None:
    result = reopen(encode("tif", photo(), compression=compression))
    assert result.tag_v2[COMPRESSION_TAG] == tag


@pytest.mark.parametrize("compression", ["none", "lzw", "zip"])
@pytest.mark.parametrize("mode", ["RGB", "L", "CMYK"])
def test_lossless_compressions_round_trip(compression: str, mode: str) -> None:
    image = photo(64, 48).convert(mode)
    result = reopen(encode("tif", image, compression=compression))
    assert result.mode == mode
    assert np.array_equal(pixels(result), pixels(image))


def test_quality_applies_to_jpeg_compression() -> None:
    low = encode("tif", photo(), compression="jpeg", quality=20)
    high = encode("tif", photo(), compression="jpeg", quality=95)
    assert len(low) < len(high)


def test_quality_is_ignored_without_jpeg_compression() -> None:
    assert encode("tif", photo(), compression="lzw", quality=5) == encode(
        "tif", photo(), compression="lzw", quality=95
    )


@pytest.mark.parametrize("compression", ["none", "lzw", "zip"])
def test_tif_alpha_keeps_alpha(compression: str) -> None:
    image = with_alpha(photo(64, 48))
    result = reopen(encode("tif-alpha", image, compression=compression))
    assert result.mode == "RGBA"
    assert np.array_equal(pixels(result), pixels(image))


def test_tif_has_no_alpha() -> None:
    assert reopen(encode("tif", with_alpha(photo()))).mode == "RGB"


def test_tif_alpha_refuses_jpeg_compression() -> None:
    with pytest.raises(RenderError, match="fmt=tif-alpha does not take compression jpeg"):
        encode("tif-alpha", with_alpha(photo()), compression="jpeg")


def test_tif_refuses_lossy_keyword() -> None:
    with pytest.raises(RenderError, match="expected none\\|lzw\\|zip\\|jpeg"):
        encode("tif", photo(), compression="lossy")


def test_icc_and_dpi() -> None:
    profile = srgb_profile()
    result = reopen(encode("tif", photo(), icc_profile=profile, print_res=240.0))
    assert result.info["icc_profile"] == profile
    assert result.info["dpi"] == pytest.approx((240, 240))
    assert "icc_profile" not in reopen(encode("tif", photo())).info
