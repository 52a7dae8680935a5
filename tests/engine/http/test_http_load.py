"""The server under load, with real processes: bounded concurrency, a full queue, the render
time limit, and a graceful stop (SIGTERM, or Ctrl-C to the whole process group) that
finishes the requests in flight and leaves no process behind."""

from __future__ import annotations

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from kits.server import (
    SLOW,
    VERY_SLOW,
    alive,
    descendants,
    running_server,
    small_and_big,
    wait_for_connections,
)

import engine

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return small_and_big(tmp_path_factory.mktemp("load") / "home", seed=11)


def _concurrently(url: str, queries: list[str], clients: int) -> list[httpx.Response]:
    with httpx.Client(timeout=120) as client, ThreadPoolExecutor(clients) as pool:
        return list(pool.map(lambda q: client.get(f"{url}?{q}"), queries))


def test_200_requests_16_at_a_time_are_all_answered_correctly(home):
    queries = [f"wid={100 + 10 * i}&fmt={'png' if i % 2 else 'jpeg'}" for i in range(10)]
    with running_server(home, "--workers", "2") as server:
        url = server.url + "/is/image/Demo/small"
        responses = _concurrently(url, queries * 20, clients=16)
        assert [r.status_code for r in responses] == [200] * 200
        with engine.Catalog.open(home) as catalog:
            company = catalog.company("Demo")
            original = catalog.blobs.path(catalog.find_image(company, "small").blob)
            expected = {q: engine.render(original, q).data for q in queries}
        for query, response in zip(queries * 20, responses, strict=True):
            assert response.content == expected[query]


def test_a_full_queue_answers_503_with_retry_after(home):
    with running_server(home, "--workers", "1", "--queue", "0") as server:
        url = server.url + "/is/image/Demo/big"
        responses = _concurrently(url, [f"{SLOW}&id={i}" for i in range(6)], clients=6)
        statuses = sorted(r.status_code for r in responses)
        assert 200 in statuses and 503 in statuses and set(statuses) == {200, 503}
        busy = next(r for r in responses if r.status_code == 503)
        assert busy.headers["retry-after"] == "1" and "busy" in busy.text
        assert busy.headers["cache-control"] == "no-store"
        assert server.get("/is/image/Demo/small?wid=50").status_code == 200


def test_a_render_over_its_time_limit_is_504_and_the_server_goes_on(home):
    with running_server(home, "--workers", "1", "--timeout", "0.3") as server:
        started = time.monotonic()
        response = server.get(f"/is/image/Demo/big?{VERY_SLOW}")
        assert response.status_code == 504 and "time" in response.text
        assert time.monotonic() - started < 10
        assert server.get("/is/image/Demo/small?wid=50").status_code == 200


@pytest.mark.parametrize("how", ["SIGTERM", "Ctrl-C"])
def test_stopping_under_load_finishes_the_requests_in_flight(home, how):
    with running_server(home, "--workers", "2") as server:
        workers = descendants(server.process.pid)
        assert len(workers) >= 2  # the two render workers
        url = server.url + "/is/image/Demo/big"
        with ThreadPoolExecutor(6) as pool:
            futures = [
                pool.submit(httpx.get, f"{url}?{SLOW}&id={i}", timeout=120) for i in range(6)
            ]
            wait_for_connections(server, 6)
            time.sleep(0.3)  # accepted and read by the server
            workers |= descendants(server.process.pid)
            if how == "SIGTERM":
                server.process.send_signal(signal.SIGTERM)
            else:  # a terminal's Ctrl-C reaches every process of the foreground group
                os.killpg(os.getpgid(server.process.pid), signal.SIGINT)
            responses = [future.result() for future in futures]
        server.process.wait(60)
        assert [r.status_code for r in responses] == [200] * 6
        assert all(r.headers["content-type"] == "image/png" for r in responses)
        deadline = time.monotonic() + 15
        while alive(workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(workers), server.output()
        assert "Traceback" not in server.output()
