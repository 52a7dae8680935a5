"""Signed-in members of a catalog, and the ``session`` fixture a folder's conftest takes with
``from kits.catalog import session_fixture`` (the ``catalog`` fixture, one per backend, is in
``tests/conftest.py``)."""

from __future__ import annotations

import pytest

from engine.catalog import Catalog, Session

PASSWORD = "correct horse battery staple"
CHEAP_SCRYPT_N = 2**8  # the default cost is tested once, in test_catalog_store.py


def member(catalog: Catalog, company: str, email: str, role: str = "IpsUser") -> Session:
    """A new user with ``role`` in ``company``, signed in."""
    user = catalog.create_user(email, PASSWORD)
    catalog.add_membership(user.handle, company, role)
    return catalog.authenticate(email, PASSWORD, company)


@pytest.fixture(name="session")
def session_fixture(catalog: Catalog) -> Session:
    catalog.create_company("Acme")
    return member(catalog, "Acme", "ann@acme.test")
