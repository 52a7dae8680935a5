"""Revalidation when what a reply depends on is not the file: a preset changed under a running
server, one file uploaded under two names. A server of its own, asked nothing else."""

from __future__ import annotations

import contextlib

import pytest
from kits.server import PASSWORD, make_catalog, running_server, upload_photo

from engine.catalog import Catalog
from engine.samples import photo_bytes

IMAGE = "/is/image/Demo/photo"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    home = tmp_path_factory.mktemp("revalidation") / "home"
    session = make_catalog(home)
    with contextlib.closing(session.catalog):
        upload_photo(session, "photo.jpg", size=(80, 60), seed=8)
        session.upload(photo_bytes(50, 40, seed=9), name="one.jpg")  # one file, two names
        session.upload(photo_bytes(50, 40, seed=9), name="two.jpg")
    with running_server(home, "--workers", "1") as server:
        server.home = home
        yield server


def _admin(catalog):
    return catalog.authenticate("admin@demo.test", PASSWORD, "Demo")


def test_a_changed_preset_is_never_answered_not_modified(served):
    # A preset changes the reply but not the asset: If-Modified-Since, which knows only
    # dates, must not keep a client on the old reply (If-None-Match compares the ETag).
    with Catalog.open(served.home) as catalog:
        admin = _admin(catalog)
        admin.set_preset("changing", "wid=40&fmt=jpeg")
        first = served.get(f"{IMAGE}?$changing$")
        assert first.status_code == 200, first.text
        admin.set_preset("changing", "wid=40&fmt=png")
    since = first.headers.get("last-modified") or "Mon, 01 Jan 2100 00:00:00 GMT"
    again = served.get(f"{IMAGE}?$changing$", headers={"If-Modified-Since": since})
    assert (again.status_code, again.headers["content-type"]) == (200, "image/png"), again.text
    matched = served.get(f"{IMAGE}?$changing$", headers={"If-None-Match": first.headers["etag"]})
    assert matched.status_code == 200
    plain = served.get(f"{IMAGE}?wid=40")
    assert "last-modified" in plain.headers  # a request without presets keeps its date


def test_imageprops_of_one_file_under_two_names_have_two_etags(served):
    # The same bytes uploaded twice: the source properties name the asset, so a strong
    # ETag must tell them apart (or one name's If-None-Match gets a 304 for the other).
    first = served.get("/is/image/Demo/one?req=imageprops")
    copy = served.get("/is/image/Demo/two?req=imageprops")
    assert "translatedId=Demo/two.jpg" in copy.text, copy.text
    assert copy.headers["etag"] != first.headers["etag"]
    crossed = served.get(
        "/is/image/Demo/two?req=imageprops", headers={"If-None-Match": first.headers["etag"]}
    )
    assert crossed.status_code == 200
    # The rendered image itself is the same bytes, so it keeps one tag.
    one, two = (served.get(f"/is/image/Demo/{n}?wid=20").headers["etag"] for n in ("one", "two"))
    assert one == two
