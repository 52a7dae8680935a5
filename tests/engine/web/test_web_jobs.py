"""Job control through the web API: pause, resume and stop, as the buttons call them."""

from __future__ import annotations

import base64
import contextlib
import signal
import time
from urllib.parse import quote

from conftest import post_json, sign_in
from kits.server import PASSWORD, alive, descendants, running_server, upload_photo

from engine.catalog import Catalog


def call(client, action, handle):
    return post_json(client, f"/web/api/jobs/{action}", {"handle": handle})


def wait_done(client, handle, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/web/api/job?handle={quote(handle)}").json()
        if job["finished"]:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {handle} did not finish: {job}")


def many_assets(site, count=40):
    """Handles of ``count`` small images, so a job runs long enough to be paused."""
    catalog = Catalog.open(site.home)
    with contextlib.closing(catalog):
        session = catalog.authenticate(site.email, PASSWORD, "Acme")
        return [
            upload_photo(session, f"many-{i}.jpg", size=(64, 48), seed=10 + i).handle
            for i in range(count)
        ]


def submit(client, handles, name, modifier):
    body = {"handles": handles, "fmt": "convert", "is_modifier": modifier, "name": name}
    response = post_json(client, "/web/api/jobs/submit", body)
    assert response.status_code == 200, response.text
    return response.json()


def test_pause_resume_and_stop(site, acme):
    job = submit(acme, many_assets(site), "paused-job", "wid=1500&op_usm=5,3,10")
    assert job["state"] in ("New", "Running")
    paused = call(acme, "pause", job["handle"])
    assert paused.status_code == 200, paused.text
    assert paused.json()["state"] == "Paused"
    refused = call(acme, "pause", "j|999|nope|999")
    assert refused.status_code == 403
    resumed = call(acme, "resume", job["handle"])
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["state"] == "Running"
    done = wait_done(acme, job["handle"])
    assert done["state"] == "Done"
    assert done["details"][0]["type"] == "BeginGet"
    again = call(acme, "resume", job["handle"])
    assert again.status_code == 409
    assert "finished" in again.json()["error"]


def test_a_bad_export_form_is_explained(site, acme):
    response = post_json(
        acme, "/web/api/jobs/submit", {"handles": [site.photo.handle], "fmt": "zip"}
    )
    assert response.status_code == 400
    assert "fmt" in response.json()["error"]
    response = post_json(acme, "/web/api/jobs/submit", {"handles": "a|1|1", "fmt": "orig"})
    assert response.status_code == 400
    assert "handles must be a list" in response.json()["error"]


def test_parse_reports_the_error_and_the_tree(site, acme):
    bad = post_json(acme, "/web/api/parse", {"modifiers": "wid=1&bogus=2"})
    assert bad.json() == {
        "ok": False,
        "error": bad.json()["error"] | {"offset": 6, "command": "bogus"},
    }
    good = post_json(
        acme, "/web/api/parse", {"modifiers": "$thumb$&wid=90", "asset": site.photo.handle}
    ).json()
    assert good["ok"] and good["resolved"] == "wid=90&fmt=png"
    assert "Plan for 'photo'" in good["tree"]


def macro_file(text: str, encoding: str = "latin-1") -> dict:
    return {"name": "presets.txt", "data": base64.b64encode(text.encode(encoding)).decode()}


def test_import_a_macro_file(acme):
    good = "Name\tDefinition\nweb_small\twid=64&fmt=png\nweb_caf\xe9\twid=65\n"
    imported = post_json(acme, "/web/api/presets/import", macro_file(good))
    assert imported.status_code == 200, imported.text
    assert imported.json()["imported"] == 2
    presets = {p["name"]: p["modifiers"] for p in imported.json()["presets"]}
    assert presets["web_small"] == "wid=64&fmt=png"
    assert presets["web_caf\xe9"] == "wid=65"
    bad = "Name\tDefinition\nweb_fine\twid=10\nweb_broken\twid=abc\n"
    refused = post_json(acme, "/web/api/presets/import", macro_file(bad))
    assert refused.status_code == 400
    assert "web_broken" in refused.json()["error"]
    names = [p["name"] for p in acme.get("/web/api/presets").json()["presets"]]
    assert "web_fine" not in names  # all or none
    garbage = post_json(acme, "/web/api/presets/import", {"name": "x", "data": "!!"})
    assert garbage.status_code == 400


def test_sigterm_during_a_job_leaves_no_process(site):
    handles = many_assets(site, 20)
    started = running_server(site.home, "--workers", "1", "--export-workers", "1", "--drain", "0")
    with started as server, contextlib.closing(sign_in(server.url, site.email)) as client:
        submit(client, handles, "interrupted", "wid=1500&op_usm=5,3,10")
        time.sleep(0.5)
        processes = descendants(server.process.pid)
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(120)
    deadline = time.monotonic() + 10  # a worker may still be exiting
    while alive(processes) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert alive(processes) == set()
