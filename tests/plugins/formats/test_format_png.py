"""fmt=png/png-alpha (lossless truecolour) and png8/png8-alpha (quantized palette)."""

from __future__ import annotations

import numpy as np
import pytest
from format_kit import encode, fmt, photo, pixels, reopen, srgb_profile, with_alpha
from PIL import Image

from engine.errors import RenderError
from engine.formats import Quantize


def test_registration() -> None:
    for name in ("png", "png-alpha", "png8", "png8-alpha"):
        assert (fmt(name).mime_type, fmt(name).extension) == ("image/png", "png")
        assert fmt(name).alpha == name.endswith("-alpha")
    assert "quantize" in fmt("png8").options
    assert fmt("png8").pixel_types == ("rgb",)


@pytest.mark.parametrize(("mode", "stored"), [("RGB", "RGB"), ("L", "L"), ("CMYK", "RGB")])
def test_png_is_lossless_without_alpha(mode: str, stored: str) -> None:
    image = photo().convert(mode)
    result = reopen(encode("png", image))
    assert result.mode == stored
    assert np.array_equal(pixels(result), pixels(image.convert(stored)))


def test_png_alpha_keeps_alpha_exactly() -> None:
    image = with_alpha(photo())
    result = reopen(encode("png-alpha", image))
    assert result.mode == "RGBA"
    assert np.array_equal(pixels(result), pixels(image))


def test_png_alpha_adds_alpha_to_opaque_input() -> None:
    assert reopen(encode("png-alpha", photo())).mode == "RGBA"
    assert reopen(encode("png-alpha", photo().convert("L"))).mode == "LA"


def test_icc_and_dpi() -> None:
    profile = srgb_profile()
    result = reopen(encode("png", photo(), icc_profile=profile, print_res=300.0))
    assert result.info["icc_profile"] == profile
    assert result.info["dpi"] == pytest.approx((300, 300), abs=0.01)
    assert "icc_profile" not in reopen(encode("png", photo())).info


@pytest.mark.parametrize("colours", [2, 16, 200])
def test_png8_palette_holds_at_most_num_colors(colours: int) -> None:
    data = encode("png8", photo(), quantize=Quantize(num_colors=colours))
    result = reopen(data)
    assert result.mode == "P"
    assert "transparency" not in result.info
    used = len(result.getcolors(256) or [])
    assert 2 <= used <= colours
    assert len(result.getpalette() or []) // 3 <= max(colours, 2)


def test_png8_small_palette_uses_fewer_bits() -> None:
    two = encode("png8", photo(), quantize=Quantize(num_colors=2))
    many = encode("png8", photo(), quantize=Quantize(num_colors=256))
    assert len(two) * 3 < len(many)


def test_png8_color_list_used_exactly() -> None:
    spec = Quantize(dither="off", num_colors=3, color_list=("ff0000", "00ff00", "0000ff"))
    result = reopen(encode("png8", photo(), quantize=spec)).convert("RGB")
    assert {c for _, c in result.getcolors(256) or []} == {(255, 0, 0), (0, 255, 0), (0, 0, 255)}


def test_png8_alpha_keys_transparent_pixels() -> None:
    image = with_alpha(photo())
    result = reopen(encode("png8-alpha", image, quantize=Quantize(num_colors=16)))
    assert result.mode == "P"
    key = result.info["transparency"]
    indices = np.asarray(result)
    alpha = np.asarray(image.getchannel("A"))
    assert np.array_equal(indices == key, alpha < 128)
    assert len(result.getcolors(256) or []) <= 16 + 1
    assert np.array_equal(np.asarray(result.convert("RGBA"))[..., 3] == 0, alpha < 128)


def test_png8_alpha_refuses_the_mac_palette() -> None:
    with pytest.raises(RenderError, match="quantize=mac is not available for fmt=png8-alpha"):
        encode("png8-alpha", photo(), quantize=Quantize(type="mac"))


def test_png8_accepts_the_mac_palette() -> None:
    assert reopen(encode("png8", photo(), quantize=Quantize(type="mac"))).mode == "P"


def test_png_refuses_compression() -> None:
    with pytest.raises(RenderError, match="fmt=png8 does not take compression zip"):
        encode("png8", Image.new("RGB", (4, 4)), compression="zip")
