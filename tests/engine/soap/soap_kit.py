"""Helpers of the IPS web service tests: the real server app (``create_app``, every default
front end) under uvicorn on 127.0.0.1, a settable clock, zeep clients built from the served
WSDL, and ``isrender serve`` as a subprocess (waiting and held executors: :mod:`kits`)."""

from __future__ import annotations

import io
import signal
import socket
import threading
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import requests
import uvicorn
import zeep
from kits.catalog import PASSWORD
from kits.server import start_server, stop
from kits.waiting import WAIT, wait_for
from PIL import Image
from zeep.transports import Transport

from engine.server import DEFAULT_FRONT_ENDS, ServerSettings, create_app
from engine.server import Server as App
from engine.soap import IpsService
from engine.soap import routes as soap_routes
from engine.soap.schema import AUTH_NAMESPACE

#: Starting and stopping a server (a render worker to spawn, jobs to drain) on a loaded machine.
START_STOP = 120.0
SERVICE = "/scene7/services/IpsApiService"


class Clock:
    """A clock the test moves by hand (the scheduler's ``clock``)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self.now

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            self.now += delta


class Endpoint:
    """What the tests call a running server with: its ``url``, zeep clients, raw POSTs."""

    url: str

    def client(
        self,
        email: str | None = None,
        password: str = PASSWORD,
        *,
        version: str | None = None,
        basic: bool = False,
    ) -> zeep.Client:
        """A zeep client from the served WSDL (the bare ``?wsdl``, or ``version``'s), signing
        in with an authHeader, or HTTP Basic with ``basic``."""
        session = requests.Session()
        if basic and email:
            session.auth = (email, password)
        wsdl = (
            f"{self.url}/scene7/webservice/IpsApi-{version}.wsdl"
            if version
            else f"{self.url}{SERVICE}?wsdl"
        )
        client = zeep.Client(wsdl, transport=Transport(session=session))
        if email and not basic:
            header = client.get_element(f"{{{AUTH_NAMESPACE}}}authHeader")
            client.set_default_soapheaders([header(user=email, password=password)])
        return client

    def post(self, body: str | bytes, **headers: str) -> httpx.Response:
        return httpx.post(f"{self.url}{SERVICE}", content=body, headers=headers, timeout=WAIT)


class Server(Endpoint):
    """``create_app(settings=settings)`` behind real uvicorn on a free port of 127.0.0.1, in
    a thread. ``coordinator_options`` go to the app's export coordinator, ``ips_options`` to
    its :class:`IpsService` (the SOAP front end, with the app's other default front ends)."""

    def __init__(
        self,
        settings: ServerSettings,
        *,
        coordinator_options: dict[str, Any],
        ips_options: dict[str, Any],
    ) -> None:
        def soap(app_server: App) -> Any:
            return soap_routes(app_server, **ips_options)

        front_ends = [soap if f == "engine.soap:routes" else f for f in DEFAULT_FRONT_ENDS]
        app = create_app(
            settings=settings, front_ends=front_ends, coordinator_options=coordinator_options
        )
        self.app: App = app.state.server
        (self.service,) = [s for s in self.app.services if isinstance(s, IpsService)]
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, log_level="warning", lifespan="on", timeout_graceful_shutdown=5
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    def __enter__(self) -> Server:
        self._thread.start()
        wait_for(
            lambda: self._server.started or not self._thread.is_alive(),
            "the server",
            START_STOP,
        )
        if not self._server.started:
            raise AssertionError("the server did not start")
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.should_exit = True
        self._thread.join(START_STOP)
        self._socket.close()
        assert not self._thread.is_alive(), "the server did not stop"


class ServeProcess(Endpoint):
    """``isrender serve --home HOME --workers 1 OPTIONS`` as a real subprocess on a free port
    of 127.0.0.1 (see :func:`kits.server.start_server`), until :meth:`stop`."""

    def __init__(self, home: Path, *options: str) -> None:
        self._server = start_server(
            home, "--workers", "1", *options, ready_path=SERVICE, timeout=START_STOP
        )
        self.url = self._server.url
        self.process = self._server.process

    def output(self) -> str:
        return self._server.output()

    def stop(self) -> None:
        """SIGTERM, wait, and check it shut down cleanly: uvicorn finishes its shutdown, then
        ends by the signal it got (status -SIGTERM), as a shell expects."""
        stop(self.process, START_STOP)
        output = self.output()
        assert self.process.returncode in (0, -signal.SIGTERM), output
        assert "Application shutdown complete" in output and "Traceback" not in output, output


def jpeg_bytes(
    size: tuple[int, int] = (64, 48), color: tuple[int, int, int] = (200, 30, 60)
) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return buffer.getvalue()


def zip_names(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.namelist()


def envelope(
    body: str, header: str = "", ns: str = "http://www.scene7.com/IpsApi/xsd/2014-04-03"
) -> str:
    """A SOAP 1.1 envelope around ``body`` (written with the ``ips`` prefix for ``ns``)."""
    return (
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        f'xmlns:ips="{ns}" xmlns:auth="{AUTH_NAMESPACE}">'
        f"<soapenv:Header>{header}</soapenv:Header><soapenv:Body>{body}</soapenv:Body>"
        "</soapenv:Envelope>"
    )


def auth_header(email: str, password: str = PASSWORD, extra: str = "") -> str:
    return (
        f"<auth:authHeader><auth:user>{email}</auth:user><auth:password>{password}"
        f"</auth:password>{extra}</auth:authHeader>"
    )
