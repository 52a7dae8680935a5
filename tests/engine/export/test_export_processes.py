"""``isrender export`` as a real process (issue 8): its signals, its worker processes, what a
kill -9 leaves behind, and the working directory it runs in."""

from __future__ import annotations

import io
import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from export_kit import WAIT, image_bytes, read_line, zip_entries
from kits.catalog import PASSWORD
from kits.waiting import wait_for
from PIL import Image

from engine.export import Coordinator

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc"),
]
ISRENDER = Path(sys.executable).with_name("isrender")
SLOW_REQUEST = "scl=1&fmt=png"  # a 2000×2000 noise PNG: long enough to be caught in flight


def noise_jpeg(seed: int, size: int = 2000) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 256, (size, size, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def start_export(catalog, handles, *extra: str, cwd=None, stdout=subprocess.PIPE):
    """``isrender export`` in its own session (so signals to its group reach nothing else)."""
    argv = [str(ISRENDER), "export", *handles, *extra]
    argv += ["--home", str(catalog.home), "--user", "ann@acme.test", "--company", "Acme"]
    env = {**os.environ, "ISRENDER_PASSWORD": PASSWORD}
    return subprocess.Popen(
        argv,
        stdout=stdout,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=cwd,
        start_new_session=True,
    )


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (children, grandchildren, ...)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            parents[int(entry.name)] = stat[1]
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[0] not in ("Z", "X")


def _stat(pid: int) -> tuple[str, int] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rpartition(")")[2].split()
    return fields[0], int(fields[1])


def read_to_eof(stream, timeout: float) -> bool:
    """Whether ``stream`` reached end-of-file within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        while (left := deadline - time.monotonic()) > 0:
            if selector.select(left) and not os.read(stream.fileno(), 65536):
                return True
    return False


@pytest.fixture
def slow_assets(session) -> list[str]:
    return [session.upload(noise_jpeg(n), name=f"big{n}.jpg").handle for n in range(4)]


def test_kill_9_of_export_leaves_no_process_and_ends_its_output(catalog, slow_assets):
    """Issue 8.5: the forkserver, resource tracker and workers outlived ``kill -9`` and held
    the CLI's stdout open, so ``isrender export … | cat`` never ended."""
    child = start_export(catalog, slow_assets, "--fmt", "convert", "--is-modifier", SLOW_REQUEST)
    try:
        job = read_line(child).removeprefix("job ")
        wait_for(lambda: catalog.get_job(job).success_count >= 1, "the first conversion")
        helpers = descendants(child.pid)
        assert helpers, "the export runs its conversions in worker processes"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=WAIT)
    try:
        assert read_to_eof(child.stdout, 10), "something still holds the export's stdout"
        wait_for(lambda: not any(alive(pid) for pid in helpers), "the workers to exit", 10)
    finally:
        child.stdout.close()
        for pid in helpers:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize(
    ("stop", "status"),
    [("SIGINT to the process group", 130), ("SIGTERM", 143), ("jobs stop", 1)],
)
def test_a_stopped_export_finishes_its_conversions_in_flight_and_exits_non_zero(
    catalog, session, slow_assets, stop, status
):
    """Issue 8.4: the terminal's SIGINT reached the workers ("could not run:
    KeyboardInterrupt"), SIGTERM killed the CLI with the job left Running. Issue 8.7: a stopped
    export exited 0 with assets missing."""
    child = start_export(
        catalog, slow_assets, "--fmt", "convert", "--is-modifier", SLOW_REQUEST, "--workers", "1"
    )
    try:
        job = read_line(child).removeprefix("job ")
        wait_for(lambda: catalog.get_job(job).success_count >= 1, "the first conversion")
        time.sleep(0.3)  # the next conversion is in flight now
        if stop == "SIGINT to the process group":
            os.killpg(child.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        elif stop == "SIGTERM":
            child.send_signal(signal.SIGTERM)
        else:
            with Coordinator(catalog) as other_terminal:
                other_terminal.stop_job(session, job)
        child.communicate(timeout=WAIT)
    finally:
        child.kill()
        child.wait(timeout=WAIT)
    assert child.returncode == status

    record = catalog.get_job(job)
    details = catalog.job_log_details(job)
    assert [d.message for d in details if d.severity == "error"] == []
    cancelled = [d for d in details if d.log_type == "FileCancel"]
    assert (record.state, record.fatal_error) == ("Done", False)
    assert record.success_count >= 2  # the conversion in flight finished
    assert record.success_count + len(cancelled) == len(slow_assets)
    assert len(zip_entries(record.package)) == record.success_count


def test_a_numpy_py_in_the_working_directory_is_never_executed(tmp_path, catalog, session):
    """Issue 8.9: the forkserver preloading the worker put the working directory on sys.path."""
    folder = tmp_path / "downloads"
    folder.mkdir()
    marker = tmp_path / "executed"
    for module in ("numpy", "concurrent", "PIL"):
        (folder / f"{module}.py").write_text(f"open({str(marker)!r}, 'a').write('{module}\\n')\n")
    asset = session.upload(image_bytes(1), name="photo.jpg")

    child = start_export(
        catalog, [asset.handle], "--fmt", "convert", "--is-modifier", "fmt=png", cwd=folder
    )
    output, _ = child.communicate(timeout=WAIT)

    assert not marker.exists(), marker.read_text()
    assert child.returncode == 0, output
    record = catalog.get_job(output.splitlines()[0].removeprefix("job "))
    assert list(zip_entries(record.package)) == ["photo.png"]
