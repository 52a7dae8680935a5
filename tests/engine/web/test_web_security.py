"""The web page's security over real HTTP: sessions, CSRF, and company boundaries."""

from __future__ import annotations

import contextlib
import time
from urllib.parse import quote

import httpx
from conftest import post_json, sign_in
from kits.server import PASSWORD, running_server

from engine.catalog import Catalog


def test_pages_and_api_need_a_session(site):
    with httpx.Client(base_url=site.url, timeout=60) as anonymous:
        for path in ("/", "/presets", "/jobs"):
            response = anonymous.get(path)
            assert response.status_code == 303
            assert response.headers["location"] == f"/login?next={path}"
        for path in ("/web/api/me", "/web/api/assets", "/web/api/jobs", "/web/api/presets"):
            response = anonymous.get(path)
            assert response.status_code == 401
            assert "sign in" in response.json()["error"]


def test_session_cookie_flags_and_no_password_in_logs(site):
    with httpx.Client(base_url=site.url, timeout=60) as client:
        form = client.get("/login")
        token = client.cookies["isrender_login"]
        assert f'value="{token}"' in form.text
        response = client.post(
            "/login",
            data={"csrf": token, "email": site.email, "password": "server-test-password"},
        )
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith("isrender_session=")
    for flag in ("httponly", "samesite=strict", "path=/", "max-age="):
        assert flag in cookie
    assert "secure" not in cookie  # plain http on 127.0.0.1; https adds Secure
    assert "server-test-password" not in site.output()


def test_wrong_password_is_refused_without_a_session(site):
    with httpx.Client(base_url=site.url, timeout=60) as client:
        client.get("/login")
        response = client.post(
            "/login",
            data={"csrf": client.cookies["isrender_login"], "email": site.email, "password": "no"},
        )
        assert response.status_code == 401
        assert "Invalid username/password" in response.text
        assert "isrender_session" not in client.cookies
        assert client.get("/web/api/me").status_code == 401


def test_guessing_a_password_is_throttled_with_429(site):
    """engine.server.signins: the eleventh sign-in within 15 minutes after ten wrong
    passwords is refused before the password is checked, with Retry-After."""
    with Catalog.open(site.home) as catalog:
        user = catalog.create_user("guessed@acme.test", PASSWORD)
        catalog.add_membership(user.handle, site.photo.company, "ImagePortalUser")

    def attempt(client: httpx.Client, password: str) -> httpx.Response:
        client.get("/login")
        token = client.cookies["isrender_login"]
        form = {"csrf": token, "email": "guessed@acme.test", "password": password}
        return client.post("/login", data=form)

    with httpx.Client(base_url=site.url, timeout=60) as client:
        assert [attempt(client, f"guess{n}").status_code for n in range(10)] == [401] * 10
        refused = attempt(client, PASSWORD)
    assert refused.status_code == 429
    assert 800 < int(refused.headers["retry-after"]) <= 900
    assert "too many failed sign-ins for this account" in refused.text
    assert "isrender_session" not in refused.headers.get("set-cookie", "")


def test_sign_in_without_the_form_token_is_refused(site):
    with httpx.Client(base_url=site.url, timeout=60) as client:
        response = client.post(
            "/login", data={"email": site.email, "password": "server-test-password"}
        )
    assert response.status_code == 403
    assert "isrender_session" not in response.headers.get("set-cookie", "")


def test_another_companys_asset_is_refused_everywhere(site, acme):
    secret = quote(site.secret.handle)
    assert acme.get(f"/web/api/asset?handle={secret}").status_code == 403
    names = [a["name"] for a in acme.get("/web/api/assets").json()["assets"]]
    assert {"photo.jpg", "second.png"} <= set(names)
    assert "secret.jpg" not in names
    assert acme.get("/web/api/assets?q=secret").json()["assets"] == []
    parsed = post_json(acme, "/web/api/parse", {"modifiers": "wid=10", "asset": site.secret.handle})
    assert parsed.status_code == 403
    submitted = post_json(
        acme, "/web/api/jobs/submit", {"handles": [site.secret.handle], "fmt": "orig"}
    )
    assert submitted.status_code == 403
    assert "illegal asset handle" in submitted.json()["error"]


def test_another_companys_job_is_refused_everywhere(site, acme):
    other = quote(site.other_job.handle)
    assert acme.get(f"/web/api/job?handle={other}").status_code == 403
    download = acme.get(f"/web/api/job/package?handle={other}")
    assert download.status_code == 403
    assert not download.content.startswith(b"PK")
    for action in ("stop", "pause", "resume"):
        response = post_json(acme, f"/web/api/jobs/{action}", {"handle": site.other_job.handle})
        assert response.status_code == 403, action
    listed = [job["handle"] for job in acme.get("/web/api/jobs").json()["jobs"]]
    assert site.acme_job.handle in listed
    assert site.other_job.handle not in listed
    own = acme.get(f"/web/api/job/package?handle={quote(site.acme_job.handle)}")
    assert own.status_code == 200
    assert own.content.startswith(b"PK")


def test_forged_cross_site_posts_are_refused(site, acme):
    body = {"name": "forged", "modifiers": "wid=1"}
    without_token = acme.post("/web/api/presets/save", json=body)
    assert without_token.status_code == 403
    assert "CSRF" in without_token.json()["error"]
    wrong_token = acme.post("/web/api/presets/save", json=body, headers={"X-CSRF-Token": "x"})
    assert wrong_token.status_code == 403
    other_origin = acme.post(
        "/web/api/presets/save",
        json=body,
        headers={"X-CSRF-Token": acme.csrf, "Origin": "https://evil.example"},
    )
    assert other_origin.status_code == 403
    cross_site = acme.post(
        "/web/api/presets/save",
        json=body,
        headers={"X-CSRF-Token": acme.csrf, "Sec-Fetch-Site": "cross-site"},
    )
    assert cross_site.status_code == 403
    forged_logout = acme.post("/logout", data={"csrf": "x"})
    assert forged_logout.status_code == 403
    assert "forged" not in acme.get("/web/api/presets").text
    saved = post_json(acme, "/web/api/presets/save", body)
    assert saved.status_code == 200
    assert {"name": "forged", "modifiers": "wid=1"} in saved.json()["presets"]


def test_sign_out_ends_the_session(site):
    with contextlib.closing(sign_in(site.url, site.email)) as client:
        assert client.get("/web/api/me").status_code == 200
        token = client.cookies["isrender_session"]
        assert client.post("/logout", data={"csrf": client.csrf}).status_code == 303
        client.cookies.set("isrender_session", token)  # replayed after sign-out
        assert client.get("/web/api/me").status_code == 401


def test_the_session_expires(site):
    started = running_server(site.home, "--workers", "1", "--session-timeout", "3")
    with started as server, contextlib.closing(sign_in(server.url, site.email)) as client:
        assert client.get("/web/api/me").status_code == 200
        time.sleep(3.5)
        assert client.get("/web/api/me").status_code == 401
        assert client.get("/jobs").status_code == 303


def test_the_role_decides(site):
    with contextlib.closing(sign_in(site.url, "viewer@acme.test")) as viewer:
        me = viewer.get("/web/api/me").json()
        assert me["role"] == "ImagePortalUser"
        assert me["may"]["getPresets"] and not me["may"]["setPreset"]
        assert not me["may"]["submitJob"] and not me["may"]["stopJob"]
        assert viewer.get("/web/api/presets").status_code == 200
        assert viewer.get("/web/api/jobs").status_code == 200
        saved = post_json(viewer, "/web/api/presets/save", {"name": "x", "modifiers": "wid=1"})
        assert saved.status_code == 403
        assert "no permission for operation setPreset" in saved.json()["error"]
        submitted = post_json(
            viewer, "/web/api/jobs/submit", {"handles": [site.photo.handle], "fmt": "orig"}
        )
        assert submitted.status_code == 403
        stopped = post_json(viewer, "/web/api/jobs/stop", {"handle": site.acme_job.handle})
        assert stopped.status_code == 403


def test_the_cookies_are_secure_behind_an_https_proxy(site):
    """uvicorn takes the scheme from X-Forwarded-Proto when the proxy is 127.0.0.1."""
    https = {"X-Forwarded-Proto": "https"}
    form = httpx.get(site.url + "/login", headers=https, timeout=60)
    assert "; secure" in form.headers["set-cookie"].lower()
    token = form.cookies["isrender_login"]
    response = httpx.post(
        site.url + "/login",
        data={"csrf": token, "email": site.email, "password": "server-test-password"},
        headers={**https, "Cookie": f"isrender_login={token}"},
        timeout=60,
    )
    assert response.status_code == 303
    session_cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith("isrender_session=")
    )
    assert "; secure" in session_cookie.lower()
