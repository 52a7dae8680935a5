"""A real catalog in ``tmp_path`` and signed-in members: the ``catalog`` and ``session``
fixtures a folder's conftest takes with ``from kits.catalog import catalog_fixture``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine.catalog import Catalog, Session

PASSWORD = "correct horse battery staple"
CHEAP_SCRYPT_N = 2**8  # the default cost is tested once, in test_catalog_store.py


def member(catalog: Catalog, company: str, email: str, role: str = "IpsUser") -> Session:
    """A new user with ``role`` in ``company``, signed in."""
    user = catalog.create_user(email, PASSWORD)
    catalog.add_membership(user.handle, company, role)
    return catalog.authenticate(email, PASSWORD, company)


@pytest.fixture(name="catalog")
def catalog_fixture(tmp_path) -> Iterator[Catalog]:
    with Catalog.open(tmp_path / "home", scrypt_n=CHEAP_SCRYPT_N) as opened:
        yield opened


@pytest.fixture(name="session")
def session_fixture(catalog: Catalog) -> Session:
    catalog.create_company("Acme")
    return member(catalog, "Acme", "ann@acme.test")
