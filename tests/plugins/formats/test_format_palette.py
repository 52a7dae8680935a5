"""The quantize= palettes and colour-list handling shared by gif and png8."""

from __future__ import annotations

import numpy as np
import pytest
from format_kit import photo, with_alpha

from engine.errors import RenderError
from engine.formats import Quantize
from plugins.formats._palette import mac_palette, quantize, web_palette


def test_web_palette_is_the_216_colour_cube() -> None:
    palette = web_palette()
    assert len(set(palette)) == 216
    assert all(v % 51 == 0 for colour in palette for v in colour)


def test_mac_palette_is_the_classic_system_palette() -> None:
    palette = mac_palette()
    assert len(palette) == len(set(palette)) == 256
    assert palette[0] == (255, 255, 255) and palette[255] == (0, 0, 0)
    assert palette[214] == (0, 0, 51)  # end of the web cube, black left out
    assert palette[215:225] == [(v, 0, 0) for v in (238, 221, 187, 170, 136, 119, 85, 68, 34, 17)]
    assert palette[245] == (238, 238, 238) and palette[254] == (17, 17, 17)
    assert set(web_palette()) <= set(palette)


def test_palette_is_compacted_to_used_colours() -> None:
    result = quantize(photo(), Quantize(type="web"), name="png8", key=False)
    used = len(result.getcolors(256) or [])
    assert len(result.getpalette() or []) // 3 == used < 216


def test_key_is_index_zero() -> None:
    result = quantize(with_alpha(photo()), Quantize(num_colors=4), name="gif-alpha", key=True)
    assert result.info["transparency"] == 0
    assert (np.asarray(result) == 0).any()


@pytest.mark.parametrize("colour", ["12345", "gggggg", "1234567"])
def test_bad_colour_list_entry(colour: str) -> None:
    with pytest.raises(RenderError, match="is not an rrggbb hex colour"):
        quantize(photo(), Quantize(color_list=(colour,)), name="gif", key=False)


def test_too_many_forced_colours_for_a_key_format() -> None:
    colours = tuple(f"{i:06x}" for i in range(256))
    with pytest.raises(RenderError, match="256 colours; fmt=gif-alpha holds at most 255"):
        quantize(photo(), Quantize(color_list=colours), name="gif-alpha", key=True)
