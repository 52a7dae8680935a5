"""The web page in a real headless Chromium (Debian's ``chromium``, driven by Playwright):
sign in, render a preset, a parse error, compare, edit and save a preset, submit an export,
watch it finish and download its package. Each screen is saved as a PNG under
``test-artifacts/web/`` (the folder is printed at the end of the run)."""

from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path

import pytest
from conftest import post_json
from kits.server import PASSWORD
from test_web_jobs import many_assets

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTEFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "web"
TIMEOUT = 60_000


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install --no-install-recommends chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(message)  # CI installs it (.ci/run): never skip there
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, site):
    context = browser.new_context(
        base_url=site.url, viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("E-mail").fill(site.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")  # the keyboard signs in
    page.wait_for_url(site.url + "/")
    yield page
    context.close()


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)


def test_sign_in_form(browser, site):
    context = browser.new_context(base_url=site.url)
    page = context.new_page()
    page.goto("/jobs")
    page.wait_for_url(re.compile(r"/login\?next=/jobs$"))
    page.get_by_label("E-mail").fill(site.email)
    page.get_by_label("Password").fill("wrong")
    shot(page, "01-sign-in")
    page.get_by_role("button", name="Sign in").click()
    assert "Invalid username/password" in page.get_by_role("alert").inner_text()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(site.url + "/jobs")
    assert page.get_by_role("heading", name="Jobs", exact=True).is_visible()
    context.close()


def rendition_size(page, index: int = 0) -> tuple[int, int]:
    image = page.locator(".rendition").nth(index)
    return tuple(image.evaluate("img => [img.naturalWidth, img.naturalHeight]"))


def test_render_a_preset(page):
    page.get_by_role("button", name="photo.jpg").click()
    page.get_by_label("Preset").select_option("thumb")
    assert page.get_by_label("Modifiers, or a whole").input_value() == "$thumb$"
    facts = page.locator(".facts").first
    facts.filter(has_text="120 × 80 px").wait_for()
    assert rendition_size(page) == (120, 80)  # 640×427 at wid=120
    assert "image/png" in facts.inner_text()
    assert re.search(r"\d+ bytes", facts.inner_text())
    assert "wid=120" in page.locator(".resolved").first.inner_text()
    assert "wid=120" in page.locator(".tree").first.inner_text()
    assert "image.width=120" in page.locator(".props").first.inner_text().replace(" ", "")
    url = page.locator(".url").first.input_value()
    assert url.endswith("/is/image/Acme/photo.jpg?$thumb$")
    shot(page, "02-playground-preset")


def test_a_whole_url_is_taken_apart(page, site):
    page.get_by_role("button", name="second.png").click()
    page.get_by_label("Modifiers, or a whole").fill(f"{site.url}/is/image/Acme/photo?wid=200")
    page.locator(".facts").first.filter(has_text="200 × 133 px").wait_for()
    assert page.get_by_label("Modifiers, or a whole").input_value() == "wid=200"
    assert "photo.jpg" in page.locator("#asset-chosen").inner_text()


def test_parse_error_points_at_its_offset(page):
    page.get_by_label("Modifiers, or a whole").fill("wid=400&hei=abc")
    error = page.locator(".parse-error").first
    error.wait_for(state="visible")
    assert "command 'hei'" in error.inner_text()
    where = page.locator(".parse-where").first.inner_text().splitlines()
    assert where[0] == "wid=400&hei=abc"
    assert where[1].index("^") == 8 and where[1].count("^") == 7
    assert page.get_by_role("alert").first.is_visible()
    shot(page, "03-playground-parse-error")


def test_compare_two_modifier_strings(page):
    page.get_by_role("button", name="photo.jpg").click()
    page.get_by_label("Modifiers, or a whole").fill("wid=300")
    page.get_by_label("Compare with a second modifier string").check()
    page.get_by_label("Second modifiers").fill("wid=160&fmt=png")
    page.locator(".facts").nth(0).filter(has_text="300 × 200 px").wait_for()
    page.locator(".facts").nth(1).filter(has_text="160 × 107 px").wait_for()
    assert "image/png" in page.locator(".facts").nth(1).inner_text()
    shot(page, "04-playground-compare")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    shot(page, "05-playground-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_import_a_macro_file(page, tmp_path):
    macros = tmp_path / "library.txt"
    macros.write_bytes(b"Name\tDefinition\nimported_a\twid=50\nimported_b\t$imported_a$&fmt=png\n")
    page.goto("/presets")
    page.get_by_label("Macro file").set_input_files(str(macros))
    page.get_by_role("button", name="Import").click()
    page.locator("#import-status").filter(
        has_text="Imported 2 preset(s) from library.txt"
    ).wait_for()
    assert page.get_by_role("button", name="Edit $imported_b$").is_visible()


def test_edit_and_save_a_preset(page):
    page.goto("/presets")
    page.get_by_role("button", name="Edit $thumb$").click()
    assert page.get_by_label("Modifiers").input_value() == "wid=120&fmt=png"
    page.get_by_label("Name").fill("banner")
    page.get_by_label("Modifiers").fill("wid=300&hei=abc")
    page.locator("#validation").filter(has_text="command 'hei'").wait_for()
    assert page.get_by_role("button", name="Save").is_disabled()
    shot(page, "06-presets-invalid")
    page.get_by_label("Modifiers").fill("wid=300&fmt=png")
    page.locator("#validation").filter(has_text="Valid").wait_for()
    page.get_by_role("button", name="Save").click()
    page.locator("#save-status").filter(has_text="Saved $banner$").wait_for()
    assert page.get_by_role("button", name="Edit $banner$").is_visible()
    shot(page, "07-presets-saved")
    page.reload()
    page.get_by_role("button", name="Edit $banner$").click()
    assert page.get_by_label("Modifiers").input_value() == "wid=300&fmt=png"


def test_submit_an_export_watch_it_and_download(page, tmp_path):
    page.goto("/jobs")
    page.get_by_label("photo.jpg").check()
    page.get_by_label("second.png").check()
    page.get_by_label("fmt").select_option("convert")
    page.get_by_label("is_modifier").fill("&fmt=png")
    page.get_by_label("macro").fill("$thumb$")
    page.get_by_label("Job name").fill("browser-export")
    page.get_by_role("button", name="Submit export").click()
    page.locator("#export-status").filter(has_text="Submitted browser-export").wait_for()
    row = page.locator("tr", has=page.get_by_role("rowheader", name="browser-export"))
    row.locator(".state").filter(has_text="Done").wait_for(timeout=180_000)
    assert row.locator(".counts").inner_text().startswith("2 / 0 / 0 of 2")
    page.locator("#log-rows tr").nth(1).wait_for()
    assert "photo.jpg" in page.locator("#log-rows").inner_text()
    shot(page, "08-jobs-done")
    with page.expect_download() as download:
        row.get_by_role("link", name="Download the package of browser-export").click()
    data = Path(download.value.path()).read_bytes()
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert any(name.endswith("photo.png") for name in names), names
    assert len(names) >= 2


def paused_job(acme, handles, name):
    """A job paused right after it was submitted (through the API, so no page load can let
    it finish first)."""
    body = {"handles": handles, "fmt": "convert", "is_modifier": "wid=1500&op_usm=5,3,10",
            "name": name}  # fmt: skip
    job = post_json(acme, "/web/api/jobs/submit", body).json()
    paused = post_json(acme, "/web/api/jobs/pause", {"handle": job["handle"]})
    assert paused.json()["state"] == "Paused", paused.text


def test_resume_and_stop_buttons(page, site, acme):
    handles = many_assets(site, 30)
    paused_job(acme, handles, "to-resume")
    paused_job(acme, handles, "to-stop")
    page.goto("/jobs")
    resumed = page.locator("tr", has=page.get_by_role("rowheader", name="to-resume"))
    stopped = page.locator("tr", has=page.get_by_role("rowheader", name="to-stop"))
    stopped.locator(".state").filter(has_text="Paused").wait_for()
    assert stopped.get_by_role("button", name="Pause to-stop").count() == 0
    shot(page, "09-jobs-paused")
    stopped.get_by_role("button", name="Stop to-stop").click()
    stopped.locator(".state").filter(has_text="Done").wait_for()
    stopped.get_by_role("button", name="Log of to-stop").click()
    page.locator("#log-heading").filter(has_text="to-stop").wait_for()
    assert "FileCancel" in page.locator("#log-rows").inner_text()
    resumed.get_by_role("button", name="Resume to-resume").click()
    resumed.locator(".state").filter(has_text="Done").wait_for(timeout=180_000)
    assert resumed.locator(".counts").inner_text().startswith("30 / 0 / 0 of 30")
