"""fmt=gif and gif-alpha: palettes from quantize=, key-colour transparency."""

from __future__ import annotations

import numpy as np
import pytest
from format_kit import encode, fmt, photo, reopen, srgb_profile, with_alpha
from PIL import Image

from engine.errors import RenderError
from engine.formats import Quantize
from plugins.formats._palette import mac_palette, web_palette


def _colours(image: Image.Image) -> set[tuple[int, ...]]:
    return {c for _, c in image.convert("RGB").getcolors(256) or []}


def test_registration() -> None:
    for name in ("gif", "gif-alpha"):
        assert (fmt(name).mime_type, fmt(name).extension) == ("image/gif", "gif")
        assert fmt(name).pixel_types == ("rgb", "gray")
    assert fmt("gif-alpha").alpha and not fmt("gif").alpha


@pytest.mark.parametrize("colours", [2, 7, 64, 256])
def test_gif_palette_holds_at_most_num_colors(colours: int) -> None:
    result = reopen(encode("gif", photo(), quantize=Quantize(num_colors=colours)))
    assert result.mode == "P"
    assert "transparency" not in result.info
    assert 2 <= len(result.getcolors(256) or []) <= colours


def test_gray_input_is_palettised() -> None:
    result = reopen(encode("gif", photo().convert("L"), quantize=Quantize(num_colors=8)))
    assert result.mode == "P"
    assert all(r == g == b for r, g, b in _colours(result))


def test_color_list_forces_a_bitonal_palette_with_a_key() -> None:
    spec = Quantize(type="adaptive", dither="off", num_colors=2, color_list=("000000", "ffffff"))
    image = with_alpha(photo())
    result = reopen(encode("gif-alpha", image, quantize=spec))
    key = result.info["transparency"]
    indices = np.asarray(result)
    visible = {
        tuple(result.getpalette()[3 * i : 3 * i + 3]) for i in np.unique(indices) if i != key
    }
    assert visible == {(0, 0, 0), (255, 255, 255)}
    assert np.array_equal(indices == key, np.asarray(image.getchannel("A")) < 128)


def test_color_list_shorter_than_num_colors_is_completed_from_the_image() -> None:
    spec = Quantize(dither="off", num_colors=8, color_list=("ff00ff",))
    colours = _colours(reopen(encode("gif", photo(), quantize=spec)))
    assert (255, 0, 255) in colours
    assert 2 < len(colours) <= 8


def test_web_palette_without_dither_maps_to_the_nearest_web_colour() -> None:
    levels = np.array([10, 40, 60, 90, 110, 140, 170, 190, 220, 245], np.uint8)
    grid = np.stack(np.meshgrid(levels, levels[::-1], levels[3:6]), axis=-1).reshape(30, 10, 3)
    result = reopen(
        encode("gif", Image.fromarray(grid), quantize=Quantize(type="web", dither="off"))
    )
    expected = (np.round(grid / 51) * 51).astype(np.uint8)
    assert np.array_equal(np.asarray(result.convert("RGB")), expected)


def test_dither_diffuse_differs_from_off_and_stays_in_palette() -> None:
    image = photo()
    off = reopen(encode("gif", image, quantize=Quantize(type="web", dither="off")))
    diffuse = reopen(encode("gif", image, quantize=Quantize(type="web", dither="diffuse")))
    assert not np.array_equal(np.asarray(off.convert("RGB")), np.asarray(diffuse.convert("RGB")))
    assert _colours(diffuse) <= set(web_palette())


def test_mac_palette_only_uses_mac_colours() -> None:
    result = reopen(encode("gif", photo(), quantize=Quantize(type="mac")))
    assert _colours(result) <= set(mac_palette())


def test_gif_alpha_refuses_the_mac_palette() -> None:
    with pytest.raises(RenderError, match="quantize=mac is not available for fmt=gif-alpha"):
        encode("gif-alpha", photo(), quantize=Quantize(type="mac"))


def test_gif_alpha_web_palette_has_room_for_the_key() -> None:
    image = with_alpha(photo())
    result = reopen(encode("gif-alpha", image, quantize=Quantize(type="web")))
    key = result.info["transparency"]
    assert np.array_equal(np.asarray(result) == key, np.asarray(image.getchannel("A")) < 128)
    key_colour = tuple(result.getpalette()[3 * key : 3 * key + 3])
    assert key_colour not in set(web_palette())


def test_gif_alpha_caps_visible_colours_at_255() -> None:
    image = with_alpha(photo(256, 192))
    result = reopen(encode("gif-alpha", image, quantize=Quantize(num_colors=256)))
    key = result.info["transparency"]
    visible = [index for _, index in result.getcolors(256) or [] if index != key]
    assert 200 < len(visible) <= 255


def test_opaque_input_to_gif_alpha_keeps_every_pixel_visible() -> None:
    result = reopen(encode("gif-alpha", photo(), quantize=Quantize(num_colors=8)))
    assert (np.asarray(result.convert("RGBA"))[..., 3] == 255).all()
    assert "transparency" in result.info


def test_fully_transparent_image_is_all_key() -> None:
    image = Image.new("RGBA", (8, 8), (10, 20, 30, 0))
    result = reopen(encode("gif-alpha", image))
    assert set(np.unique(np.asarray(result))) == {result.info["transparency"]}


def test_gif_never_embeds_icc() -> None:
    assert "icc_profile" not in reopen(encode("gif", photo(), icc_profile=srgb_profile())).info
