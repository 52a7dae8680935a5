"""The pipe protocol between :mod:`engine.export.pool` and its worker processes: each message
is one frame, an 8-byte big-endian length followed by that many bytes (a pickle)."""

from __future__ import annotations

import struct
from typing import BinaryIO

HEADER = struct.Struct(">Q")


def write_frame(stream: BinaryIO, payload: bytes) -> None:
    stream.write(HEADER.pack(len(payload)) + payload)
    stream.flush()


def read_frame(stream: BinaryIO) -> bytes | None:
    """The next frame, or ``None`` at end-of-file (also mid-frame: the writer died)."""
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    (size,) = HEADER.unpack(header)
    payload = stream.read(size)
    return payload if len(payload) == size else None
