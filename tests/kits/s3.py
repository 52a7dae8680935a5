"""A bucket on moto's S3 server on 127.0.0.1 (``ThreadedMotoServer``), for the tests of shared
storage (issue 12). Importing this module skips the test module when moto or s3fs is missing."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

import pytest

from kits.server import free_port

moto_server = pytest.importorskip("moto.server", reason="needs moto[server] (the test extra)")
s3fs = pytest.importorskip("s3fs", reason="needs isrender[s3]")
import fsspec.config  # noqa: E402

BUCKET = "isrender-test"  # one per test: moto keeps its buckets in this process's memory


@contextlib.contextmanager
def moto_bucket(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A bucket on a fresh moto server, as an ``s3://bucket/library`` root; this process, its
    workers and its servers reach it by the environment (``FSSPEC_S3_ENDPOINT_URL`` and the
    AWS variables). A test module's ``s3_root`` fixture wraps it."""
    port = free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    for name, value in (
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
        ("FSSPEC_S3_ENDPOINT_URL", endpoint),
    ):
        monkeypatch.setenv(name, value)
    monkeypatch.setitem(fsspec.config.conf, "s3", {"endpoint_url": endpoint})
    s3fs.S3FileSystem.clear_instance_cache()
    name = f"{BUCKET}-{uuid.uuid4().hex[:12]}"
    try:
        s3fs.S3FileSystem().mkdir(name)
        yield f"s3://{name}/library"
    finally:
        s3fs.S3FileSystem.clear_instance_cache()
        server.stop()


def bucket() -> s3fs.S3FileSystem:
    """The bucket's file system, its listing cache emptied."""
    s3 = s3fs.S3FileSystem()
    s3.invalidate_cache()
    return s3
