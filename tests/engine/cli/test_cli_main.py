"""What ``engine.cli.main`` does for every command, in real ``isrender`` processes: output that
cannot be written (a missing folder, a full device, a reader that went away) is a one-line
error or a quiet exit, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from engine.catalog import Catalog

PASSWORD = "pw-of-the-cli-tests"
TIMEOUT = 120


def isrender(
    *argv: str | bytes, cwd: Path, stdout: int | None = subprocess.PIPE, env: dict | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "engine.cli", *argv],
        cwd=cwd,
        stdout=stdout,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
        timeout=TIMEOUT,
    )


@pytest.fixture
def source(tmp_path) -> Path:
    path = tmp_path / "a.png"
    Image.new("RGB", (40, 30), (10, 200, 30)).save(path)
    return path


def test_render_into_a_missing_folder_names_the_file(tmp_path, source):
    target = tmp_path / "missing" / "x.png"
    done = isrender("render", str(source), "-m", "wid=10", "-o", str(target), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.decode() == f"isrender render: {target}: No such file or directory\n"


def test_render_into_a_missing_folder_named_with_a_slash_writes_no_file_in_its_place(
    tmp_path, source
):
    folder = tmp_path / "renditions"
    done = isrender("render", str(source), "-m", "wid=10", "-o", f"{folder}/", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.decode() == f"isrender render: {folder}/a.jpg: No such file or directory\n"
    assert not folder.exists()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
def test_render_to_a_full_device_is_one_line(tmp_path, source):
    done = isrender("render", str(source), "-m", "wid=10", "-o", "/dev/full", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.decode() == "isrender render: /dev/full: No space left on device\n"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
@pytest.mark.parametrize("argv", [("plugins",), ("resolve", "wid=1")], ids=["long", "short"])
def test_standard_output_on_a_full_device_is_one_line(tmp_path, argv):
    with open("/dev/full", "wb") as full:
        done = isrender(*argv, cwd=tmp_path, stdout=full)
    assert done.returncode == 2
    assert done.stderr.decode() == f"isrender {argv[0]}: No space left on device\n"


def _closed_pipe_run(*argv: str, cwd: Path, env: dict | None = None):
    """Run with standard output on a pipe whose reader is already gone (like ``| head -0``)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return isrender(*argv, cwd=cwd, stdout=write_end, env=env)
    finally:
        os.close(write_end)


def test_a_reader_that_went_away_ends_the_command_quietly(tmp_path):
    done = _closed_pipe_run("plugins", cwd=tmp_path)
    assert (done.returncode, done.stderr.decode()) == (141, "")


def test_jobs_list_into_a_closed_pipe_ends_quietly(tmp_path):
    home = tmp_path / "home"
    with Catalog.open(home, scrypt_n=2**8) as catalog:
        session = catalog.initialize("Acme", "ann@acme.test", PASSWORD)
        for number in range(3):
            catalog.create_job(
                company="Acme",
                user=session.user.handle,
                name=f"job-{number}",
                job_type="ExportJob",
                spec={},
                email_setting="None",
                owner="test",
            )
    env = {"ISRENDER_HOME": str(home), "ISRENDER_USER": "ann@acme.test"}
    env["ISRENDER_PASSWORD"] = PASSWORD
    listed = isrender("jobs", "list", cwd=tmp_path, env=env)
    assert listed.returncode == 0 and len(listed.stdout.splitlines()) == 3, listed.stderr
    done = _closed_pipe_run("jobs", "list", cwd=tmp_path, env=env)
    assert (done.returncode, done.stderr.decode()) == (141, "")


def test_a_file_name_that_is_not_utf8_is_printed_as_its_bytes(tmp_path):
    home = tmp_path / "home"
    with Catalog.open(home, scrypt_n=2**8) as catalog:
        catalog.initialize("Acme", "ann@acme.test", PASSWORD)
    macros = tmp_path / os.fsdecode(b"caf\xe9.mac")
    macros.write_bytes(b"Name\tDefinition\nthumb\twid=10\n")
    env = {"ISRENDER_HOME": str(home), "ISRENDER_USER": "ann@acme.test"}
    env |= {"ISRENDER_PASSWORD": PASSWORD, "PYTHONIOENCODING": "utf-8"}  # as in a UTF-8 locale
    done = isrender("preset", "import", bytes(macros), cwd=tmp_path, env=env)
    assert (done.returncode, done.stderr) == (0, b"")
    assert done.stdout == b"imported 1 preset(s) from " + bytes(macros) + b"\n"
