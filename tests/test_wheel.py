"""The built wheel carries the grammar (``engine/_grammar/modifiers.lark``, force-included) and
the web page's templates and static files."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

CHECK = """
import sys
from pathlib import Path
import engine
from engine.syntax import grammar_text
home = Path(engine.__file__).resolve().parent
assert home.is_relative_to(Path(sys.argv[1]).resolve()), home
assert (home / "_grammar" / "modifiers.lark").read_text(encoding="utf-8") == grammar_text()
print(engine.resolve("wid=100&fmt=tiff"))
"""


@pytest.mark.slow
def test_wheel_loads_its_grammar_outside_the_checkout(tmp_path):
    dist, target = tmp_path / "dist", tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("isrender-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert "engine/_grammar/modifiers.lark" in names
        for shipped in ("templates/base.html", "static/playground.js", "static/app.css"):
            assert f"engine/web/{shipped}" in names  # the web page needs no build step
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    result = subprocess.run(
        [sys.executable, "-c", CHECK, str(target)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "wid=100&fmt=tif\n"
