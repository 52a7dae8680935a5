"""Fixtures every test folder may use: a PostgreSQL server for the catalog's second backend,
and a new catalog on each backend."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from kits.catalog import CHEAP_SCRYPT_N
from pg_kit import ENV_URL, fresh_schema, throwaway_server, unavailable

from engine.catalog import Catalog
from engine.catalog.home import ENV_DATABASE_URL

BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL of a PostgreSQL server: ``$ISRENDER_TEST_DATABASE_URL``, else a throwaway one.
    Skipped where none can be started, except in CI (``CI=true``), where that fails."""
    if os.environ.get(ENV_URL):
        yield os.environ[ENV_URL]
        return
    reason = unavailable()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL tests cannot run in CI: {reason}")
        pytest.skip(f"no PostgreSQL server: {reason}")
    with throwaway_server() as url:
        yield url


@pytest.fixture(params=BACKENDS)
def database_url(request) -> Iterator[str]:
    """``""`` (SQLite in the catalog's home) or a PostgreSQL URL with a fresh schema."""
    if request.param == "sqlite":
        yield ""
        return
    with fresh_schema(request.getfixturevalue("postgres_server")) as url:
        yield url


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
