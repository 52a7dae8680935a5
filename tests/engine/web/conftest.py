"""A real ``isrender serve`` for the web page's tests: company Acme (images, a preset, a
finished job) whose admin the tests sign in as, and company Other with its own asset and job,
which Acme's user must never reach."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

import httpx
import pytest
from kits.server import PASSWORD, make_catalog, running_server, upload_photo

from engine.export import Coordinator, ExportJob


def finished_job(session, handles, name):
    with Coordinator(session.catalog, max_workers=1) as coordinator:
        handle = coordinator.submit_job(session, ExportJob(handles, fmt="orig"), name=name)
        record = coordinator.wait(session, handle, timeout=120)
    assert record.state == "Done", record
    return record


@pytest.fixture(scope="package")
def site(tmp_path_factory):
    home = tmp_path_factory.mktemp("web") / "home"
    acme = make_catalog(home, "Acme")
    with contextlib.closing(acme.catalog):
        photo = upload_photo(acme, "photo.jpg", size=(640, 427), seed=1)
        upload_photo(acme, "second.png", size=(300, 200), seed=2, fmt="PNG")
        acme.set_preset("thumb", "wid=120&fmt=png")
        acme_job = finished_job(acme, [photo.handle], "acme-orig")
        viewer = acme.catalog.create_user("viewer@acme.test", PASSWORD)
        acme.catalog.add_membership(viewer.handle, acme.company.handle, "ImagePortalUser")
    other = make_catalog(home, "Other")
    with contextlib.closing(other.catalog):
        secret = upload_photo(other, "secret.jpg", size=(200, 100), seed=3)
        other_job = finished_job(other, [secret.handle], "other-orig")
    with running_server(home, "--workers", "1", "--export-workers", "1") as server:
        server.home = home
        server.photo, server.secret = photo, secret
        server.acme_job, server.other_job = acme_job, other_job
        server.email = "admin@acme.test"
        yield server


def pytest_terminal_summary(terminalreporter):
    folder = Path(__file__).resolve().parents[3] / "test-artifacts" / "web"
    if folder.is_dir() and any(folder.glob("*.png")):
        terminalreporter.write_line(f"web page screenshots: {folder}")


def sign_in(url: str, email: str, password: str = PASSWORD) -> httpx.Client:
    """An httpx client signed in through the sign-in form, with the CSRF token of its
    session in ``client.csrf``."""
    client = httpx.Client(base_url=url, timeout=60)
    form = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    response = client.post(
        "/login", data={"csrf": token, "email": email, "password": password, "next": "/"}
    )
    assert response.status_code == 303, response.text
    page = client.get("/")
    client.csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
    return client


def post_json(client: httpx.Client, path: str, body: dict) -> httpx.Response:
    """A JSON call as the page makes it: with the session's CSRF token."""
    return client.post(path, json=body, headers={"X-CSRF-Token": client.csrf})


@pytest.fixture
def acme(site):
    with contextlib.closing(sign_in(site.url, site.email)) as client:
        yield client
