"""Administration through the Python API: bootstrapping a catalog, then administrators adding
companies, users and roles through their sessions (reference §4.1; rules: engine/catalog/auth.py).
"""

from __future__ import annotations

import stat

import pytest
from kits.catalog import CHEAP_SCRYPT_N, PASSWORD, member

from engine.catalog import Catalog
from engine.errors import ApiFault, AuthorizationFault, CatalogError


@pytest.fixture
def boss(catalog):
    return catalog.initialize("Acme", "boss@acme.test", PASSWORD, first_name="Bo")


def test_initialize_makes_the_first_company_and_administrator(catalog, boss):
    assert (boss.company.name, boss.user.email, boss.role) == ("Acme", "boss@acme.test", "IpsAdmin")
    assert catalog.authenticate("boss@acme.test", PASSWORD).role == "IpsAdmin"


def test_initialize_is_refused_once_there_is_a_user(catalog, boss):
    with pytest.raises(CatalogError, match="already initialised"):
        catalog.initialize("Rival", "eve@rival.test", PASSWORD)
    with pytest.raises(CatalogError):
        catalog.company("Rival")


def test_initialize_is_all_or_nothing(catalog):
    with pytest.raises(ApiFault, match="invalid e-mail"):
        catalog.initialize("Acme", "not-an-address", PASSWORD)
    with pytest.raises(CatalogError):
        catalog.company("Acme")  # the company was rolled back with the refused user
    assert catalog.initialize("Acme", "boss@acme.test", PASSWORD).role == "IpsAdmin"


def test_a_new_home_is_private(tmp_path):
    home = tmp_path / "deep" / "home"
    with Catalog.open(home, scrypt_n=CHEAP_SCRYPT_N) as catalog:
        catalog.initialize("Acme", "boss@acme.test", PASSWORD)
        assert stat.S_IMODE(home.stat().st_mode) == 0o700
        files = [catalog.db_path.with_name(catalog.db_path.name + end) for end in ("-wal", "-shm")]
        for path in (catalog.db_path, *files):  # the WAL files exist while the catalog is open
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_add_company_makes_its_creator_its_ipsadmin(catalog, boss):
    rival = boss.add_company("Rival")
    assert catalog.role("boss@acme.test", rival.handle) == "IpsAdmin"
    assert catalog.authenticate("boss@acme.test", PASSWORD, "Rival").role == "IpsAdmin"


def test_add_user_and_set_membership(catalog, boss):
    ann = boss.add_user("ann@acme.test", "ann's", "IpsUser", last_name="Lee")
    assert (ann.email, ann.last_name) == ("ann@acme.test", "Lee")
    assert catalog.authenticate("ann@acme.test", "ann's").role == "IpsUser"
    boss.set_membership("ann@acme.test", "IpsCompanyAdmin")
    assert catalog.role(ann.handle, "Acme") == "IpsCompanyAdmin"
    with pytest.raises(CatalogError, match="already exists"):
        boss.add_user("ANN@acme.test", "x", "IpsUser")


def test_a_refused_membership_leaves_no_user_behind(catalog, boss):
    with pytest.raises(ApiFault, match="invalid user role"):
        boss.add_user("ann@acme.test", "ann's", "Boss")
    with pytest.raises(CatalogError):
        catalog.user("ann@acme.test")


def test_a_company_administrator_administers_only_below_ipsadmin(catalog, boss):
    cat = member(catalog, "Acme", "cat@acme.test", "IpsCompanyAdmin")
    dan = cat.add_user("dan@acme.test", "d", "IpsCompanyAdmin")
    assert catalog.role(dan.handle, "Acme") == "IpsCompanyAdmin"
    cat.set_membership("dan@acme.test", "ImagePortalUser")
    boss.add_user("pia@acme.test", "p", "ImagePortalAdmin")  # a role that may add companies
    for attempt in (
        lambda: cat.add_user("eve@acme.test", "e", "IpsAdmin"),
        lambda: cat.add_user("eve@acme.test", "e", "TrialSiteAdmin"),
        lambda: cat.set_membership("pia@acme.test", "IpsUser"),
        lambda: cat.set_membership("boss@acme.test", "IpsUser"),
        lambda: cat.set_membership("cat@acme.test", "IpsAdmin"),
        lambda: cat.add_company("Cat Corp"),
    ):
        with pytest.raises(AuthorizationFault) as fault:
            attempt()
        assert fault.value.code == AuthorizationFault.NO_OPERATION_PERMISSION


def test_nobody_changes_their_own_role(boss):
    with pytest.raises(AuthorizationFault, match="their own role"):
        boss.set_membership("boss@acme.test", "IpsUser")


def test_an_administrator_acts_only_in_their_own_companies(catalog, boss):
    catalog.create_company("Elsewhere")  # the unchecked API: no members
    with pytest.raises(AuthorizationFault, match="not a member"):
        catalog.authenticate("boss@acme.test", PASSWORD, "Elsewhere")
    ann = boss.add_user("ann@acme.test", "a", "IpsUser")
    assert catalog.role(ann.handle, "Elsewhere") is None
