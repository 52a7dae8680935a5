"""Helpers the catalog tests share (a uniquely named module: ``from conftest import`` would
pick whichever test folder's conftest was imported first)."""

from __future__ import annotations

import io

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
