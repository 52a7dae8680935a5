"""Blobs, renditions and packages on S3 (moto's server on 127.0.0.1): upload, export in
worker processes that read and write S3 themselves, and the package downloaded (issue 12)."""

from __future__ import annotations

import io
import sys
import zipfile
from collections.abc import Iterator

import pytest
from export_kit import image_bytes
from kits.catalog import CHEAP_SCRYPT_N, member
from kits.s3 import bucket, moto_bucket
from PIL import Image

from engine import storage
from engine.catalog import Catalog
from engine.cli import main
from engine.errors import SettingsError
from engine.export import ExportJob


@pytest.fixture
def s3_root(monkeypatch) -> Iterator[str]:
    with moto_bucket(monkeypatch) as root:
        yield root


@pytest.fixture
def catalog(tmp_path, database_url, s3_root, monkeypatch) -> Iterator[Catalog]:
    """A catalog (on each backend) whose storage is the bucket."""
    monkeypatch.setenv("ISRENDER_STORAGE", s3_root)
    if database_url:
        monkeypatch.setenv("ISRENDER_DATABASE_URL", database_url)
    with Catalog.open(tmp_path / "home", scrypt_n=CHEAP_SCRYPT_N, database_url=database_url) as c:
        yield c


def test_an_upload_is_stored_in_the_bucket_by_content(catalog, session, s3_root):
    data = image_bytes(3)
    asset = session.upload(data, name="a.jpg")
    again = session.upload(data, name="copy.jpg")  # same content: stored once
    location = session.original_location(asset.handle)
    assert location == session.original_location(again.handle)
    assert location.startswith(f"{s3_root}/blobs/{asset.checksum[:2]}/")
    assert storage.read_bytes(location) == data
    assert len(bucket().find(f"{s3_root}/blobs")) == 1
    local = catalog.blobs.path(asset.checksum)
    local.chmod(0o600)
    local.unlink()  # the local copy is only a cache: fetched again when needed
    assert session.original_path(asset.handle).read_bytes() == data


@pytest.mark.slow
def test_an_export_reads_and_writes_the_bucket(catalog, session, make_coordinator, s3_root):
    handles = [session.upload(image_bytes(n), name=f"p{n}.jpg").handle for n in range(3)]
    session.set_preset("small", "wid=20&fmt=png")
    coordinator = make_coordinator(processes=True, max_workers=2)
    job = coordinator.submit_job(session, ExportJob(handles, fmt="convert", macro="$small$"))
    record = coordinator.wait(session, job, timeout=120)
    assert (record.success_count, record.error_count) == (3, 0)
    assert record.package.startswith(f"{s3_root}/packages/") and record.package.endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(storage.read_bytes(record.package))) as archive:
        assert sorted(archive.namelist()) == ["p0.png", "p1.png", "p2.png"]
    assert bucket().ls(f"{s3_root}/packages") == [record.package.removeprefix("s3://")]


def test_originals_export_from_the_bucket_and_the_cli_downloads_the_package(
    catalog, session, coordinator, tmp_path, monkeypatch, s3_root
):
    data = image_bytes(5)
    asset = session.upload(data, name="orig.jpg")
    job = coordinator.submit_job(session, ExportJob([asset.handle], fmt="orig"))
    record = coordinator.wait(session, job, timeout=60)
    assert record.success_count == 1
    monkeypatch.setenv("ISRENDER_PASSWORD", "correct horse battery staple")
    out = tmp_path / "out"
    argv = ["export", asset.handle, "--fmt", "orig", "--out", str(out)]
    assert main([*argv, "--home", str(catalog.home), "--user", "ann@acme.test"]) == 0
    assert (out / "orig.jpg").read_bytes() == data


def test_without_s3fs_the_error_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "s3fs", None)
    loaded = sys.modules["fsspec.registry"]._registry  # s3fs is loaded by now
    monkeypatch.delitem(loaded, "s3", raising=False)
    with pytest.raises(SettingsError, match=r"pip install 'isrender\[s3\]'"):
        Catalog.open(tmp_path / "home", storage="s3://bucket/prefix", database_url="")


def test_member_sessions_work_on_shared_storage(catalog):
    """The ordinary fixtures apply (a sanity check of the override above)."""
    catalog.create_company("Other")
    assert member(catalog, "Other", "bob@other.test").company.name == "Other"


def flat_png(size: tuple[int, int], color: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


@pytest.mark.slow
def test_layer_objects_and_templates_are_read_from_the_bucket(
    catalog, session, make_coordinator, s3_root
):
    """src= objects and a template's $object$ resolve to the bucket; the worker processes
    read them there (their home has no blob of them)."""
    session.upload(flat_png((20, 10), (255, 0, 0)), name="logo.png")
    photo = session.upload(flat_png((40, 30), (0, 0, 255)), name="shot.png").handle
    for blob in catalog.blobs.root.glob("??/*"):  # only the bucket has them now
        blob.chmod(0o600)
        blob.unlink()
    session.create_template(
        "Frame", "layer=0&color=0,255,0&size=100,50&layer=1&src=$object$", post_modifier="fmt=png"
    )
    coordinator = make_coordinator(processes=True, max_workers=1)
    layered = ExportJob([photo], fmt="convert", is_modifier="layer=1&src=logo&layer=comp&fmt=png")
    framed = ExportJob([photo], fmt="convert", is_modifier="template=frame")
    for job, size in ((layered, (40, 30)), (framed, (100, 50))):
        record = coordinator.wait(session, coordinator.submit_job(session, job), timeout=120)
        assert (record.success_count, record.error_count) == (1, 0)
        with zipfile.ZipFile(io.BytesIO(storage.read_bytes(record.package))) as archive:
            [data] = [archive.read(name) for name in archive.namelist()]
        assert Image.open(io.BytesIO(data)).size == size
    assert not list(catalog.blobs.root.glob("??/*"))  # the coordinator fetched nothing
