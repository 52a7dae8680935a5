"""Start and stop a real ``isrender serve`` (uvicorn on 127.0.0.1, a free port) over a
temporary catalog, and make that catalog."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from PIL import Image

from engine.catalog import Catalog, Session
from engine.samples import photo_bytes
from kits.waiting import wait_for

PASSWORD = "server-test-password"
CHEAP_SCRYPT_N = 2**8
START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_catalog(home: Path, company: str = "Demo", role: str = "IpsAdmin") -> Session:
    """A catalog with ``company`` and an admin of it, signed in (the caller closes
    ``session.catalog``)."""
    catalog = Catalog.open(home, scrypt_n=CHEAP_SCRYPT_N)
    the_company = catalog.create_company(company)
    email = f"admin@{company.lower()}.test"
    user = catalog.create_user(email, PASSWORD)
    catalog.add_membership(user.handle, the_company.handle, role)
    return catalog.authenticate(email, PASSWORD, company)


def upload_photo(session: Session, name: str, size=(640, 427), seed=1, fmt="JPEG"):
    return session.upload(photo_bytes(*size, seed=seed, fmt=fmt), name=name)


#: About half a second of rendering each on the 2400×1600 ``big`` image (a blurred PNG).
SLOW = "wid=2400&op_blur=30&fmt=png"
#: Several seconds: noise defeats PNG compression.
VERY_SLOW = "wid=2400&op_usm=5,50,0&op_noise=50&fmt=png"


def small_and_big(home: Path, seed: int) -> Path:
    """A catalog with ``small`` (a 640×427 JPEG) and ``big`` (2400×1600 of noise, slow to
    encode), for the tests that need renders of very different costs."""
    session = make_catalog(home)
    with contextlib.closing(session.catalog):
        upload_photo(session, "small.jpg", size=(640, 427), seed=seed)
        path = home.parent / "big.png"
        Image.effect_noise((2400, 1600), 60).convert("RGB").save(path)
        session.upload(path)
    return home


@dataclass
class RunningServer:
    process: subprocess.Popen
    url: str
    log: Path

    def get(self, path: str, **kwargs) -> httpx.Response:
        return httpx.get(self.url + path, timeout=60, **kwargs)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def start_server(
    home: Path, *options: str, ready_path: str = "/", timeout: float = START_TIMEOUT
) -> RunningServer:
    """``isrender serve --home HOME OPTIONS`` on a free port, once ``ready_path`` answers
    (stopped again if it does not within ``timeout`` s); the caller ends it with :func:`stop`."""
    port = free_port()
    log = home.parent / f"server-{port}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "engine.cli", "serve", "--home", str(home),
             "--port", str(port), *options],
            stdout=out, stderr=subprocess.STDOUT, cwd=home.parent, start_new_session=True,
        )  # fmt: skip
    server = RunningServer(process, f"http://127.0.0.1:{port}", log)
    try:
        wait_for(lambda: _answers(server, ready_path), f"isrender serve ({log})", timeout)
    except BaseException:
        stop(process)
        raise
    return server


@contextlib.contextmanager
def running_server(home: Path, *options: str) -> Iterator[RunningServer]:
    """``isrender serve --home HOME OPTIONS`` until the block ends (then SIGTERM, wait)."""
    server = start_server(home, *options)
    try:
        yield server
    finally:
        stop(server.process)


def raw_get(server: RunningServer, target: str) -> httpx.Response:
    """A GET written on the socket itself: httpx refuses URLs over 64 KiB."""
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=60) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines)
    if headers.get("transfer-encoding") == "chunked":
        body = _unchunk(body)
    return httpx.Response(int(status_line.split()[1]), headers=headers, content=body)


def _unchunk(body: bytes) -> bytes:
    out = b""
    while body:
        size_line, _, body = body.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out, body = out + body[:size], body[size + 2 :]
    return out


def _answers(server: RunningServer, path: str) -> bool:
    if server.process.poll() is not None:
        raise AssertionError(f"the server exited: {server.output()}")
    try:
        httpx.get(server.url + path, timeout=1)
    except httpx.TransportError:
        return False
    return True


def stop(process: subprocess.Popen, timeout: float = 60) -> None:
    """SIGTERM, and wait for the exit (killing it after ``timeout`` s)."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for_connections(server: RunningServer, count: int, timeout: float = 30) -> None:
    """Until ``count`` TCP connections to the server are established (from /proc/net/tcp)."""
    port = f"{int(server.url.rsplit(':', 1)[1]):04X}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
        fields = [line.split() for line in lines]
        established = [f for f in fields if f[1].endswith(":" + port) and f[3] == "01"]
        if len(established) >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"fewer than {count} connections to {server.url}")


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pids: set[int]) -> set[int]:
    living = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            living.add(pid)
    return living
