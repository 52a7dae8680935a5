"""What an export job does with each asset: the reference's example, originals, refused set
types, non-images, corrupt files, limits, duplicate names and handles."""

from __future__ import annotations

import io
import os
import stat
import zipfile
from pathlib import Path

import numpy as np
import pytest
from export_kit import WAIT, image_bytes, pdf_bytes, video_bytes, zip_entries
from PIL import Image

from engine.errors import ApiFault
from engine.export import ExportJob, ExportLimits

UNSUPPORTED = (
    "ImageSet",
    "RenderSet",
    "SpinSet",
    "MediaSet",
    "MultiBitrateVideoSet",
    "VideoSet",
    "eCatalog",
    "OfferSet",
)


def run(coordinator, session, job: ExportJob):
    handle = coordinator.submit_job(session, job)
    record = coordinator.wait(session, handle, timeout=WAIT)
    details = coordinator.get_job_log_details(session, handle)
    return record, details


def by_asset(details) -> dict[str, list]:
    found: dict[str, list] = {}
    for detail in details:
        if detail.asset_handle:
            found.setdefault(detail.asset_handle, []).append(detail)
    return found


def test_reference_example_converts_file_to_export_jpg_to_a_tiff(make_coordinator, session):
    """IPS ExportJob page: fileToExport.jpg, is_modifer=&fmt=png, macro=$test$ → .tiff."""
    asset = session.upload(image_bytes(1, (120, 90)), name="fileToExport.jpg")
    session.set_preset("test", "fmt=tif,,lzw&wid=60")
    coordinator = make_coordinator(processes=True)  # the default executor: worker processes
    job = ExportJob((asset.handle,), fmt="convert", is_modifier="&fmt=png", macro="$test$")
    record, details = run(coordinator, session, job)

    assert (record.state, record.fatal_error) == ("Done", False)
    assert (record.success_count, record.error_count, record.warning_count) == (1, 0, 0)
    assert Path(record.package).parent == Path(session.catalog.home) / "packages"
    entries = zip_entries(record.package)
    assert list(entries) == ["fileToExport.tiff"]
    with Image.open(io.BytesIO(entries["fileToExport.tiff"])) as tiff:
        assert tiff.format == "TIFF"
        assert tiff.size == (60, 45)
        assert tiff.info.get("compression") == "tiff_lzw"
    [success] = [d for d in details if d.log_type == "ReturnSuccess"]
    assert (success.asset_name, success.asset_type, success.asset_handle) == (
        "fileToExport.jpg",
        "Image",
        asset.handle,
    )
    assert [d.log_type for d in details] == ["BeginGet", "ReturnSuccess", "EndGet"]
    assert record.package in details[-1].message


def test_originals_are_byte_identical_under_their_names(coordinator, session):
    files = {
        "clip.mp4": video_bytes(),
        "shot.jpg": image_bytes(2),
        "logo.png": image_bytes(3, fmt="PNG"),
        "scan.tif": image_bytes(4, fmt="TIFF"),
        "brochure.pdf": pdf_bytes(),
    }
    handles = [session.upload(data, name=name).handle for name, data in files.items()]
    record, _ = run(coordinator, session, ExportJob(handles, fmt="orig"))

    assert (record.success_count, record.error_count, record.warning_count) == (5, 0, 0)
    assert zip_entries(record.package) == files
    with zipfile.ZipFile(record.package) as archive:
        assert [info.filename for info in archive.infolist()] == list(files)  # handle order


@pytest.mark.parametrize("fmt", ["orig", "convert"])
def test_each_unsupported_set_type_is_refused_and_the_others_export(coordinator, session, fmt):
    image = session.upload(image_bytes(5), name="keep.jpg")
    video = session.upload(video_bytes(), name="clip.mp4")
    sets = [
        session.create_set(kind, f"my-{kind}", [(video if "Video" in kind else image).handle])
        for kind in UNSUPPORTED
    ]
    handles = [sets[0].handle, image.handle, *(s.handle for s in sets[1:])]
    record, details = run(coordinator, session, ExportJob(handles, fmt=fmt, is_modifier="fmt=png"))

    assert (record.success_count, record.error_count) == (1, len(UNSUPPORTED))
    assert list(zip_entries(record.package)) == ["keep.jpg" if fmt == "orig" else "keep.png"]
    logs = by_asset(details)
    for asset in sets:
        [entry] = logs[asset.handle]
        assert (entry.log_type, entry.severity, entry.asset_type) == (
            "GetFailure",
            "error",
            asset.asset_type,
        )
        assert "cannot be exported" in entry.message


def test_convert_job_exports_non_images_as_originals_with_a_warning(coordinator, session):
    image = session.upload(image_bytes(6), name="photo.jpg")
    pdf = pdf_bytes()
    document = session.upload(pdf, name="brochure.pdf")
    job = ExportJob((image.handle, document.handle), fmt="convert", is_modifier="fmt=png")
    record, details = run(coordinator, session, job)

    assert (record.success_count, record.warning_count, record.error_count) == (1, 1, 0)
    entries = zip_entries(record.package)
    assert list(entries) == ["photo.png", "brochure.pdf"]
    assert entries["brochure.pdf"] == pdf
    [warning] = by_asset(details)[document.handle]
    assert (warning.log_type, warning.severity) == ("ReturnSuccess", "warning")
    assert "cannot be converted" in warning.message


def test_a_corrupt_original_fails_alone(coordinator, session):
    good = [session.upload(image_bytes(7 + n), name=f"good{n}.jpg") for n in range(2)]
    broken = session.upload(image_bytes(20), name="broken.jpg")
    path = session.original_path(broken.handle)
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    path.write_bytes(path.read_bytes()[:200])  # the stored file rots after upload
    handles = (good[0].handle, broken.handle, good[1].handle)
    record, details = run(coordinator, session, ExportJob(handles, fmt="convert"))

    assert (record.success_count, record.error_count, record.fatal_error) == (2, 1, False)
    assert list(zip_entries(record.package)) == ["good0.jpg", "good1.jpg"]
    [failure] = by_asset(details)[broken.handle]
    assert (failure.log_type, failure.severity, failure.asset_name) == (
        "GetFailure",
        "error",
        "broken.jpg",
    )


def test_duplicate_output_names_are_numbered_in_handle_order(coordinator, session):
    first = session.upload(image_bytes(30), name="photo.jpg")
    second = session.upload(image_bytes(31, fmt="PNG"), name="photo.png")
    third = session.upload(image_bytes(32), name="photo.jpg", folder="/other/")
    handles = (first.handle, second.handle, third.handle)
    record, details = run(coordinator, session, ExportJob(handles, fmt="convert"))

    entries = zip_entries(record.package)
    assert list(entries) == ["photo.jpg", "photo-2.jpg", "photo-3.jpg"]
    names = {d.asset_handle: d.message for d in details if d.log_type == "ReturnSuccess"}
    assert "photo-2.jpg" in names[second.handle]
    assert "photo-3.jpg" in names[third.handle]

    record, _ = run(coordinator, session, ExportJob((third.handle, first.handle), fmt="orig"))
    assert zip_entries(record.package) == {
        "photo.jpg": image_bytes(32),
        "photo-2.jpg": image_bytes(30),
    }


def test_a_handle_given_twice_is_exported_once(coordinator, session):
    asset = session.upload(image_bytes(40), name="once.jpg")
    record, details = run(coordinator, session, ExportJob((asset.handle,) * 2, fmt="orig"))

    assert list(zip_entries(record.package)) == ["once.jpg"]
    assert [d.log_type for d in by_asset(details)[asset.handle]] == [
        "DuplicateSkipped",
        "ReturnSuccess",
    ]


def test_undefined_preset_is_refused_at_submit(coordinator, session):
    asset = session.upload(image_bytes(41), name="a.jpg")
    with pytest.raises(ApiFault) as caught:
        coordinator.submit_job(session, ExportJob((asset.handle,), fmt="convert", macro="$nope$"))
    assert caught.value.code == 30001
    assert "$nope$" in str(caught.value)
    assert session.catalog.list_jobs(session.company.handle) == []


def test_too_many_assets_is_refused_at_submit(make_coordinator, session):
    coordinator = make_coordinator(limits=ExportLimits(max_assets=2))
    handles = [session.upload(image_bytes(50 + n), name=f"{n}.jpg").handle for n in range(3)]
    with pytest.raises(ApiFault) as caught:
        coordinator.submit_job(session, ExportJob(handles, fmt="orig"))
    assert caught.value.code == 30001
    assert session.catalog.list_jobs(session.company.handle) == []


@pytest.mark.parametrize("fmt", ["orig", "convert"])
def test_package_limit_fails_the_job_without_a_package(make_coordinator, session, fmt):
    sizes = [len(image_bytes(60 + n, (64, 48), "PNG")) for n in range(3)]
    coordinator = make_coordinator(limits=ExportLimits(max_package_bytes=sum(sizes) // 2))
    handles = [
        session.upload(image_bytes(60 + n, (64, 48), "PNG"), name=f"p{n}.png").handle
        for n in range(3)
    ]
    job = ExportJob(handles, fmt=fmt, is_modifier="fmt=png")
    record, details = run(coordinator, session, job)

    assert (record.state, record.fatal_error, record.package) == ("Done", True, None)
    [fatal] = [d for d in details if d.log_type == "FatalError"]
    assert "no package was written" in fatal.message
    assert f"{sum(sizes) // 2:,} bytes" in fatal.message
    packages = Path(session.catalog.home) / "packages"
    assert list(packages.iterdir()) == []  # not even a temporary file


def test_converted_image_over_the_mpixel_limit_fails_alone(make_coordinator, session):
    coordinator = make_coordinator(limits=ExportLimits(max_convert_pixels=100 * 100))
    small = session.upload(image_bytes(70, (100, 100)), name="small.jpg")
    large = session.upload(image_bytes(71, (101, 100)), name="large.jpg")
    job = ExportJob((small.handle, large.handle), fmt="convert", is_modifier="fmt=png")
    record, details = run(coordinator, session, job)

    assert (record.success_count, record.error_count, record.fatal_error) == (1, 1, False)
    assert list(zip_entries(record.package)) == ["small.png"]
    [failure] = by_asset(details)[large.handle]
    assert failure.log_type == "GetFailure"
    assert "101×100" in failure.message
    assert "Mpixel" in failure.message


def test_convert_without_modifier_or_macro_uses_is_defaults(coordinator, session):
    asset = session.upload(image_bytes(80, fmt="PNG"), name="plain.png")
    record, _ = run(coordinator, session, ExportJob((asset.handle,), fmt="convert"))
    data = zip_entries(record.package)["plain.jpg"]
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG"


def test_jobs_submitted_together_run_side_by_side(coordinator, session):
    assets = [session.upload(image_bytes(90 + n), name=f"n{n}.jpg") for n in range(3)]
    jobs = [
        coordinator.submit_job(session, ExportJob((asset.handle,), fmt=fmt), name=f"job{n}")
        for n, (asset, fmt) in enumerate(zip(assets, ["orig", "convert", "orig"], strict=True))
    ]
    records = [coordinator.wait(session, job, timeout=WAIT) for job in jobs]
    assert [list(zip_entries(r.package)) for r in records] == [["n0.jpg"], ["n1.jpg"], ["n2.jpg"]]
    assert len({r.package for r in records}) == 3
    assert coordinator.get_active_jobs(session) == []
    assert [r.name for r in coordinator.get_job_logs(session)] == ["job2", "job1", "job0"]


def test_a_watermark_preset_layers_the_companys_logo_on_every_asset(make_coordinator, session):
    """Issue 11: a preset with a logo layer (src= from the company's own assets, 50 %
    opacity, bottom-right via posN/originN) applied through an ExportJob in worker processes."""
    logo = io.BytesIO()
    Image.new("RGB", (20, 10), (255, 0, 0)).save(logo, "PNG")
    session.upload(logo.getvalue(), name="logo.png")
    photos = [
        session.upload(_flat((120, 90), (0, 0, 255)), name=f"shot{i}.png").handle for i in range(2)
    ]
    session.set_preset(
        "watermark",
        "layer=1&src=logo&opac=50&originN=0.5,0.5&posN=0.45,0.4&layer=comp&fmt=png",
    )
    coordinator = make_coordinator(processes=True)
    record, _ = run(coordinator, session, ExportJob(photos, fmt="convert", macro="$watermark$"))

    assert (record.state, record.success_count, record.error_count) == ("Done", 2, 0)
    for data in zip_entries(record.package).values():
        image = Image.open(io.BytesIO(data)).convert("RGB")
        assert image.size == (120, 90)
        assert image.getpixel((10, 10)) == (0, 0, 255)
        # the logo's bottom-right corner at the centre + (54, 36) = (114, 81): red at 50 %
        assert image.getpixel((95, 72)) == pytest.approx((128, 0, 127), abs=1)
        assert image.getpixel((113, 80)) == pytest.approx((128, 0, 127), abs=1)
        assert image.getpixel((114, 81)) == (0, 0, 255)
        assert image.getpixel((93, 71)) == (0, 0, 255)


def test_a_watermark_preset_with_a_caption_through_an_export_job(make_coordinator, session):
    """Issue 11: the watermark preset above plus a text= caption in a 100×24 box at the top
    centre (r-text-positioning.md: text= keeps every glyph inside its box; r-origin.md)."""
    logo = io.BytesIO()
    Image.new("RGB", (20, 10), (255, 0, 0)).save(logo, "PNG")
    session.upload(logo.getvalue(), name="logo.png")
    photos = [
        session.upload(_flat((120, 90), (0, 0, 255)), name=f"cap{i}.png").handle for i in (0, 1)
    ]
    session.set_preset(
        "captioned",
        "layer=1&src=logo&opac=50&originN=0.5,0.5&posN=0.45,0.4"
        "&layer=2&size=100,24&originN=0,-0.5&posN=0,-0.5"
        r"&text={\colortbl;\red255\green255\blue255;}\cf1\fs32 SALE&layer=comp&fmt=png",
    )
    coordinator = make_coordinator(processes=True)
    record, _ = run(coordinator, session, ExportJob(photos, fmt="convert", macro="$captioned$"))

    assert (record.state, record.success_count, record.error_count) == ("Done", 2, 0)
    for data in zip_entries(record.package).values():
        image = Image.open(io.BytesIO(data)).convert("RGB")
        ys, xs = np.nonzero(np.asarray(image).min(axis=2) > 200)  # white ink
        assert xs.size > 40
        assert xs.min() >= 10 and xs.max() < 110 and ys.max() < 24  # inside the caption box
        assert image.getpixel((60, 60)) == (0, 0, 255)
        assert image.getpixel((104, 76)) == pytest.approx((128, 0, 127), abs=1)  # the logo


def test_a_missing_font_fails_that_asset_naming_the_font(coordinator, session):
    photo = session.upload(_flat((40, 30), (0, 0, 255)), name="font.png").handle
    modifier = r"layer=1&text={\fonttbl{\f0 Brand Sans;}}\f0 hi&layer=comp&fmt=png"
    record, details = run(
        coordinator, session, ExportJob((photo,), fmt="convert", is_modifier=modifier)
    )
    assert record.error_count == 1
    assert any("'Brand Sans' is not in the font map" in (d.message or "") for d in details)


def test_an_unknown_layer_object_fails_that_asset_with_a_clear_error(coordinator, session):
    photo = session.upload(_flat((40, 30), (0, 0, 255)), name="shot.png").handle
    job = ExportJob((photo,), fmt="convert", is_modifier="layer=1&src=nologo&layer=comp&fmt=png")
    record, details = run(coordinator, session, job)
    assert record.error_count == 1
    assert any("no image asset named 'nologo'" in (d.message or "") for d in details)


def _flat(size: tuple[int, int], color: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize("is_modifier", ["template=frame&$w=60", "$frame60$"])
def test_a_company_template_frames_every_asset(make_coordinator, session, is_modifier):
    """r-template.md through an ExportJob: the company's template (createTemplate) is the
    layout, each asset is its $object$, the request's $var= fill its parameters; template=
    may come from a preset."""
    session.set_preset("frame60", "template=frame&$w=60")
    session.create_template(
        "Frame",
        "$w=20&layer=0&color=0,0,255&size=100,50&layer=1&src=$object$&size=$w$,0",
        post_modifier="fmt=png",
    )
    photo = session.upload(_flat((40, 30), (255, 0, 0)), name="shot.png").handle
    job = ExportJob((photo,), fmt="convert", is_modifier=is_modifier)
    record, _ = run(make_coordinator(processes=True), session, job)

    assert (record.state, record.success_count) == ("Done", 1)
    [(name, data)] = zip_entries(record.package).items()
    image = Image.open(io.BytesIO(data)).convert("RGB")
    assert (name, image.size) == ("shot.png", (100, 50))
    assert image.getpixel((50, 25)) == (255, 0, 0) and image.getpixel((5, 5)) == (0, 0, 255)
    assert image.getpixel((21, 25)) == (255, 0, 0)  # 60 wide: x 20..80


def test_an_unknown_template_is_refused_before_the_job_starts(coordinator, session):
    photo = session.upload(_flat((40, 30), (255, 0, 0)), name="shot.png").handle
    job = ExportJob((photo,), fmt="convert", is_modifier="template=nope")
    with pytest.raises(ApiFault, match="template=nope"):
        coordinator.submit_job(session, job)
