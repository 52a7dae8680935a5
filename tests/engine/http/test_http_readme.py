"""The README's quick start: after the demo, its ``isrender serve`` and ``curl`` lines work on
the demo's home as the demo leaves it, and the demo's administrator can call the IPS SOAP API
of the same server."""

from __future__ import annotations

import io
import re
import shlex
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import zeep
from kits.server import running_server
from PIL import Image

README = Path(__file__).resolve().parents[3] / "README.md"

pytestmark = pytest.mark.slow


def test_the_quick_start_serves_the_demo(tmp_path):
    text = README.read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```sh\n(.*?)```", text, re.S) if "isrender serve" in b)
    serve_line, curl_line = block.strip().splitlines()
    serve = shlex.split(serve_line.rstrip("&").strip())
    assert serve[:2] == [".venv/bin/isrender", "serve"]
    home = tmp_path / serve[serve.index("--home") + 1]
    demo = [sys.executable, "-m", "engine.cli", "demo", "--home", str(home)]
    subprocess.run(demo, check=True, cwd=tmp_path, capture_output=True, timeout=600)
    url = shlex.split(curl_line)[1]
    assert url.startswith("http://127.0.0.1:8080/")
    service = "http://127.0.0.1:8080/scene7/services/IpsApiService"
    assert service in text
    with running_server(home) as server:
        response = httpx.get(url.replace("http://127.0.0.1:8080", server.url), timeout=60)
        client = zeep.Client(service.replace("http://127.0.0.1:8080", server.url) + "?wsdl")
        header = client.get_element("{http://www.scene7.com/IpsApi/xsd}authHeader")
        client.set_default_soapheaders([header(user="demo@example.com", password="demo")])
        assert client.service.getCompanyInfo(companyName="Demo").name == "Demo"
        page = _sign_in_as_the_readme_says(text, server.url)
    assert response.status_code == 200
    image = Image.open(io.BytesIO(response.content))
    assert (image.format, image.width) == ("WEBP", 400)
    assert page.status_code == 200 and "<h1>Playground</h1>" in page.text


def _sign_in_as_the_readme_says(text: str, url: str) -> httpx.Response:
    """The web page after signing in with the README's demo credentials."""
    email, password = re.search(
        r"sign in as `([^`]+)` with the password `([^`]+)`", text.replace("\n", " ")
    ).groups()
    with httpx.Client(base_url=url, timeout=60) as client:
        form = client.get("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
        data = {"csrf": token, "email": email, "password": password}
        assert client.post("/login", data=data).status_code == 303
        return client.get("/")
