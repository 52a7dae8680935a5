"""``isrender modifier``, ``isrender attribute`` and ``isrender serve`` on the command line."""

from __future__ import annotations

import contextlib

import pytest
from kits.server import PASSWORD, make_catalog, upload_photo

from engine.catalog import Catalog
from engine.cli import main
from engine.errors import SettingsError
from engine.server import ServerSettings
from engine.server.settings import max_workers


@pytest.fixture
def home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    session = make_catalog(home)
    with contextlib.closing(session.catalog):
        asset = upload_photo(session, "photo.jpg", size=(80, 60))
        catalog = session.catalog
        user = catalog.create_user("user@demo.test", PASSWORD)
        catalog.add_membership(user.handle, "Demo", "IpsUser")
    monkeypatch.setenv("ISRENDER_PASSWORD", PASSWORD)
    monkeypatch.setenv("ISRENDER_HOME", str(home))
    return home, asset.handle


def test_modifier_sets_the_url_modifiers(home, capsys):
    home, asset = home
    argv = ["modifier", asset, "--modifier", "wid=50", "--post-modifier", "fmt=png"]
    assert main([*argv, "--user", "user@demo.test"]) == 0
    assert "modifier='wid=50'" in capsys.readouterr().out
    with Catalog.open(home) as catalog:
        asset = catalog.find_image(catalog.company("Demo"), "photo")
    assert (asset.url_modifier, asset.url_post_modifier) == ("wid=50", "fmt=png")


def test_a_bad_modifier_is_refused(home, capsys):
    argv = ["modifier", home[1], "--modifier", "wid=x", "--user", "user@demo.test"]
    assert main(argv) == 2
    assert "urlModifier of" in capsys.readouterr().err


def test_attributes_are_for_company_admins(home, capsys):
    assert main(["attribute", "ErrorDetail", "0", "--user", "admin@demo.test"]) == 0
    assert main(["attribute", "--user", "admin@demo.test"]) == 0
    assert "ErrorDetail\t0" in capsys.readouterr().out
    assert main(["attribute", "ErrorDetail", "1", "--user", "user@demo.test"]) == 77
    assert main(["attribute", "ErrorDetail", "7", "--user", "admin@demo.test"]) == 2
    assert main(["attribute", "Colour", "red", "--user", "admin@demo.test"]) == 2
    assert main(["attribute", "applyeffectmask", "2", "--user", "admin@demo.test"]) == 2
    err = capsys.readouterr().err
    assert "expected 0, 1, 2 or 3" in err and "unknown company attribute 'Colour'" in err
    assert "invalid value '2' for attribute ApplyEffectMask; expected 0 or 1" in err


def test_serve_without_a_catalog_says_so(tmp_path, capsys):
    assert main(["serve", "--home", str(tmp_path / "typo")]) == 66
    err = capsys.readouterr().err
    assert "no catalog in" in err and "isrender init" in err
    assert not (tmp_path / "typo").exists()


def test_serve_refuses_a_drain_time_that_is_not_finite(home, capsys):
    assert main(["serve", "--drain", "inf"]) == 78
    assert "invalid server setting drain_timeout=inf" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["render_timeout", "drain_timeout"])
@pytest.mark.parametrize("value", [float("inf"), float("nan"), -1.0])
def test_server_times_must_be_finite(tmp_path, name, value):
    with pytest.raises(SettingsError, match=f"invalid server setting {name}"):
        ServerSettings(home=tmp_path, **{name: value})


def test_serve_refuses_more_worker_processes_than_four_per_core(home, capsys):
    too_many = max_workers() + 1
    for option in ("--workers", "--export-workers"):
        assert main(["serve", option, str(too_many)]) == 78
        err = capsys.readouterr().err
        assert f"={too_many} (1 to {too_many - 1}: 4 per core)" in err
