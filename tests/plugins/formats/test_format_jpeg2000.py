"""fmt=jpeg2000/jpeg2000-alpha: PSNR-targeted lossy, exact lossless, alpha."""

from __future__ import annotations

import numpy as np
import pytest
from format_kit import encode, fmt, photo, pixels, reopen, with_alpha
from PIL import features

from engine.errors import RenderError

pytestmark = pytest.mark.skipif(
    not features.check("jpg_2000"), reason="this Pillow build has no OpenJPEG support"
)


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    return float(10 * np.log10(255**2 / np.mean((a - b).astype(float) ** 2)))


def test_registration() -> None:
    assert (fmt("jpeg2000").mime_type, fmt("jpeg2000").extension) == ("image/jp2", "jp2")
    assert fmt("jpeg2000-alpha").alpha
    assert fmt("jpeg2000").pixel_types == ("rgb", "gray")


def test_lossy_quality_raises_size_and_psnr() -> None:
    image = photo()
    datas = [encode("jpeg2000", image, quality=q) for q in (10, 50, 90)]
    assert [len(d) for d in datas] == sorted(len(d) for d in datas)
    psnrs = [_psnr(pixels(reopen(d)), pixels(image)) for d in datas]
    assert psnrs[0] < psnrs[1] < psnrs[2]


@pytest.mark.parametrize("mode", ["RGB", "L"])
def test_lossless_round_trip(mode: str) -> None:
    image = photo().convert(mode)
    result = reopen(encode("jpeg2000", image, compression="lossless"))
    assert result.mode == mode
    assert np.array_equal(pixels(result), pixels(image))


@pytest.mark.parametrize("mode", ["RGBA", "LA"])
def test_alpha_lossless_round_trip(mode: str) -> None:
    image = with_alpha(photo()).convert(mode)
    result = reopen(encode("jpeg2000-alpha", image, compression="lossless"))
    assert result.mode == mode
    assert np.array_equal(pixels(result), pixels(image))


def test_jpeg2000_has_no_alpha() -> None:
    assert reopen(encode("jpeg2000", with_alpha(photo()))).mode == "RGB"


def test_lzw_refused() -> None:
    with pytest.raises(RenderError, match="fmt=jpeg2000 does not take compression lzw"):
        encode("jpeg2000", photo(), compression="lzw")
