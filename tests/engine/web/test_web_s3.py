"""Packages on S3 (moto's server on 127.0.0.1) downloaded through both package routes of a real
``isrender serve``: the IPS route with HTTP Basic, and the web page's with its session; each
streams the object, and keeps its company check (issue 12)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest
from conftest import finished_job, sign_in
from kits.s3 import moto_bucket
from kits.server import PASSWORD, make_catalog, running_server, upload_photo

from engine import storage


@pytest.fixture
def s3_root(monkeypatch) -> Iterator[str]:
    with moto_bucket(monkeypatch) as root:
        yield root


def test_a_package_on_s3_is_downloaded_through_both_routes(tmp_path, monkeypatch, s3_root):
    monkeypatch.setenv("ISRENDER_STORAGE", s3_root)  # the server inherits the environment
    home = tmp_path / "home"
    acme = make_catalog(home, "Acme")
    with contextlib.closing(acme.catalog):
        photo = upload_photo(acme, "photo.jpg", size=(640, 427), seed=1)
        record = finished_job(acme, [photo.handle], "acme-orig")
    other = make_catalog(home, "Other")
    other.catalog.close()
    assert record.package.startswith(f"{s3_root}/packages/")
    stored = storage.read_bytes(record.package)
    with running_server(home, "--workers", "1", "--export-workers", "1") as server:
        ips = f"{server.url}/scene7/packages?jobHandle={quote(record.handle, safe='')}"
        assert httpx.get(ips, timeout=60).status_code == 401
        refused = httpx.get(ips, auth=("admin@other.test", PASSWORD), timeout=60)
        assert refused.status_code == 404
        download = httpx.get(ips, auth=("admin@acme.test", PASSWORD), timeout=60)
        assert download.status_code == 200
        assert download.headers["content-type"] == "application/zip"
        assert "attachment" in download.headers["content-disposition"]
        assert download.content == stored

        page = f"/web/api/job/package?handle={quote(record.handle)}"
        with contextlib.closing(sign_in(server.url, "admin@other.test")) as client:
            assert client.get(page).status_code == 403
        with contextlib.closing(sign_in(server.url, "admin@acme.test")) as client:
            answer = client.get(page)
        assert answer.status_code == 200
        assert "filename*=utf-8''acme-orig.zip" in answer.headers["content-disposition"]
        assert answer.content == stored
