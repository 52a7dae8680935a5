"""The IPS web service as a front end of the server app: the URL modifiers it sets are the
ones Image Serving applies, the export coordinator is the app's, package links follow
``public_url``, and SIGTERM lets running exports finish."""

from __future__ import annotations

import io

import httpx
import pytest
from kits.waiting import wait_for
from PIL import Image
from soap_kit import WAIT, ServeProcess, jpeg_bytes

from engine.catalog import Catalog
from engine.cli import main
from engine.errors import SettingsError
from engine.samples import photo_bytes
from engine.server import ServerSettings

ANN = "ann@acme.test"


def image(server, path: str) -> Image.Image:
    answer = httpx.get(f"{server.url}/is/image/Acme/{path}", timeout=WAIT)
    assert answer.status_code == 200, answer.text
    return Image.open(io.BytesIO(answer.content))


def test_a_url_modifier_set_over_soap_is_applied_by_image_serving(server, world):
    session = server.service.catalog.session_for(ANN, world.acme)
    hat = session.upload(jpeg_bytes((80, 60)), name="hat.jpg").handle
    client = server.client(ANN)
    assert (image(server, "hat").format, image(server, "hat").width) == ("JPEG", 80)

    client.service.setUrlModifier(
        companyHandle=world.acme,
        assetHandle=hat,
        urlModifier="wid=20",
        urlPostApplyModifier="fmt=png",
    )
    plain = image(server, "hat")
    assert (plain.format, plain.width) == ("PNG", 20)
    asked = image(server, "hat?wid=40&fmt=jpg")  # the request beats the Modifier, not the Post
    assert (asked.format, asked.width) == ("PNG", 40)

    client.service.setUrlModifier(companyHandle=world.acme, assetHandle=hat)
    assert (image(server, "hat").format, image(server, "hat").width) == ("JPEG", 80)


def test_package_links_use_the_public_url_and_the_app_coordinator(serve, world):
    server = serve(public_url="https://images.example.com/")
    assert server.service.coordinator is server.app.coordinator
    assert server.app.package_url("j|1|x|2") == (
        "https://images.example.com/scene7/packages?jobHandle=j%7C1%7Cx%7C2"
    )


def test_the_public_url_setting_is_checked(monkeypatch, world):
    monkeypatch.setenv("ISRENDER_PUBLIC_URL", "http://proxy.test:8080/images/")
    assert ServerSettings.from_env(home=world.home).public_url == "http://proxy.test:8080/images"
    for bad in ("proxy.test", "ftp://proxy.test", "http://proxy.test/?a=1"):
        with pytest.raises(SettingsError, match="public_url"):
            ServerSettings(home=world.home, public_url=bad)


def test_serve_refuses_a_bad_public_url(world, capsys):
    argv = ["serve", "--home", str(world.home), "--public-url", "images.example.com"]
    assert main(argv) == 78
    assert "public_url='images.example.com'" in capsys.readouterr().err


def test_sigterm_lets_a_running_export_finish(world):
    with Catalog.open(world.home) as catalog:
        session = catalog.session_for(ANN, world.acme)
        handles = [
            session.upload(photo_bytes(2400, 1600, seed=n), name=f"big{n}.jpg").handle
            for n in range(4)
        ]
    process = ServeProcess(world.home, "--drain", "60")
    try:
        client = process.client(ANN)
        job = client.service.submitJob(
            companyHandle=world.acme,
            jobName="drained",
            exportJob={
                "assetHandleArray": {"items": handles},
                "fmt": "convert",
                "is_modifier": "wid=2000&fmt=png",
                "emailSetting": "None",
            },
        )
        wait_for(lambda: client.service.getActiveJobs(companyHandle=world.acme), "the job to start")
    finally:
        process.stop()
    assert "still running" not in process.output()
    with Catalog.open(world.home) as catalog:
        record = catalog.get_job(job)
    assert record.finished and not record.fatal_error, record
    assert (record.success_count, record.error_count) == (4, 0)
