"""Fixtures of the catalog tests: a real catalog in ``tmp_path`` and signed-in sessions."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from catalog_kit import CHEAP_SCRYPT_N, member

from engine.catalog import Catalog, Session
from engine.catalog.catalog import ENV_DATABASE_URL


@pytest.fixture
def catalog(tmp_path, database_url: str, monkeypatch) -> Iterator[Catalog]:
    """A new catalog on each backend (SQLite, PostgreSQL); on PostgreSQL the CLI and the
    processes a test starts find it through ``$ISRENDER_DATABASE_URL``."""
    if database_url:
        monkeypatch.setenv(ENV_DATABASE_URL, database_url)
    with Catalog.open(
        tmp_path / "home", scrypt_n=CHEAP_SCRYPT_N, database_url=database_url
    ) as opened:
        yield opened


@pytest.fixture
def session(catalog: Catalog) -> Session:
    catalog.create_company("Acme")
    return member(catalog, "Acme", "ann@acme.test")
