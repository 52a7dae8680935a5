"""Source checks of issue 8, in process on scaled-down bombs: the decode budget counts rows
(item 12), JPEG scans are limited (14), every plugin exception is a SourceError (17), file
resolutions are clamped (16) and truncated files are errors (23), in render and upload alike.
test_bombs.py runs the full-size bombs in child processes under memory and time limits."""

from __future__ import annotations

import io
import tracemalloc

import bombs
import pytest
from PIL import Image

import engine
import engine.source
from engine.catalog import Catalog
from engine.errors import CatalogError, LimitError, SourceError
from engine.preflight import (
    _MARKER_SLICE,
    ROW_BYTES,
    JpegStructure,
    decode_cost,
    jpeg_structure,
    png_rows_complete,
)
from engine.renderer import render_props
from engine.source import open_source, probe

# --- item 12: the decode budget counts rows, bands and bit depth -------------------------------


def test_decode_cost_counts_rows_bands_and_bit_depth():
    assert decode_cost((1000, 1000), "L") == 1000 * (ROW_BYTES + 1000)
    assert decode_cost((1000, 1000), "RGB") == 1000 * (ROW_BYTES + 4000)
    # A conversion holds the decoded and the working image: P (1 byte) → RGB (4 bytes).
    assert decode_cost((1000, 1000), "P") == 1000 * (2 * ROW_BYTES + 5000)
    # 16-bit samples: 2 bytes, numpy's two copies, then 8-bit gray.
    assert decode_cost((1000, 1000), "I;16") == 1000 * (2 * ROW_BYTES + 7000)
    assert decode_cost((1, 150_000_000), "L") > 40 * decode_cost((12247, 12247), "L") // 10


def test_a_tall_png_within_the_pixel_limit_is_refused_on_its_header():
    config = engine.RenderConfig(max_decode_bytes=10 * 2**20)
    data = bombs.tall_png(1_000_000)  # 1 million pixels, 1 million rows: ~47 MiB
    with pytest.raises(LimitError, match=r"1,000,000 rows\) would take about 47 MiB"):
        open_source(data, config=config)
    square = bombs.png(1000, 1000)  # as many pixels, a thousand rows: ~1 MiB
    assert engine.render(square, "wid=10&fmt=png", config=config).width == 10


def test_the_default_budget_refuses_the_1_by_150_million_png_and_keeps_real_images():
    with pytest.raises(LimitError, match="decode budget of 1,024 MiB"):
        open_source(bombs.tall_png())
    config = engine.RenderConfig()
    # The largest square RGBA image the pixel limit allows stays within the budget.
    side = int(config.max_input_pixels**0.5)
    assert decode_cost((side, side), "RGBA") <= config.max_decode_bytes
    # So does a progressive 4:2:0 JPEG of that size decoded at full scale.
    luma, chroma = -(-side // 8), -(-side // 16)
    coefficients = JpegStructure(10, 0, luma**2 + 2 * chroma**2, True).coefficient_bytes
    assert decode_cost((side, side), "RGB") + coefficients <= config.max_decode_bytes


def test_the_upload_probe_applies_the_same_budget(tmp_path):
    path = tmp_path / "tall.png"
    path.write_bytes(bombs.tall_png())
    with pytest.raises(LimitError, match="decode budget"):
        probe(path)


def photo_jpeg(**params: object) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (2000, 2000), "navy").save(out, "JPEG", subsampling=0, **params)
    return out.getvalue()


def test_the_budget_applies_at_the_scale_the_render_decodes():
    data = photo_jpeg()  # 16 MB at full size, 0.3 MB at 1/8 (libjpeg's DCT scaling)
    config = engine.RenderConfig(max_decode_bytes=8 * 2**20)
    assert engine.render(data, "wid=100", config=config).width == 100
    with pytest.raises(LimitError, match="2000x2000 RGB pixels"):
        engine.render(data, "wid=2000", config=config)


def test_a_progressive_jpeg_is_charged_the_coefficients_libjpeg_holds():
    baseline, progressive = photo_jpeg(), photo_jpeg(progressive=True)
    assert jpeg_structure(baseline, max_scans=100).coefficient_bytes == 0
    blocks = 3 * 250 * 250  # three full-resolution components of 2000 / 8 blocks squared
    assert jpeg_structure(progressive, max_scans=100).coefficient_bytes == blocks * 128
    config = engine.RenderConfig(max_decode_bytes=20 * 2**20)
    assert engine.render(baseline, "wid=100", config=config).width == 100
    with pytest.raises(LimitError, match="23 MiB of JPEG coefficients"):
        engine.render(progressive, "wid=100", config=config)


# --- item 14: JPEG scans are counted before decoding ------------------------------------------


def test_jpeg_scans_are_counted_on_the_structure():
    plain = io.BytesIO()
    Image.new("L", (64, 64), 100).save(plain, "JPEG", progressive=True)
    assert jpeg_structure(plain.getvalue(), max_scans=100).scans == 6
    data = bombs.many_scans_jpeg(scans=200, size=256)
    assert jpeg_structure(data, max_scans=1000).scans == 206
    assert jpeg_structure(data, max_scans=10).scans == 11  # the walk stops past the limit


def _entropy_bytes(data: bytes) -> int:
    """Scan data of every scan, found byte by byte: from the end of each SOS segment to the
    next byte pair 0xFF, code that is not a stuffed zero, a restart marker or a fill byte."""
    total, pos = 0, data.index(b"\xff\xda")
    while pos >= 0:
        at = pos + 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
        end = at
        while end + 1 < len(data) and not (
            data[end] == 0xFF and data[end + 1] not in (0x00, 0xFF, *range(0xD0, 0xD8))
        ):
            end += 1
        total += (end if end + 1 < len(data) else len(data)) - at
        pos = data.find(b"\xff\xda", end)
    return total


@pytest.mark.parametrize("progressive", [False, True])
def test_scan_data_is_measured_across_the_whole_file(progressive):
    """Markers are looked for in slices of the file: scan data longer than many slices,
    with restart markers, measures the same as a byte-by-byte walk."""
    noise = Image.effect_noise((700, 700), 80).convert("RGB")
    out = io.BytesIO()
    noise.save(out, "JPEG", quality=95, progressive=progressive, restart_marker_rows=1)
    data = out.getvalue()
    assert len(data) > 3 * _MARKER_SLICE and b"\xff\xd0" in data
    found = jpeg_structure(data, max_scans=100)
    assert found.entropy_bytes == _entropy_bytes(data)
    assert found.scans == data.count(b"\xff\xda")


def _small_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), "red").save(out, "JPEG")
    return out.getvalue()


def test_the_marker_search_holds_little_memory_whatever_the_scan_data_holds():
    """Hostile input: 8 MB of restart markers in scan data. The search kept the offset of
    every 0xFF with a non-zero byte after it (8 bytes each: 32 MB and more for these 8 MB, 12
    times the file for a 2 GiB upload); it now holds one slice at a time."""
    data = _small_jpeg()
    evil = data[:-2] + b"\xff\xd0" * 4_000_000 + data[-2:]
    tracemalloc.start()
    try:
        found = jpeg_structure(evil, max_scans=100)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert found.entropy_bytes == _entropy_bytes(evil)
    assert peak < 2 * 1024 * 1024


def test_a_run_of_fill_bytes_and_stand_alone_markers_ends_the_walk():
    """Hostile input: millions of 0xFF 0x01 (stand-alone TEM markers) after the scan data were
    stepped over two bytes per Python loop (1.3 s for 20 MB); thousands in a row end the walk
    as malformed structure, so a later scan is not counted."""
    data = _small_jpeg()
    sos = data.index(b"\xff\xda")
    scan = data[sos:-2]
    evil = data[:-2] + b"\xff\x01" * 5_000 + scan + data[-2:]
    assert jpeg_structure(evil, max_scans=100).scans == 1
    few = data[:-2] + b"\xff\x01" * 5 + b"\xff" * 5 + scan + data[-2:]
    assert jpeg_structure(few, max_scans=100).scans == 2


def test_a_jpeg_of_thousands_of_scans_is_refused_before_decoding():
    data = bombs.many_scans_jpeg(scans=2000, size=256)
    with pytest.raises(LimitError, match="more than 100 scans"):
        engine.render(data, "wid=10")
    relaxed = engine.RenderConfig(max_jpeg_scans=3000)
    assert engine.render(data, "wid=10", config=relaxed).width == 10


def test_an_ordinary_progressive_jpeg_renders():
    out = io.BytesIO()
    Image.new("RGB", (300, 200), "teal").save(out, "JPEG", progressive=True)
    assert engine.render(out.getvalue(), "wid=30").width == 30


# --- item 17: whatever a plugin raises is a SourceError ---------------------------------------


def test_an_unimplemented_dds_is_a_source_error():
    with pytest.raises(SourceError, match="NotImplementedError: Unknown pixel format flags"):
        engine.render(bombs.unimplemented_dds(), "fmt=png")


def test_an_exception_a_plugin_raises_while_decoding_is_a_source_error(monkeypatch):
    def broken(self, *args):
        raise KeyError("a plugin bug")

    monkeypatch.setattr(Image.core, "zip_decoder", broken)
    with pytest.raises(SourceError, match="KeyError"):
        engine.render(bombs.png(8, 8), "fmt=png")


# --- item 16: resolutions read from files are clamped -----------------------------------------


@pytest.mark.parametrize("fmt", ["png", "tif", "jpeg", "pdf"])
def test_a_source_declaring_4294967295_dpi_converts_with_the_dpi_clamped(fmt):
    assert engine.render(bombs.jpeg_declaring_dpi(), f"fmt={fmt}").width == 16
    assert render_props(bombs.jpeg_declaring_dpi(), "fmt=png")["image.printRes"] == "65535"


def test_a_source_declaring_under_one_dpi_is_read_as_one_dpi():
    with open_source(bombs.jpeg_declaring_dpi(0.01)) as source:
        assert source.dpi == 1.0


# --- item 23: truncated files are errors ------------------------------------------------------


def test_a_png_whose_data_ends_early_is_refused():
    assert not png_rows_complete(bombs.short_png())
    assert png_rows_complete(bombs.png(200, 200, color=2))
    with pytest.raises(SourceError, match="truncated PNG data: .* 200 rows"):
        engine.render(bombs.short_png(), "fmt=png")


@pytest.mark.parametrize("given_as", ["bytes", "path", "file"])
def test_a_short_png_is_refused_however_it_is_given(tmp_path, given_as):
    path = tmp_path / "short.png"
    path.write_bytes(bombs.short_png())
    with path.open("rb") as file:
        source = {"bytes": path.read_bytes(), "path": path, "file": file}[given_as]
        with pytest.raises(SourceError, match="truncated PNG data"):
            engine.render(source, "fmt=png")


def test_a_complete_png_whose_last_row_looks_like_the_marker_is_accepted(monkeypatch):
    # The row Pillow writes last is watched with a marker colour: only when it is still
    # there is the stream inflated again to decide (a real row of that colour is kept).
    inflated = []
    monkeypatch.setattr(
        engine.source,
        "png_rows_complete",
        lambda data: inflated.append(1) or png_rows_complete(data),
    )
    for mode, marker in (("RGB", (1, 2, 3)), ("L", 1), ("RGBA", (1, 2, 3, 4))):
        image = Image.new(mode, (40, 30), "white")
        out = io.BytesIO()
        image.save(out, "PNG")
        assert load_png(out.getvalue()).getpixel((5, 29)) != marker
        assert inflated == []  # an ordinary PNG is not inflated twice
        image.paste(marker, (0, 29, 40, 30))
        out = io.BytesIO()
        image.save(out, "PNG")
        assert load_png(out.getvalue()).getpixel((5, 29)) == marker
        assert inflated == [1]
        inflated.clear()


def load_png(data: bytes) -> Image.Image:
    with open_source(data) as source:
        return source.load()


def test_an_interlaced_png_is_checked_pass_by_pass():
    complete = bombs.interlaced_png(37, 23)
    assert Image.open(io.BytesIO(complete)).info.get("interlace") == 1
    assert png_rows_complete(complete)
    assert engine.render(complete, "fmt=png").width == 37
    assert not png_rows_complete(bombs.interlaced_png(37, 23, missing=1))
    with pytest.raises(SourceError, match="truncated PNG data"):
        engine.render(bombs.interlaced_png(37, 23, missing=1), "fmt=png")


def test_a_633_byte_jpeg_claiming_12000_by_12000_is_refused():
    data = bombs.jpeg_claiming()
    assert len(data) == 633
    with pytest.raises(SourceError, match="truncated JPEG data: .* cannot hold 12000x12000"):
        engine.render(data, "wid=100")


def test_complete_jpegs_of_every_sampling_pass_the_scan_data_bound():
    for subsampling in (0, 1, 2):
        out = io.BytesIO()
        Image.new("RGB", (999, 777), "white").save(out, "JPEG", subsampling=subsampling)
        found = jpeg_structure(out.getvalue(), max_scans=100)
        assert found.min_entropy_bytes <= found.entropy_bytes
        assert engine.render(out.getvalue(), "wid=10").width == 10


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (bombs.short_png(), "truncated PNG data"),
        (bombs.jpeg_claiming(), "truncated JPEG data"),
        (bombs.unimplemented_dds(), "NotImplementedError"),
    ],
    ids=["short-png", "633-byte-jpeg", "dds"],
)
def test_uploads_are_refused_with_the_same_reason(tmp_path, data, message):
    path = tmp_path / "upload.img"
    path.write_bytes(data)
    with pytest.raises(SourceError, match=message):
        probe(path)
    with Catalog.open(tmp_path / "home") as catalog:
        company = catalog.create_company("Acme")
        user = catalog.create_user("ann@acme.test", "s3cret")
        catalog.add_membership(user.handle, company.handle, "IpsUser")
        session = catalog.authenticate("ann@acme.test", "s3cret", "Acme")
        for name in ("upload.png", "upload.jpg"):  # names that claim an image
            named = tmp_path / name
            named.write_bytes(data)
            with pytest.raises(CatalogError, match=message):
                session.upload(named)
