"""A server shared by the read-only HTTP tests: company Demo with images, presets, URL
modifiers; companies Strict and Quiet with Scene7-style error settings (ErrorImage, 403,
ErrorDetail 0), Quiet also without the effect mask (ApplyEffectMask 0); companies Spoken and
Titled with error images that render the error as text."""

from __future__ import annotations

import contextlib

import pytest
from kits.server import PASSWORD, make_catalog, running_server, upload_photo


@pytest.fixture(scope="package")
def served(tmp_path_factory):
    home = tmp_path_factory.mktemp("served") / "home"
    session = make_catalog(home)
    with contextlib.closing(session.catalog):
        assets = {
            "photo": upload_photo(session, "photo.jpg", seed=1),
            "old": upload_photo(session, "twice.jpg", size=(300, 200), seed=2),
            "new": upload_photo(session, "twice.png", size=(200, 100), seed=3, fmt="PNG"),
            "modified": upload_photo(session, "framed.jpg", size=(400, 300), seed=4),
            "quoted": upload_photo(session, "quoted.jpg", size=(40, 30), seed=7),
        }
        session.set_preset("thumb", "wid=120&fmt=png")
        session.set_url_modifier(assets["modified"].handle, "wid=50&qlt=20", "fmt=png")
        # A comment, as a user who may set URL modifiers could write it, that would end a
        # JavaScript string early if the javascript response format left it as is.
        session.set_url_modifier(assets["quoted"].handle, ".c\\';alert(1);//\u2028x")
        strict = make_catalog_company(session, "Strict")
        upload_photo(strict, "only.jpg", size=(100, 80), seed=5)
        upload_photo(strict, "oops.png", size=(64, 48), seed=6, fmt="PNG")
        strict.set_company_attribute("ErrorImage", "oops")
        strict.set_company_attribute("Expiration", "1")
        quiet = make_catalog_company(session, "Quiet")
        upload_photo(quiet, "only.jpg", size=(100, 80), seed=5)
        quiet.set_company_attribute("ErrorStatus", "scene7")
        quiet.set_company_attribute("ErrorDetail", "0")
        quiet.set_company_attribute("ApplyEffectMask", "0")
        # r-errorimage.md's example: an error template that renders the message
        spoken = make_catalog_company(session, "Spoken")
        spoken.create_template("onError", "size=300,300&bgc=ffffff&text=$error.message$")
        spoken.set_company_attribute("ErrorImage", "onError")
        # ... and an image whose URL modifiers render the short title over it
        titled = make_catalog_company(session, "Titled")
        sign = upload_photo(titled, "sign.png", size=(120, 40), seed=8, fmt="PNG")
        titled.set_url_modifier(sign.handle, "layer=1&size=100,30&text=$error.title$")
        titled.set_company_attribute("ErrorImage", "sign")
    with running_server(home, "--workers", "2") as server:
        server.home = home
        server.assets = assets
        yield server


def make_catalog_company(session, name):
    catalog = session.catalog
    company = catalog.create_company(name)
    catalog.add_membership(session.user.handle, company.handle, "IpsAdmin")
    return catalog.authenticate(session.user.email, PASSWORD, name)
