"""Issue 8.6: an interrupted upload left its partial blob in ``blobs/tmp/`` for ever. Uploads
now clean up the leftovers of dead uploads, never the file of an upload still running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from engine.catalog.blobs import BlobStore

UPLOADER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from engine.catalog.blobs import BlobStore

    with BlobStore(Path(sys.argv[1])).staged(b"partial upload" * 1000) as staged:
        print(staged.path, flush=True)
        time.sleep(120)  # an upload in progress (a slow client)
    """
)


def _start_upload(root: Path) -> tuple[subprocess.Popen, Path]:
    child = subprocess.Popen(
        [sys.executable, "-c", UPLOADER, str(root)], stdout=subprocess.PIPE, text=True
    )
    return child, Path(child.stdout.readline().strip())


def _age(path: Path) -> None:
    old = time.time() - 24 * 3600  # well past any grace period
    os.utime(path, (old, old))


def test_upload_removes_dead_uploads_leftovers_but_not_a_live_uploads_file(tmp_path):
    root = tmp_path / "blobs"
    dead, dead_file = _start_upload(root)
    live, live_file = _start_upload(root)
    try:
        dead.send_signal(signal.SIGKILL)
        dead.wait(timeout=30)
        assert dead_file.is_file()  # what a killed upload leaves behind
        for path in (dead_file, live_file):
            _age(path)  # both old: only the lock tells them apart
        fresh = root / "tmp" / "upload-fresh"
        fresh.write_bytes(b"just created, not locked yet")

        store = BlobStore(root)
        with store.staged(b"a new upload") as staged:
            store.commit(staged)

        assert not dead_file.exists()
        assert live_file.is_file()
        assert fresh.is_file()  # too young to judge
    finally:
        live.kill()
        live.wait(timeout=30)
        for child in (dead, live):
            child.stdout.close()
