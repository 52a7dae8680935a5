"""fmt=jpeg/jpg/pjpeg: quality, chroma subsampling, progression, ICC, DPI, jpegSize."""

from __future__ import annotations

import io

import pytest
from format_kit import encode, fmt, photo, reopen, srgb_profile, with_alpha
from PIL import Image, JpegImagePlugin

from engine.errors import LimitError, RenderError


def test_registration() -> None:
    jpeg = fmt("jpg")
    assert jpeg.name == "jpeg"
    assert (jpeg.mime_type, jpeg.extension, jpeg.alpha) == ("image/jpeg", "jpg", False)
    assert fmt("pjpeg").extension == "jpg"
    assert "pscan" in fmt("pjpeg").options
    assert "pscan" not in jpeg.options


def test_higher_quality_makes_bigger_files_with_finer_tables() -> None:
    image = photo()
    low, mid, high = (encode("jpeg", image, quality=q) for q in (10, 50, 90))
    assert len(low) < len(mid) < len(high)
    tables = [reopen(d).quantization[0] for d in (low, mid, high)]
    assert sum(tables[0]) > sum(tables[1]) > sum(tables[2])


def test_output_matches_plain_pillow_save() -> None:
    image = photo()
    plain = io.BytesIO()
    image.save(plain, "JPEG", quality=80, subsampling=2)
    assert encode("jpeg", image, quality=80) == plain.getvalue()


@pytest.mark.parametrize(("chroma", "sampling"), [(False, 2), (True, 0)])
def test_chroma_flag_selects_subsampling(chroma: bool, sampling: int) -> None:
    image = reopen(encode("jpeg", photo(), quality=80, chroma=chroma))
    assert JpegImagePlugin.get_sampling(image) == sampling


@pytest.mark.parametrize("mode", ["L", "CMYK"])
def test_gray_and_cmyk_keep_their_mode_and_ignore_chroma(mode: str) -> None:
    image = reopen(encode("jpeg", photo().convert(mode), chroma=True))
    assert image.mode == mode


def test_alpha_input_is_stored_without_alpha() -> None:
    assert reopen(encode("jpeg", with_alpha(photo()))).mode == "RGB"


def test_baseline_unless_pjpeg() -> None:
    assert not reopen(encode("jpeg", photo())).info.get("progressive")
    assert reopen(encode("jpeg", photo(), progressive=True)).info.get("progressive")


@pytest.mark.parametrize("pscan", ["auto", "3", "4", "5"])
def test_pjpeg_is_progressive_for_every_pscan(pscan: str) -> None:
    data = encode("pjpeg", photo(), pscan=pscan)
    image = reopen(data)
    assert image.info.get("progressive") and image.info.get("progression")
    assert data == encode("pjpeg", photo())  # Pillow cannot pass a scan count: same file


def test_icc_profile_embedded_only_when_asked() -> None:
    profile = srgb_profile()
    assert reopen(encode("jpeg", photo(), icc_profile=profile)).info["icc_profile"] == profile
    assert "icc_profile" not in reopen(encode("jpeg", photo())).info


def test_print_resolution_written() -> None:
    assert reopen(encode("jpeg", photo(), print_res=300.0)).info["dpi"] == (300, 300)


def _quality_of(data: bytes, image: Image.Image) -> int:
    """The libjpeg quality whose tables ``data`` uses (optimize does not change tables)."""
    tables = reopen(data).quantization
    for quality in range(1, 101):
        probe = io.BytesIO()
        image.save(probe, "JPEG", quality=quality, subsampling=2)
        if reopen(probe.getvalue()).quantization == tables:
            return quality
    raise AssertionError("no quality matches")


def test_jpeg_size_lowers_quality_to_the_best_that_fits() -> None:
    image = photo(256, 192)
    full = encode("jpeg", image, quality=90)
    limit_kb = len(full) / 1024 / 3
    data = encode("jpeg", image, quality=90, jpeg_size_kb=limit_kb)
    assert len(data) <= limit_kb * 1024
    quality = _quality_of(data, image)
    assert 1 <= quality < 90
    better = io.BytesIO()
    image.save(better, "JPEG", quality=quality + 1, subsampling=2, optimize=True)
    assert len(better.getvalue()) > limit_kb * 1024


def test_jpeg_size_met_at_requested_quality_changes_nothing() -> None:
    image = photo()
    data = encode("jpeg", image, quality=80)
    assert encode("jpeg", image, quality=80, jpeg_size_kb=len(data) / 1024) == data


def test_jpeg_size_impossible_names_the_limit_and_smallest_size() -> None:
    with pytest.raises(LimitError, match=r"jpegSize=0\.1 cannot be met.* KB \(\d+ bytes\)"):
        encode("jpeg", photo(), jpeg_size_kb=0.1)


def test_compression_is_refused() -> None:
    with pytest.raises(RenderError, match="fmt=jpeg does not take compression lzw"):
        encode("jpeg", photo(), compression="lzw")


def test_empty_image_is_refused() -> None:
    with pytest.raises(RenderError, match="empty 0x5 image"):
        encode("jpeg", Image.new("RGB", (0, 5)))
