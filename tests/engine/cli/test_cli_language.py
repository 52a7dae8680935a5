"""``isrender resolve``, ``validate`` and ``parse``."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine import parse
from engine.cli import main


@pytest.fixture
def macro_file(tmp_path: Path) -> Path:
    path = tmp_path / "presets.mac"
    path.write_bytes(b"Name\tDefinition\nview\twid=200&hei=300&src=$object$\n")
    return path


def test_resolve_prints_the_canonical_string(capsys):
    assert main(["resolve", "?WID=100&fmt=TIFF&.comment"]) == 0
    assert capsys.readouterr() == ("wid=100&fmt=tif\n", "")


def test_resolve_with_macros_and_object(capsys, macro_file):
    assert main(["resolve", "$view$&wid=480", "--macros", str(macro_file), "--object", "shoe"]) == 0
    out = capsys.readouterr().out.strip()
    assert parse(out) == parse("src=shoe&wid=480&hei=300")


def test_validate_accepts_a_valid_request(capsys, macro_file):
    assert main(["validate", "$view$&qlt=80", "--macros", str(macro_file)]) == 0
    assert capsys.readouterr() == ("request.isValid=1\n", "")


@pytest.mark.parametrize(
    ("modifiers", "message"),
    [
        ("wid=abc", "command 'wid'"),
        ("$view$", "undefined macro $view$"),
        ("bogus=1", "unknown command 'bogus'"),
        ("=1", "missing command name"),
    ],
)
def test_validate_reports_errors_on_stderr_with_status_2(capsys, modifiers, message):
    assert main(["validate", modifiers]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("isrender: ") and message in err
    assert "Traceback" not in err


def test_a_missing_macro_file_is_an_error(capsys, tmp_path):
    assert main(["resolve", "wid=1", "--macros", str(tmp_path / "none.mac")]) == 2
    assert "cannot read macro file" in capsys.readouterr().err


def test_parse_prints_the_plan_tree(capsys):
    modifiers = "wid=100&layer=1&src=logo&op_blur=2"
    assert main(["parse", modifiers, "--object", "shoe"]) == 0
    assert capsys.readouterr().out == str(parse(modifiers, object_name="shoe")) + "\n"


@pytest.mark.slow
def test_the_installed_console_script(macro_file, tmp_path):
    script = shutil.which("isrender", path=str(Path(sys.executable).parent))
    command = [script] if script else [sys.executable, "-m", "engine.cli"]
    ok = subprocess.run(
        [*command, "resolve", "$VIEW$&wid=480", "--macros", str(macro_file), "--object", "é"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=tmp_path,
        check=False,
    )
    assert (ok.returncode, ok.stderr) == (0, "")
    assert parse(ok.stdout.strip()) == parse("src=é&wid=480&hei=300")
    bad = subprocess.run(
        [*command, "validate", "wid=0"], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert bad.returncode == 2
    assert bad.stdout == "" and "command 'wid'" in bad.stderr
