"""Opening a catalog, its home folder, schema, companies, users, passwords and sign-in."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from kits.catalog import PASSWORD

from engine.catalog import Catalog, default_home, resolve_home
from engine.catalog.auth import hash_password, verify_password
from engine.catalog.sql import SCHEMA_VERSION
from engine.errors import ApiFault, AuthenticationFault, AuthorizationFault, CatalogError


def test_open_creates_folder_database_and_blob_store(tmp_path):
    home = tmp_path / "deep" / "home"
    with Catalog.open(home) as catalog:
        assert catalog.home == home
        assert catalog.db_path == home / "catalog.sqlite3"
        assert catalog.db_path.is_file()
        assert (home / "blobs").is_dir()
        conn = catalog.connection()
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    with Catalog.open(home) as again:  # reopening migrates nothing and keeps the data
        versions = again.connection().execute("SELECT version FROM schema_version").fetchall()
        assert [row[0] for row in versions] == list(range(1, SCHEMA_VERSION + 1))


def test_database_from_a_newer_version_is_refused(tmp_path):
    Catalog.open(tmp_path).close()
    with sqlite3.connect(tmp_path / "catalog.sqlite3") as conn:
        conn.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION + 1,))
    with pytest.raises(CatalogError, match="newer"):
        Catalog.open(tmp_path)


def test_closed_catalog_cannot_be_used(tmp_path):
    catalog = Catalog.open(tmp_path)
    catalog.close()
    with pytest.raises(CatalogError, match="closed"):
        catalog.create_company("Acme")


def test_home_is_explicit_then_env_then_xdg_then_local_share(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.delenv("ISRENDER_HOME", raising=False)
    assert resolve_home() == tmp_path / "user" / ".local" / "share" / "isrender"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/ignored")
    assert default_home() == tmp_path / "user" / ".local" / "share" / "isrender"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert resolve_home() == tmp_path / "xdg" / "isrender"
    monkeypatch.setenv("ISRENDER_HOME", str(tmp_path / "env"))
    assert resolve_home() == tmp_path / "env"
    assert resolve_home(tmp_path / "arg") == tmp_path / "arg"
    assert resolve_home("~/x") == tmp_path / "user" / "x"


def test_companies_have_opaque_handles_and_unique_names(catalog):
    acme = catalog.create_company("Acme")
    other = catalog.create_company("  Other Co ")
    assert acme.handle.startswith("c|") and acme.handle != other.handle
    assert other.name == "Other Co"
    assert catalog.company(acme.handle) == acme
    assert catalog.company("acme") == acme
    with pytest.raises(CatalogError, match="already exists"):
        catalog.create_company("ACME")
    with pytest.raises(CatalogError, match="no company"):
        catalog.company("c|999")
    with pytest.raises(ApiFault) as missing:
        catalog.create_company(" ")
    assert missing.value.code == ApiFault.MISSING_PARAMETER


def test_users_are_unique_by_email_and_validated(catalog):
    user = catalog.create_user("Ann@Acme.test", "pw", first_name="Ann", last_name="Lee")
    assert user.handle.startswith("u|")
    assert (user.first_name, user.last_name) == ("Ann", "Lee")
    assert catalog.user("ann@acme.test") == user == catalog.user(user.handle)
    with pytest.raises(CatalogError, match="already exists"):
        catalog.create_user("ANN@acme.test", "pw")
    with pytest.raises(ApiFault) as invalid:
        catalog.create_user("not an email", "pw")
    assert invalid.value.code == ApiFault.INVALID_PARAMETER
    with pytest.raises(ApiFault) as missing:
        catalog.create_user("bob@acme.test", "")
    assert missing.value.code == ApiFault.MISSING_PARAMETER


def test_passwords_are_stored_as_salted_scrypt_hashes(tmp_path):
    with Catalog.open(tmp_path) as catalog:  # the default cost
        catalog.create_user("a@acme.test", PASSWORD)
        catalog.create_user("b@acme.test", PASSWORD)
        rows = catalog.connection().execute("SELECT password_hash FROM users").fetchall()
    first, second = (row[0] for row in rows)
    assert PASSWORD not in first and PASSWORD.encode().hex() not in first
    scheme, n, r, p, salt, key = first.split("$")
    assert (scheme, int(n), int(r), int(p)) == ("scrypt", 2**15, 8, 1)
    assert len(bytes.fromhex(salt)) == 16 and len(bytes.fromhex(key)) == 32
    assert first != second  # same password, different salt
    assert verify_password(PASSWORD, first) and verify_password(PASSWORD, second)
    assert not verify_password(PASSWORD + "!", first)


def test_the_cost_of_new_hashes_can_change_and_old_hashes_still_verify(tmp_path):
    with Catalog.open(tmp_path, scrypt_n=2**4) as cheap:
        cheap.create_company("Acme")
        user = cheap.create_user("ann@acme.test", PASSWORD)
        cheap.add_membership(user.handle, "Acme", "IpsUser")
    with Catalog.open(tmp_path) as catalog:
        assert catalog.authenticate("ann@acme.test", PASSWORD).user == user
    with pytest.raises(ValueError, match="power of two"):
        Catalog.open(tmp_path, scrypt_n=1000)


def test_hash_parameters_are_read_back_from_the_hash():
    cheap = hash_password("pw", n=2**10, r=4, p=2)
    assert cheap.split("$")[1:4] == ["1024", "4", "2"]
    assert verify_password("pw", cheap)
    assert not verify_password("pw", "md5$whatever")
    assert not verify_password("pw", "scrypt$x$y$z$00$00")


def test_membership_roles_are_the_ten_ips_roles(catalog):
    company = catalog.create_company("Acme")
    user = catalog.create_user("ann@acme.test", PASSWORD)
    with pytest.raises(ApiFault) as invalid:
        catalog.add_membership(user.handle, company.handle, "Admin")
    assert invalid.value.code == ApiFault.INVALID_PARAMETER
    assert "IpsAdmin" in str(invalid.value)
    catalog.add_membership(user.handle, company.handle, "IpsUser")
    catalog.add_membership(user.handle, "Acme", "ImagePortalUser")  # replaces the role
    assert catalog.role(user.email, "Acme") == "ImagePortalUser"
    assert catalog.companies_of(user.handle) == [company]


@pytest.fixture
def ann(catalog):
    catalog.create_company("Acme")
    catalog.create_company("Other")
    user = catalog.create_user("ann@acme.test", PASSWORD)
    catalog.add_membership(user.handle, "Acme", "IpsAdmin")
    return user


def test_authenticate_by_company_handle_or_name(catalog, ann):
    acme = catalog.company("Acme")
    session = catalog.authenticate("ANN@acme.test", PASSWORD, acme.handle)
    assert (session.user, session.company, session.role) == (ann, acme, "IpsAdmin")
    assert session.catalog is catalog
    assert catalog.authenticate("ann@acme.test", PASSWORD, "acme").company == acme
    assert catalog.authenticate("ann@acme.test", PASSWORD).company == acme  # only company


@pytest.mark.parametrize(
    ("email", "password"), [("", PASSWORD), ("ann@acme.test", ""), ("  ", PASSWORD)]
)
def test_missing_credentials_fault_10000(catalog, ann, email, password):
    with pytest.raises(AuthenticationFault) as fault:
        catalog.authenticate(email, password, "Acme")
    assert fault.value.code == 10000


def test_wrong_password_and_unknown_user_give_the_same_fault_10001(catalog, ann):
    with pytest.raises(AuthenticationFault) as wrong:
        catalog.authenticate("ann@acme.test", PASSWORD + "x", "Acme")
    with pytest.raises(AuthenticationFault) as unknown:
        catalog.authenticate("nobody@acme.test", PASSWORD, "Acme")
    assert wrong.value.code == unknown.value.code == 10001
    assert str(wrong.value) == str(unknown.value) == "Invalid username/password"


@pytest.mark.parametrize("company", ["Other", "No Such Company", "c|999"])
def test_company_the_user_is_not_in_fault_20000(catalog, ann, company):
    with pytest.raises(AuthorizationFault) as fault:
        catalog.authenticate("ann@acme.test", PASSWORD, company)
    assert fault.value.code == 20000
    assert company in str(fault.value)


def test_a_user_of_several_companies_must_name_one(catalog, ann):
    catalog.add_membership(ann.handle, "Other", "IpsUser")
    with pytest.raises(AuthorizationFault, match="2 companies") as fault:
        catalog.authenticate("ann@acme.test", PASSWORD)
    assert fault.value.code == 20000
    assert catalog.authenticate("ann@acme.test", PASSWORD, "Other").role == "IpsUser"


def test_a_second_catalog_on_the_same_folder_sees_every_write(tmp_path: Path):
    with Catalog.open(tmp_path) as first, Catalog.open(tmp_path) as second:
        company = first.create_company("Acme")
        assert second.company("Acme") == company


def test_reopening_never_opens_the_database_file_outside_sqlite(tmp_path, monkeypatch):
    """Closing any descriptor of a database file drops every POSIX lock the process holds on
    it, so the SQLite connections of other threads (a server's requests while a job thread
    opens the catalog) would lose theirs; the database was seen corrupted that way."""
    import engine.catalog.home as home_module

    home = tmp_path / "home"
    Catalog.open(home).close()
    opened = []
    real_open = home_module.os.open

    def recording_open(path, *args, **kwargs):
        fd = real_open(path, *args, **kwargs)  # O_EXCL on an existing file opens nothing
        opened.append(Path(path).name)
        return fd

    monkeypatch.setattr(home_module.os, "open", recording_open)
    with Catalog.open(home) as catalog:
        catalog.connection()
    assert "catalog.sqlite3" not in opened
