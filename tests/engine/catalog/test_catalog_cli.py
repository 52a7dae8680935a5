"""The catalog commands through ``engine.cli.main``, against a real catalog folder."""

from __future__ import annotations

import json

import pytest
from catalog_kit import CHEAP_SCRYPT_N, PASSWORD, image_bytes

from engine.catalog import Catalog
from engine.cli import main
from engine.errors import CatalogError


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An empty catalog folder as $ISRENDER_HOME, the password in $ISRENDER_PASSWORD."""
    folder = tmp_path / "home"
    monkeypatch.setenv("ISRENDER_HOME", str(folder))
    monkeypatch.setenv("ISRENDER_PASSWORD", PASSWORD)
    monkeypatch.delenv("ISRENDER_USER", raising=False)
    monkeypatch.delenv("ISRENDER_COMPANY", raising=False)
    return folder


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def add_user(home, email: str, role: str) -> None:
    """A member of Acme, hashed cheaply (the hash keeps its cost, so sign-in is cheap too)."""
    with Catalog.open(home, scrypt_n=CHEAP_SCRYPT_N) as catalog:
        user = catalog.create_user(email, PASSWORD)
        catalog.add_membership(user.handle, "Acme", role)


@pytest.fixture
def acme(home, capsys):
    """Company Acme with ann (IpsUser)."""
    assert run(capsys, "company", "add", "Acme") == (0, "c|1\tAcme\n", "")
    add_user(home, "ann@acme.test", "IpsUser")
    return home


def test_company_and_user_add(home, capsys):
    status, out, _ = run(capsys, "company", "add", "Acme")
    assert status == 0 and out == "c|1\tAcme\n"
    status, out, _ = run(
        capsys,
        "user",
        "add",
        "ann@acme.test",
        "--company",
        "c|1",
        "--role",
        "IpsAdmin",
        "--first-name",
        "Ann",
    )
    assert status == 0 and "ann@acme.test\tAcme\tIpsAdmin\t(created)" in out
    run(capsys, "company", "add", "Rival")
    status, out, _ = run(
        capsys, "user", "add", "ann@acme.test", "--company", "Rival", "--role", "IpsUser"
    )
    assert status == 0 and "(existing user)" in out
    with Catalog.open(home) as catalog:
        assert catalog.user("ann@acme.test").first_name == "Ann"
        assert catalog.role("ann@acme.test", "Rival") == "IpsUser"
        assert catalog.authenticate("ann@acme.test", PASSWORD, "Acme").role == "IpsAdmin"


def test_errors_are_one_line_with_status_2(home, capsys):
    run(capsys, "company", "add", "Acme")
    status, out, err = run(capsys, "company", "add", "acme")
    assert (status, out) == (2, "")
    assert err == "isrender: a company named 'acme' already exists\n"
    with pytest.raises(SystemExit):  # argparse refuses an unknown role
        main(["user", "add", "x@acme.test", "--company", "Acme", "--role", "Boss"])


def test_upload_and_list_assets(acme, capsys, tmp_path):
    photo = tmp_path / "photo.png"
    photo.write_bytes(image_bytes("PNG", (32, 16)))
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    status, out, _ = run(
        capsys, "upload", str(photo), str(notes), "--folder", "shoot", "--user", "ann@acme.test"
    )
    assert status == 0
    assert out.splitlines() == [
        f"a|1|1\tImage\t32x16\t{photo.stat().st_size} bytes\t/shoot/photo.png",
        "a|1|2\tAsset\t-\t5 bytes\t/shoot/notes.txt",
    ]
    status, out, _ = run(
        capsys, "assets", "list", "--json", "--user", "ann@acme.test", "--company", "Acme"
    )
    listed = json.loads(out)
    assert [(a["name"], a["asset_type"], a["width"]) for a in listed] == [
        ("notes.txt", "Asset", None),
        ("photo.png", "Image", 32),
    ]
    assert listed[1]["uploaded"].endswith("+00:00") and listed[1]["members"] == []


def test_user_and_company_from_the_environment(acme, capsys, monkeypatch):
    monkeypatch.setenv("ISRENDER_USER", "ann@acme.test")
    monkeypatch.setenv("ISRENDER_COMPANY", "Acme")
    status, out, _ = run(capsys, "assets", "list", "--json")
    assert (status, json.loads(out)) == (0, [])


def test_explicit_home_wins_over_the_environment(acme, capsys, tmp_path):
    other = tmp_path / "other"
    assert run(capsys, "company", "add", "Solo", "--home", str(other))[0] == 0
    with Catalog.open(other) as catalog:
        assert catalog.company("Solo").name == "Solo"
        with pytest.raises(CatalogError, match="Acme"):
            catalog.company("Acme")


def test_sign_in_failures(acme, capsys, monkeypatch):
    status, _, err = run(capsys, "assets", "list")
    assert status == 77 and "--user" in err  # AuthenticationFault.exit_status
    monkeypatch.setenv("ISRENDER_PASSWORD", "wrong")
    status, _, err = run(capsys, "assets", "list", "--user", "ann@acme.test")
    assert status == 77 and "Invalid username/password" in err
    monkeypatch.setenv("ISRENDER_PASSWORD", PASSWORD)
    status, _, err = run(capsys, "assets", "list", "--user", "ann@acme.test", "--company", "Rival")
    assert status == 77 and "not a member" in err


def test_a_read_only_role_cannot_upload(acme, capsys, tmp_path):
    add_user(acme, "ivy@acme.test", "ImagePortalUser")
    photo = tmp_path / "photo.png"
    photo.write_bytes(image_bytes())
    status, _, err = run(capsys, "upload", str(photo), "--user", "ivy@acme.test")
    assert status == 77 and "ImagePortalUser has no permission for operation upload" in err


def test_presets(acme, capsys, tmp_path):
    who = ("--user", "ann@acme.test")
    assert run(capsys, "preset", "set", "thumb", "wid=100&fmt=png", *who)[0] == 0
    macro_file = tmp_path / "more.mac"
    macro_file.write_text("Name\tDefinition\nzoom\twid=2000\nframed\t$thumb$&bgc=000000\n")
    status, out, _ = run(capsys, "preset", "import", str(macro_file), *who)
    assert status == 0 and "imported 2 preset(s)" in out
    status, out, _ = run(capsys, "preset", "list", *who)
    assert out.splitlines() == [
        "$framed$\t$thumb$&bgc=000000",
        "$thumb$\twid=100&fmt=png",
        "$zoom$\twid=2000",
    ]
    assert run(capsys, "preset", "delete", "zoom", *who)[0] == 0
    status, out, _ = run(capsys, "preset", "list", "--json", *who)
    assert json.loads(out) == {"framed": "$thumb$&bgc=000000", "thumb": "wid=100&fmt=png"}
    status, _, err = run(capsys, "preset", "set", "bad", "wid=huge", *who)
    assert status == 2 and "preset 'bad' is not a valid modifier string" in err


def test_a_group_without_an_action_prints_its_usage(home, capsys):
    status, _, err = run(capsys, "preset")
    assert status == 2 and "ACTION" in err


def test_a_file_name_that_is_not_utf8_uploads_without_a_traceback(acme, capsys, tmp_path):
    """On Linux a file name may hold any bytes; Python shows the bad ones as surrogates."""
    photo = tmp_path / "caf\udce9.png"  # b"caf\xe9.png", Latin-1 on disk
    photo.write_bytes(image_bytes("PNG", (8, 8)))
    status, out, err = run(capsys, "upload", str(photo), "--user", "ann@acme.test")
    assert (status, err) == (0, "")
    assert out.rstrip().endswith("/caf\ufffd.png")


def test_a_password_that_is_not_utf8_is_just_a_wrong_password(acme, capsys, monkeypatch):
    monkeypatch.setenv("ISRENDER_PASSWORD", "s3cret\udcff")
    status, _, err = run(capsys, "assets", "list", "--user", "ann@acme.test")
    assert status == 77 and "Invalid username/password" in err


def test_signing_in_to_a_missing_home_says_so_and_creates_nothing(acme, capsys, tmp_path):
    typo = tmp_path / "hoem"
    status, _, err = run(capsys, "assets", "list", "--user", "ann@acme.test", "--home", str(typo))
    assert status == 2 and "no catalog" in err and str(typo) in err
    assert not typo.exists()
