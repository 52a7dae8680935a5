"""Fixtures of the catalog tests: a real catalog in ``tmp_path`` and signed-in sessions."""

from __future__ import annotations

from kits.catalog import session_fixture  # noqa: F401 (this folder's)
