"""Fixtures of the catalog tests: a real catalog in ``tmp_path`` and signed-in sessions."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from catalog_kit import CHEAP_SCRYPT_N, member

from engine.catalog import Catalog, Session


@pytest.fixture
def catalog(tmp_path) -> Iterator[Catalog]:
    with Catalog.open(tmp_path / "home", scrypt_n=CHEAP_SCRYPT_N) as opened:
        yield opened


@pytest.fixture
def session(catalog: Catalog) -> Session:
    catalog.create_company("Acme")
    return member(catalog, "Acme", "ann@acme.test")
