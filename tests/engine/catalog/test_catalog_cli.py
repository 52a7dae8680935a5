"""The catalog commands through ``engine.cli.main``, against a real catalog folder."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest
from catalog_kit import image_bytes
from kits.catalog import CHEAP_SCRYPT_N, PASSWORD

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


ADMIN = ("--user", "boss@acme.test")


@pytest.fixture
def acme(home, capsys):
    """A catalog initialised with company Acme and its IpsAdmin boss, plus ann (IpsUser)."""
    status, out, _ = run(capsys, "init", "--company", "Acme", *ADMIN)
    assert status == 0
    assert out.splitlines()[1:] == ["c|1\tAcme", "u|1\tboss@acme.test\tAcme\tIpsAdmin\t(created)"]
    add_user(home, "ann@acme.test", "IpsUser")
    return home


def test_init_makes_a_private_home_with_the_first_administrator(home, capsys):
    status, out, err = run(capsys, "init", "--company", "Acme", *ADMIN, "--first-name", "Bo")
    assert (status, err) == (0, "")
    assert out.splitlines()[0] == f"initialised the catalog in {home}"
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE((home / "blobs").stat().st_mode) == 0o700
    databases = list(home.glob("catalog.sqlite3*"))  # with the WAL and shared-memory files
    assert databases and {stat.S_IMODE(p.stat().st_mode) for p in databases} == {0o600}
    with Catalog.open(home) as catalog:
        session = catalog.authenticate("boss@acme.test", PASSWORD)
        assert (session.company.name, session.role, session.user.first_name) == (
            "Acme",
            "IpsAdmin",
            "Bo",
        )


def test_init_happens_once(acme, capsys):
    status, _, err = run(capsys, "init", "--company", "Rival", "--user", "eve@rival.test")
    assert status == 2 and "already initialised" in err
    with Catalog.open(acme) as catalog, pytest.raises(CatalogError):
        catalog.company("Rival")


def test_user_add_without_credentials_is_refused(acme, capsys):
    status, _, err = run(capsys, "user", "add", "eve@acme.test", "--role", "IpsAdmin")
    assert status == 77 and "no user: give --user" in err
    with Catalog.open(acme) as catalog, pytest.raises(CatalogError):
        catalog.user("eve@acme.test")


@pytest.mark.parametrize(
    ("argv", "operation"),
    [
        (("user", "add", "eve@acme.test", "--role", "IpsAdmin"), "addUser"),
        (("user", "add", "ann@acme.test", "--role", "IpsAdmin"), "addUser"),
        (("company", "add", "Eve Corp"), "addCompany"),
    ],
)
def test_a_user_who_is_no_administrator_cannot_administer(acme, capsys, argv, operation):
    status, _, err = run(capsys, *argv, "--user", "ann@acme.test")
    assert status == 77  # AuthorizationFault.exit_status
    assert f"role IpsUser has no permission for operation {operation}" in err
    with Catalog.open(acme) as catalog:
        assert catalog.role("ann@acme.test", "Acme") == "IpsUser"
        assert [c.name for c in catalog.companies_of("ann@acme.test")] == ["Acme"]
        with pytest.raises(CatalogError):
            catalog.user("eve@acme.test")


def test_an_administrator_adds_users_companies_and_roles(acme, capsys, monkeypatch):
    monkeypatch.setenv("ISRENDER_NEW_PASSWORD", "bob's own password")
    argv = ["user", "add", "bob@acme.test", "--role", "IpsCompanyAdmin", "--first-name", "Bob"]
    status, out, _ = run(capsys, *argv, *ADMIN)
    assert status == 0 and out == "u|3\tbob@acme.test\tAcme\tIpsCompanyAdmin\t(created)\n"
    assert run(capsys, "company", "add", "Rival", *ADMIN)[:2] == (0, "c|2\tRival\n")
    status, out, _ = run(
        capsys, "user", "add", "ann@acme.test", "--role", "IpsUser", "--company", "Rival", *ADMIN
    )
    assert status == 0 and out.endswith("Rival\tIpsUser\t(existing user)\n")
    with Catalog.open(acme) as catalog:
        bob = catalog.authenticate("bob@acme.test", "bob's own password")
        assert (bob.role, bob.user.first_name) == ("IpsCompanyAdmin", "Bob")
        assert catalog.role("boss@acme.test", "Rival") == "IpsAdmin"  # its creator
        assert catalog.role("ann@acme.test", "Rival") == "IpsUser"


def test_a_company_administrator_cannot_make_anyone_more(acme, capsys, monkeypatch):
    add_user(acme, "cat@acme.test", "IpsCompanyAdmin")
    monkeypatch.setenv("ISRENDER_NEW_PASSWORD", "x")
    as_cat = ("--user", "cat@acme.test")
    refused = "role IpsCompanyAdmin may not grant or change the role IpsAdmin"
    for argv, message in (
        (("user", "add", "eve@acme.test", "--role", "IpsAdmin"), refused),
        (("user", "add", "ann@acme.test", "--role", "IpsAdmin"), refused),
        (("user", "add", "boss@acme.test", "--role", "IpsUser"), refused),  # demote the IpsAdmin
        (("user", "add", "cat@acme.test", "--role", "IpsUser"), "may not change their own role"),
        (("company", "add", "Cat Corp"), "no permission for operation addCompany"),
    ):
        status, _, err = run(capsys, *argv, *as_cat)
        assert status == 77 and message in err
    status, out, _ = run(
        capsys, "user", "add", "ann@acme.test", "--role", "ImagePortalUser", *as_cat
    )
    assert status == 0 and "(existing user)" in out
    with Catalog.open(acme) as catalog:
        assert catalog.role("boss@acme.test", "Acme") == "IpsAdmin"
        assert catalog.role("ann@acme.test", "Acme") == "ImagePortalUser"


def test_errors_are_one_line_with_status_2(acme, capsys):
    status, out, err = run(capsys, "company", "add", "acme", *ADMIN)
    assert (status, out) == (2, "")
    assert err == "isrender: a company named 'acme' already exists\n"
    with pytest.raises(SystemExit):  # argparse refuses an unknown role
        main(["user", "add", "x@acme.test", "--company", "Acme", "--role", "Boss"])


def test_commands_other_than_init_create_no_home(home, capsys):
    for argv in (("company", "add", "Acme"), ("user", "add", "a@b.test", "--role", "IpsUser")):
        status, _, err = run(capsys, *argv, *ADMIN)
        assert status == 2 and "no catalog" in err and "isrender init" in err
    assert not home.exists()


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
    assert run(capsys, "init", "--company", "Solo", *ADMIN, "--home", str(other))[0] == 0
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


def test_templates(acme, capsys, tmp_path):
    """isrender template set|list|show|delete|import, with the preset commands' sign-in."""
    who = ("--user", "ann@acme.test")
    body = "$w=20&layer=0&color=0,0,255&size=100,50&layer=1&src=$object$&size=$w$,$h$"
    argv = ("template", "set", "Banner", body, "--post-modifier", "fmt=png")
    assert run(capsys, *argv, *who) == (0, "", "")
    data = tmp_path / "templates.txt"
    data.write_text("Id\tModifier\nframe\tlayer=0&color=ff0000&size=10,10\n")
    status, out, _ = run(capsys, "template", "import", str(data), *who)
    assert (status, out) == (0, f"imported 1 template(s) from {data}\n")
    status, out, _ = run(capsys, "template", "list", *who)
    assert out.splitlines() == [
        f"Banner\t{body}\tfmt=png",
        "frame\tlayer=0&color=ff0000&size=10,10",
    ]
    status, out, _ = run(capsys, "template", "show", "banner", *who)
    assert out.splitlines() == [
        "name:          Banner",
        f"modifier:      {body}",
        "post-modifier: fmt=png",
        "parameter:     $w$ default '20'",
        "parameter:     $h$ (none: requests must define it)",
    ]
    status, out, _ = run(capsys, "template", "show", "banner", "--json", *who)
    assert json.loads(out) == {
        "name": "Banner",
        "urlModifier": body,
        "urlPostApplyModifier": "fmt=png",
        "parameters": {"w": "20", "h": None},
    }
    assert run(capsys, "template", "delete", "FRAME", *who)[0] == 0
    status, out, _ = run(capsys, "template", "list", "--json", *who)
    assert [t["name"] for t in json.loads(out)] == ["Banner"]
    status, _, err = run(capsys, "template", "show", "frame", *who)
    assert status == 2 and err == "isrender: company Acme has no template named 'frame'\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("set", "bad", "layer=1&=2"), "modifier of template 'bad' is not a valid modifier"),
        (("set", "bad", "layer=1&src=is(a?wid=1&$m$"), "never closed; text"),
        (("set", "bad", "layer=0", "--post-modifier", "wid=huge"), "postModifier of template"),
        (("set", "b&d", "layer=0"), "invalid template name"),
    ],
)
def test_a_template_that_cannot_parse_is_refused(acme, capsys, argv, message):
    status, out, err = run(capsys, "template", *argv, *ADMIN)
    assert (status, out) == (2, "") and message in err and err.count("\n") == 1
    assert "at offset" in err or "name" in err
    assert json.loads(run(capsys, "template", "list", "--json", *ADMIN)[1]) == []


def test_who_may_change_templates_on_the_command_line(acme, capsys):
    add_user(acme, "ivy@acme.test", "ImagePortalUser")
    ivy = ("--user", "ivy@acme.test")
    status, _, err = run(capsys, "template", "set", "t", "layer=0", *ivy)
    assert status == 77 and "ImagePortalUser has no permission for operation createTemplate" in err
    assert run(capsys, "template", "set", "t", "layer=0", *ADMIN)[0] == 0
    assert run(capsys, "template", "list", *ivy)[1] == "t\tlayer=0\n"  # reading is allowed
    status, _, err = run(capsys, "template", "delete", "t", *ivy)
    assert status == 77 and "operation deleteTemplate" in err


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


def test_the_demo_refuses_a_home_holding_another_catalog(acme, capsys):
    status, _, err = run(capsys, "demo", "--home", str(acme))
    assert status == 2 and "not the demo's" in err
    with Catalog.open(acme) as catalog, pytest.raises(CatalogError):
        catalog.user("demo@example.com")


def test_upload_reports_every_file_and_goes_on_past_a_bad_one(acme, capsys, tmp_path):
    first, bad, last = tmp_path / "a.png", tmp_path / "bad.jpg", tmp_path / "c.png"
    first.write_bytes(image_bytes("PNG", (4, 4)))
    bad.write_bytes(b"\xff\xd8\xff but no JPEG after all")
    last.write_bytes(image_bytes("PNG", (5, 4)))
    missing = tmp_path / "missing.png"
    argv = [str(first), str(bad), str(missing), str(last)]
    status, out, err = run(capsys, "upload", *argv, "--user", "ann@acme.test")
    assert status == 1
    assert [line.split("\t")[0::4] for line in out.splitlines()] == [
        ["a|1|1", "/a.png"],
        ["a|1|2", "/c.png"],
    ]
    lines = err.splitlines()
    assert lines[0].startswith(f"isrender upload: {bad}: refused 'bad.jpg': it claims to be an")
    assert (
        lines[1]
        == f"isrender upload: {missing}: cannot upload {str(missing)!r}: not a readable file"
    )
    assert lines[2:] == ["isrender upload: 2 of 4 file(s) failed; the others are stored"]
    assert "blobs" not in err and "upload-" not in err  # no internal temporary path
    assert [a.name for a in _assets(acme)] == ["a.png", "c.png"]


def test_upload_json_lists_what_was_stored(acme, capsys, tmp_path):
    good, bad = tmp_path / "a.png", tmp_path / "bad.png"
    good.write_bytes(image_bytes("PNG", (4, 4)))
    bad.write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    status, out, err = run(
        capsys, "upload", str(bad), str(good), "--json", "--user", "ann@acme.test"
    )
    assert status == 1 and str(bad) in err
    assert [asset["name"] for asset in json.loads(out)] == ["a.png"]


def _assets(home):
    with Catalog.open(home) as catalog:
        return catalog.authenticate("ann@acme.test", PASSWORD).list_assets()


@pytest.mark.parametrize(
    ("argv", "field"),
    [
        (("company", "add", "Ac\udcffme", *ADMIN), "company name"),
        (
            ("user", "add", "b\udce9@acme.test", "--role", "IpsUser", *ADMIN),
            "user handle or e-mail",
        ),
        (("preset", "set", "th\udcffumb", "wid=1", *ADMIN), "preset name"),
        (("preset", "delete", "th\udcffumb", *ADMIN), "preset name"),
        (
            ("user", "add", "b@acme.test", "--role", "IpsUser", "--first-name", "B\udce9", *ADMIN),
            "first name",
        ),
        (("assets", "list", "--user", "b\udce9@acme.test"), "user e-mail"),
        (("assets", "list", *ADMIN, "--company", "Ac\udcffme"), "company handle or name"),
    ],
)
def test_names_that_are_not_utf8_are_refused_clearly(acme, capsys, monkeypatch, argv, field):
    """Python shows the bytes of a non-UTF-8 argument as lone surrogates (PEP 383)."""
    monkeypatch.setenv("ISRENDER_NEW_PASSWORD", "x")
    status, _, err = run(capsys, *argv)
    assert status == 2
    assert f"isrender: invalid {field} " in err and "holds bytes that are not UTF-8" in err


def test_a_non_utf8_company_name_from_a_real_command_line(acme, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "engine.cli", "company", "add", b"Caf\xe9", *ADMIN],
        capture_output=True,
        env={**os.environ, "ISRENDER_HOME": str(acme)},
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 2
    assert (
        done.stderr
        == b"isrender: invalid company name 'Caf\\udce9': it holds bytes that are not UTF-8\n"
    )


def test_the_demo_bootstraps_a_private_home_through_init(tmp_path, capsys, monkeypatch):
    demo_home = tmp_path / "demo"
    assert run(capsys, "demo", "--home", str(demo_home))[0] == 0
    assert stat.S_IMODE(demo_home.stat().st_mode) == 0o700
    monkeypatch.setenv("ISRENDER_PASSWORD", "demo")
    monkeypatch.setenv("ISRENDER_NEW_PASSWORD", "x")
    argv = ["user", "add", "new@example.com", "--role", "IpsUser", "--user", "demo@example.com"]
    status, out, _ = run(capsys, *argv, "--home", str(demo_home))
    assert status == 0 and out.endswith("Demo\tIpsUser\t(created)\n")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"Name\tDefinition\nbig\twid=1&text=" + b"a" * (130 * 1024) + b"\n", "line 2: a field is"),
        (b"\xef\xbb\xbfName\tDefinition\n\nbad\ttext=\xe9\n", "line 3: byte 0xe9 is not UTF-8"),
    ],
    ids=["field-over-128KiB", "bom-then-latin-1"],
)
def test_a_malformed_macro_file_is_one_line_naming_file_and_line(
    acme, capsys, tmp_path, content, message
):
    macros = tmp_path / "bad.mac"
    macros.write_bytes(content)
    status, _, err = run(capsys, "preset", "import", str(macros), *ADMIN)
    assert status == 2 and err.startswith(f"isrender: macro file {macros}, {message}")
    status, _, err = run(capsys, "resolve", "$big$", "--macros", str(macros))
    assert status == 2 and err.startswith(f"isrender: macro file {macros}, {message}")


@pytest.mark.parametrize(
    ("typed", "status", "refusal"),
    [
        (b"pw 1\npw 1\n", 0, None),
        (b"pw 1\npw 2\n", 2, b"isrender: the two passwords differ\n"),
        (b"", 2, b"isrender: missing password\n"),  # nothing typed: no home is made
    ],
)
def test_init_asks_for_the_password_twice(tmp_path, typed, status, refusal):
    """Without $ISRENDER_PASSWORD and without a terminal, getpass reads standard input."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ISRENDER_")}
    home = tmp_path / "home"
    done = subprocess.run(
        [sys.executable, "-m", "engine.cli", "init", "--company", "Acme", *ADMIN, "--home", home],
        input=typed,
        capture_output=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        start_new_session=True,  # no controlling terminal to prompt on
    )
    assert done.returncode == status, done.stderr
    if status:
        assert refusal in done.stderr
        assert not home.exists()
    else:
        with Catalog.open(home) as catalog:
            assert catalog.authenticate("boss@acme.test", "pw 1").role == "IpsAdmin"


def test_a_job_name_that_is_not_utf8_is_refused_clearly(acme, capsys):
    with Catalog.open(acme) as catalog:
        asset = catalog.authenticate("ann@acme.test", PASSWORD).upload(image_bytes(), name="a.png")
    argv = ["export", asset.handle, "--fmt", "orig", "--name", "j\udce9", "--workers", "1"]
    status, _, err = run(capsys, *argv, "--user", "ann@acme.test")
    assert status == 2 and "isrender: invalid job name 'j\\udce9'" in err
