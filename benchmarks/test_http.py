"""Image Serving over HTTP: ``wid=800&fmt=jpg&qlt=85`` from a 12-Mpixel photo through a real
``isrender serve`` (uvicorn, httpx with a kept-alive connection) against in-process
``engine.render`` of the same request, in the same run (aim: HTTP overhead under 10 % at one
client); throughput with 1 and 2 render workers under 4 concurrent clients (aim on 2 cores:
≥ 1.8×); and a cache hit (aim: < 2 ms), both a conditional request answered 304 and a GET
answered from the result cache, neither rendering.
"""

from __future__ import annotations

import contextlib
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import images
import pytest
from conftest import QUICK, record
from kits.server import make_catalog, running_server

import engine

MEGAPIXELS = 1 if QUICK else 12
REQUEST = "wid=800&fmt=jpg&qlt=85"
CLIENTS = 4
REQUESTS = 8 if QUICK else 32


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    home = tmp_path_factory.mktemp("http-bench") / "home"
    session = make_catalog(home, company="Bench")
    with contextlib.closing(session.catalog):
        session.upload(images.path("jpeg", MEGAPIXELS), name="photo.jpg")
    return home


@pytest.fixture(scope="module")
def source(home):
    with engine.Catalog.open(home) as catalog:
        asset = catalog.find_image(catalog.company("Bench"), "photo")
        return catalog.blobs.path(asset.blob)


def test_in_process_render(benchmark, source):
    benchmark.group = f"http-{MEGAPIXELS}mp-1-client"
    benchmark.pedantic(engine.render, (source, REQUEST), rounds=1 if QUICK else 10)
    record(benchmark, "baseline")


def test_http_render_one_client(benchmark, home, source):
    with running_server(home, "--workers", "1") as server, httpx.Client(timeout=120) as client:
        url = f"{server.url}/is/image/Bench/photo?{REQUEST}"
        expected = engine.render(source, REQUEST).data

        def get() -> None:
            response = client.get(url)
            assert response.content == expected

        get()  # the connection and the worker's imports outside the measurement
        benchmark.group = f"http-{MEGAPIXELS}mp-1-client"
        benchmark.pedantic(get, rounds=1 if QUICK else 10)
    record(benchmark, "engine")


@pytest.mark.parametrize("workers", [1, 2])
def test_http_throughput(benchmark, home, workers):
    with (
        running_server(home, "--workers", str(workers)) as server,
        httpx.Client(timeout=300) as client,
        ThreadPoolExecutor(CLIENTS) as pool,
    ):
        urls = [f"{server.url}/is/image/Bench/photo?{REQUEST}&id={i}" for i in range(REQUESTS)]

        def burst() -> None:
            statuses = {response.status_code for response in pool.map(client.get, urls)}
            assert statuses == {200}

        burst()
        benchmark.group = f"serve-{REQUESTS}x{MEGAPIXELS}mp"
        benchmark.extra_info["workers"] = workers
        benchmark.pedantic(burst, rounds=1 if QUICK else 3)
    record(benchmark, f"{workers} worker(s)")


def test_http_cache_hit_304(benchmark, home):
    with running_server(home, "--workers", "1") as server, httpx.Client(timeout=120) as client:
        url = f"{server.url}/is/image/Bench/photo?{REQUEST}"
        tag = client.get(url).headers["etag"]

        def hit() -> None:
            assert client.get(url, headers={"If-None-Match": tag}).status_code == 304

        benchmark.group = "http-cache-hit-304"
        benchmark.pedantic(hit, rounds=1 if QUICK else 200)


def test_http_cache_hit_result_cache(benchmark, home, tmp_path):
    cache = ["--cache-dir", str(tmp_path / "cache")]
    with (
        running_server(home, "--workers", "1", *cache) as server,
        httpx.Client(timeout=120) as client,
    ):
        url = f"{server.url}/is/image/Bench/photo?{REQUEST}"
        client.get(url)
        deadline = time.monotonic() + 30
        while client.get(url).headers["x-cache"] != "HIT" and time.monotonic() < deadline:
            time.sleep(0.05)  # the entry is stored after the first response is sent

        def hit() -> None:
            assert client.get(url).headers["x-cache"] == "HIT"

        benchmark.group = "http-cache-hit-result-cache"
        benchmark.pedantic(hit, rounds=1 if QUICK else 200)
