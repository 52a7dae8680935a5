"""Helpers of the export tests: images, an SMTP sink, and reading a child process's output
(members, waiting and a held executor come from :mod:`kits`)."""

from __future__ import annotations

import asyncio
import email
import email.policy
import io
import selectors
import socket
import subprocess
import threading
import zipfile
from email.message import EmailMessage
from typing import Any

import numpy as np
from aiosmtpd.controller import Controller
from kits.waiting import WAIT
from PIL import Image


def image_bytes(seed: int = 0, size: tuple[int, int] = (64, 48), fmt: str = "JPEG") -> bytes:
    """A small noisy image; every seed gives different bytes (blobs are content-addressed)."""
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(buffer, fmt)
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), (10, 120, 200)).save(buffer, "PDF")
    return buffer.getvalue()


def video_bytes() -> bytes:
    """The start of an MP4 file: enough for the catalog to file it as a Video."""
    return b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(64)


def zip_entries(path: str) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def read_line(process: subprocess.Popen, timeout: float = WAIT) -> str:
    """The next line the child prints (text mode); fail if none comes within ``timeout``."""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            raise AssertionError(f"the child printed nothing within {timeout} s")
    return process.stdout.readline().strip()


class _Collector:
    def __init__(self, hold: threading.Event | None) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.hold = hold
        self.arrived = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.arrived.set()
        if self.hold is not None:  # keep the sender waiting until the test lets it go
            await asyncio.get_running_loop().run_in_executor(None, self.hold.wait, WAIT)
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"


class SmtpSink:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives. With ``hold``,
    each message is answered only once ``hold`` is set (:attr:`arrived` says one came)."""

    def __init__(self, hold: threading.Event | None = None) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._collector = _Collector(hold)
        self.arrived = self._collector.arrived
        self._controller = Controller(self._collector, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self) -> list[tuple[list[str], EmailMessage]]:
        return self._collector.messages

    def __enter__(self) -> SmtpSink:
        self._controller.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._controller.stop()
