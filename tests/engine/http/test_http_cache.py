"""The optional result cache: hits skip the workers, ``cache=`` switches it, LRU in bytes."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from kits.server import VERY_SLOW, running_server, small_and_big

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


def test_processes_sharing_the_folder_keep_its_bound(tmp_path):
    # Two servers on one folder each see only their own writes between scans: the folder
    # must still stay near the bound, not grow to the bound once per process.
    first, second = (ResultCache(tmp_path / "c", max_bytes=10_000) for _ in range(2))
    for index in range(40):
        cache = first if index % 2 else second
        cache.put(f'"{index:040x}"', b"x" * 900, "image/png")
        total = sum(p.stat().st_size for p in _cache_files(tmp_path / "c"))
        assert total <= 14_000, f"{total} bytes after {index + 1} entries"


def test_a_temporary_file_of_a_killed_writer_is_removed_when_a_cache_opens(tmp_path):
    ResultCache(tmp_path / "c", max_bytes=10_000)
    folder = tmp_path / "c" / "tmp"
    stale, live = folder / "isrender-cache-dead", folder / "isrender-cache-live"
    foreign = folder / "notes.txt"  # a tmp folder that was there before is not all ours
    for path in (stale, live, foreign):
        path.write_bytes(b"x" * 5000)
    an_hour_ago = time.time() - 3600
    os.utime(stale, (an_hour_ago, an_hour_ago))
    os.utime(foreign, (an_hour_ago, an_hour_ago))
    ResultCache(tmp_path / "c", max_bytes=10_000)
    assert not stale.exists() and live.exists() and foreign.exists()


def test_a_cache_that_cannot_be_written_is_a_miss_and_one_warning(tmp_path, caplog):
    cache = ResultCache(tmp_path / "c", max_bytes=10_000)
    (tmp_path / "c" / "tmp").rmdir()
    (tmp_path / "c" / "tmp").write_bytes(b"")  # every new entry now fails, as on a full disk
    for index in range(3):
        cache.put(f'"{index:040x}"', b"x" * 100, "image/png")
        assert cache.get(f'"{index:040x}"') is None
    warnings = [
        r for r in caplog.records if r.name == "isrender.server" and r.levelname == "WARNING"
    ]
    assert len(warnings) == 1 and "cannot store" in warnings[0].getMessage()


def test_the_server_answers_while_its_cache_cannot_be_written(home, tmp_path):
    cache = tmp_path / "cache"
    with running_server(home, "--workers", "1", "--cache-dir", str(cache)) as s:
        (cache / "tmp").rmdir()
        (cache / "tmp").write_bytes(b"")
        for width in (91, 92, 93):
            response = s.get(f"/is/image/Demo/small?wid={width}")
            assert (response.status_code, response.headers["x-cache"]) == (200, "MISS")
        time.sleep(0.3)  # entries are stored after the response was sent
        assert s.get("/is/image/Demo/small?wid=94").status_code == 200
        log = s.output()
    assert "Traceback" not in log and "Exception in ASGI application" not in log
    assert log.count("cannot store") == 1


def test_eviction_removes_only_the_caches_own_entries(tmp_path):
    # --cache-dir given a folder that holds other files (a typo, the home, "$EMPTY" = "."):
    # eviction must never delete what the cache did not write.
    keep = [tmp_path / "c" / "notes" / "a.txt", tmp_path / "c" / "ab" / "readme"]
    keep.append(tmp_path / "c" / "cd" / ("ab" + "0" * 38))  # a key name, in the wrong folder
    for path in keep:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"k" * 4000)
        os.utime(path, (0, 0))  # the least recently used of all
    cache = ResultCache(tmp_path / "c", max_bytes=10_000)
    for index in range(30):
        cache.put(f'"{index:040x}"', b"x" * 900, "image/png")
    assert all(path.exists() for path in keep)
    assert cache.get(f'"{29:040x}"') is not None
