"""Fixtures of the catalog tests: a real catalog in ``tmp_path`` and signed-in sessions."""

from __future__ import annotations

import pytest
from catalog_kit import member

from engine.catalog import Catalog, Session


@pytest.fixture
def session(catalog: Catalog) -> Session:
    catalog.create_company("Acme")
    return member(catalog, "Acme", "ann@acme.test")
