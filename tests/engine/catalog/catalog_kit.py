"""Helpers the catalog tests share (a uniquely named module: ``from conftest import`` would
pick whichever test folder's conftest was imported first); members come from
:mod:`kits.catalog`."""

from __future__ import annotations

import io

from PIL import Image


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 60)).save(buffer, fmt)
    return buffer.getvalue()
