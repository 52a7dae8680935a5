"""Fixtures of the IPS web service tests: a catalog with two companies and their members,
and the server app (with the IPS front end) served by uvicorn on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from kits.catalog import CHEAP_SCRYPT_N
from kits.jobs import no_smtp_from_environment  # noqa: F401 (autouse here)
from soap_kit import PASSWORD, Clock, Server

from engine.catalog import Catalog
from engine.server import ServerSettings


@dataclass
class World:
    home: Path
    acme: str  # company handles
    other: str


@pytest.fixture
def world(tmp_path) -> World:
    """Acme (ann: IpsUser, pat: ImagePortalUser, web: WebServiceUser) and Other (oli)."""
    home = tmp_path / "home"
    with Catalog.open(home, scrypt_n=CHEAP_SCRYPT_N) as catalog:
        acme = catalog.create_company("Acme").handle
        other = catalog.create_company("Other").handle
        for email, company, role in (
            ("ann@acme.test", acme, "IpsUser"),
            ("pat@acme.test", acme, "ImagePortalUser"),
            ("web@acme.test", acme, "WebServiceUser"),
            ("oli@other.test", other, "IpsUser"),
        ):
            user = catalog.create_user(email, PASSWORD)
            catalog.add_membership(user.handle, company, role)
    return World(home, acme, other)


@pytest.fixture
def clock() -> Clock:
    return Clock()


#: Where each option of ``serve`` goes (the rest are ServerSettings).
COORDINATOR_OPTIONS = ("executor", "smtp", "poll_interval")
IPS_OPTIONS = ("clock", "zone", "schedule_interval")


@pytest.fixture
def serve(world: World, clock: Clock) -> Iterator[Callable[..., Server]]:
    """Start servers on ``world.home`` (one render worker, conversions on two threads); all
    stopped at the end."""
    started: list[Server] = []
    executors: list[ThreadPoolExecutor] = []

    def start(**options) -> Server:
        if "executor" not in options:
            executors.append(ThreadPoolExecutor(2))
            options["executor"] = executors[-1]
        options.setdefault("clock", clock)
        options.setdefault("schedule_interval", 0.05)
        options.setdefault("poll_interval", 0.05)
        coordinator = {k: options.pop(k) for k in COORDINATOR_OPTIONS if k in options}
        ips = {k: options.pop(k) for k in IPS_OPTIONS if k in options}
        settings = ServerSettings(home=world.home, workers=1, drain_timeout=30, **options)
        server = Server(settings, coordinator_options=coordinator, ips_options=ips).__enter__()
        started.append(server)
        return server

    yield start
    for server in reversed(started):
        server.__exit__(None, None, None)
    for executor in executors:
        executor.shutdown()


@pytest.fixture
def server(serve) -> Server:
    return serve()
