"""The batch task's own time limit (``engine.export.batch``, the Dask path): a watchdog kills
the process of a conversion that overruns, and the re-run reports it without converting it
again. Run in child processes, since the watchdog kills the process it runs in."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

from export_kit import WAIT

from engine.export.batch import convert_batch
from engine.export.worker import ConvertResult, ConvertTask

MESSAGE = (
    "conversion stopped: it ran longer than the time limit of 0.5 s; its Dask worker process "
    "was killed and restarted"
)


def task(position: int, staging) -> ConvertTask:
    return ConvertTask(position, "unused.jpg", "fmt=png", None, f"a{position}", str(staging), 1)


def run_child(staging, body: str) -> subprocess.CompletedProcess:
    preamble = f"""
        import threading, time
        from engine.export.batch import convert_batch
        from engine.export.worker import ConvertTask
        def task(position):
            return ConvertTask(position, "unused.jpg", "fmt=png", None, "a", {str(staging)!r}, 1)
        def hang(task):
            time.sleep(60)
    """
    code = textwrap.dedent(preamble) + textwrap.dedent(body)
    return subprocess.run([sys.executable, "-c", code], timeout=WAIT, capture_output=True)


def test_an_overrun_kills_the_process_and_the_rerun_reports_it(tmp_path):
    child = run_child(tmp_path, "convert_batch([task(0), task(3)], 0.5, hang)")
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert (tmp_path / "00000.timed-out").read_text() == MESSAGE

    converted = []

    def quick(task: ConvertTask) -> ConvertResult:
        converted.append(task.position)
        return ConvertResult(task.position, path="done")

    results = convert_batch([task(0, tmp_path), task(3, tmp_path)], 0.5, quick)
    assert converted == [3]  # the overrun asset is not converted again
    assert results == [ConvertResult(0, error=MESSAGE), ConvertResult(3, path="done")]


def test_a_shorter_limit_is_watched_while_a_longer_one_runs(tmp_path):
    """Coordinators with different limits share a cluster: a new, shorter deadline wakes the
    watchdog, which was sleeping until the longer one."""
    child = run_child(
        tmp_path,
        """
        threading.Thread(target=convert_batch, args=([task(1)], 60.0, hang), daemon=True).start()
        time.sleep(0.5)
        convert_batch([task(2)], 0.5, hang)
        """,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert (tmp_path / "00002.timed-out").read_text() == MESSAGE
    assert not (tmp_path / "00001.timed-out").exists()


def test_without_a_limit_there_is_no_watchdog(tmp_path):
    results = convert_batch([task(5, tmp_path)], None, lambda t: ConvertResult(t.position))
    assert results == [ConvertResult(5)]
