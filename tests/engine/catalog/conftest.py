"""Fixtures of the catalog tests: a real catalog in ``tmp_path`` and signed-in sessions."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from PIL import Image

from engine.catalog import Catalog, Session

PASSWORD = "correct horse battery staple"
CHEAP_SCRYPT_N = 2**8  # the default cost is tested once, in test_catalog_store.py


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 60)).save(buffer, fmt)
    return buffer.getvalue()


def member(catalog: Catalog, company: str, email: str, role: str = "IpsUser") -> Session:
    """A new user with ``role`` in ``company``, signed in."""
    user = catalog.create_user(email, PASSWORD)
    catalog.add_membership(user.handle, company, role)
    return catalog.authenticate(email, PASSWORD, company)


@pytest.fixture
def catalog(tmp_path) -> Iterator[Catalog]:
    with Catalog.open(tmp_path / "home", scrypt_n=CHEAP_SCRYPT_N) as opened:
        yield opened


@pytest.fixture
def session(catalog: Catalog) -> Session:
    catalog.create_company("Acme")
    return member(catalog, "Acme", "ann@acme.test")
