"""The pipe protocol between :mod:`engine.export.pool` and its worker processes: each message
is one frame, an 8-byte big-endian length followed by that many bytes (a pickle)."""

from __future__ import annotations

import struct
from typing import BinaryIO

HEADER = struct.Struct(">Q")


def write_frame(stream: BinaryIO, payload: bytes) -> None:
    data = memoryview(HEADER.pack(len(payload)) + payload)
    while data:  # an unbuffered stream may take part of it
        written = stream.write(data)
        data = data[written if written is not None else 0 :]
    stream.flush()


def read_frame(stream: BinaryIO) -> bytes | None:
    """The next frame, or ``None`` at end-of-file (also mid-frame: the writer died).

    ``stream`` may be unbuffered (the pool's are, so that a selector sees every frame that has
    not been read): short reads are continued."""
    header = _read_exactly(stream, HEADER.size)
    if header is None:
        return None
    (size,) = HEADER.unpack(header)
    return _read_exactly(stream, size)


def _read_exactly(stream: BinaryIO, size: int) -> bytes | None:
    parts, missing = [], size
    while missing:
        part = stream.read(missing)
        if not part:
            return None
        parts.append(part)
        missing -= len(part)
    return b"".join(parts)
