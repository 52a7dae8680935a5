"""The optional result cache: hits skip the workers, ``cache=`` switches it, LRU in bytes."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from server_kit import VERY_SLOW, running_server, small_and_big

from engine.server.cache import ResultCache

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return small_and_big(tmp_path_factory.mktemp("cache") / "home", seed=21)


def _cache_files(folder):
    return [p for p in folder.rglob("*") if p.is_file() and p.parent.name != "tmp"]


def test_a_hit_is_the_same_bytes_without_a_worker(home, tmp_path):
    cache = tmp_path / "cache"
    with running_server(home, "--workers", "1", "--queue", "0", "--cache-dir", str(cache)) as s:
        first = s.get("/is/image/Demo/small?wid=200&fmt=png")
        deadline = time.monotonic() + 10
        while not _cache_files(cache) and time.monotonic() < deadline:
            time.sleep(0.05)  # stored after the response was sent
        second = s.get("/is/image/Demo/small?wid=200&fmt=png")
        assert (first.headers["x-cache"], second.headers["x-cache"]) == ("MISS", "HIT")
        assert second.content == first.content and second.headers["etag"] == first.headers["etag"]
        assert second.headers["content-type"] == "image/png"
        # The only worker is busy and the queue is empty: a miss gets 503, a hit is served.
        with ThreadPoolExecutor(1) as pool:
            busy, width = None, 300
            while busy is None:  # until a miss finds the worker taken by the slow render
                slow = pool.submit(httpx.get, f"{s.url}/is/image/Demo/big?{VERY_SLOW}", timeout=120)
                while busy is None and not slow.done() and width < 1000:
                    width += 1
                    miss = s.get(f"/is/image/Demo/small?wid={width}&cache=off")
                    busy = miss if miss.status_code == 503 else None
                assert width < 1000
            hit = s.get("/is/image/Demo/small?wid=200&fmt=png")
            assert slow.result().status_code == 200
        assert (hit.status_code, hit.headers["x-cache"]) == (200, "HIT")


def test_the_cache_modifier_switches_the_server_half(home, tmp_path):
    cache = tmp_path / "cache"
    with running_server(home, "--workers", "1", "--cache-dir", str(cache)) as s:
        assert s.get("/is/image/Demo/small?wid=90&cache=on,off").headers["x-cache"] == "MISS"
        time.sleep(0.3)
        assert _cache_files(cache) == []
        s.get("/is/image/Demo/small?wid=90")
        time.sleep(0.3)
        assert s.get("/is/image/Demo/small?wid=90&cache=off").headers["x-cache"] == "MISS"
        assert s.get("/is/image/Demo/small?wid=90&cache=update").headers["x-cache"] == "MISS"
        assert s.get("/is/image/Demo/small?wid=90&cache=validate").headers["x-cache"] == "HIT"


def test_eviction_keeps_the_bound_and_the_recently_used(tmp_path):
    cache = ResultCache(tmp_path / "c", max_bytes=10_000)
    tags = [f'"{i:040x}"' for i in range(30)]
    cache.put(tags[0], b"x" * 900, "image/png")
    for tag in tags[1:]:
        time.sleep(0.002)
        cache.put(tag, b"y" * 900, "image/png")
        assert cache.get(tags[0]) is not None  # used all along: never evicted
    total = sum(p.stat().st_size for p in _cache_files(tmp_path / "c"))
    assert total <= 10_000
    assert cache.get(tags[1]) is None and cache.get(tags[-1]) == (b"y" * 900, "image/png")
    cache.put('"' + "f" * 40 + '"', b"z" * 5_000, "image/png")  # over 10 % of the bound
    assert cache.get('"' + "f" * 40 + '"') is None
    with pytest.raises(ValueError):
        cache.get("../../etc/passwd")
