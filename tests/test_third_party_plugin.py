"""The plugin author guide's worked example (docs/plugins.md), used as a real plugin.

``tests/fixtures/sepia_plugin`` is a complete third-party distribution: it adds the ``ppm``
format and the ``op_sepia`` command. It is registered at run time, and (slow test) built as a
wheel, installed into a folder and discovered through its ``isrender`` entry point.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import engine
from engine.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "sepia_plugin"


@pytest.fixture
def sepia_module(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.syspath_prepend(str(FIXTURE))
    import isrender_sepia

    name = engine.register(isrender_sepia, name="sepia-test")
    yield isrender_sepia
    engine.unregister(isrender_sepia)
    assert name == "sepia-test"


def _gray_png() -> bytes:
    ramp = np.tile(np.linspace(40, 220, 64, dtype=np.uint8), (48, 1))
    out = io.BytesIO()
    Image.fromarray(ramp, "L").convert("RGB").save(out, "PNG")
    return out.getvalue()


def test_registered_plugin_format_and_command_work_through_a_modifier_string(sepia_module):
    rendition = engine.render(_gray_png(), "op_sepia=100&fmt=ppm&wid=32")
    assert rendition.mime_type == "image/x-portable-pixmap"
    assert rendition.extension == "ppm"
    image = Image.open(io.BytesIO(rendition.data))
    assert image.format == "PPM" and image.size == (32, 24)
    r, g, b = (np.asarray(image)[:, :, c].astype(int) for c in range(3))
    assert (r >= g).all() and (g >= b).all() and (r - b).mean() > 40


def test_plugin_command_is_typed_by_its_declared_signature(sepia_module):
    with pytest.raises(engine.ParseError, match="op_sepia.*from 0 to 100"):
        engine.parse("op_sepia=150")
    assert engine.resolve("OP_SEPIA=20&fmt=PPM") == "op_sepia=20&fmt=ppm"


def test_plugins_listing_names_the_providing_plugin(sepia_module, capsys):
    assert main(["plugins"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.split()[:3] == ["format", "ppm", "sepia-test"] for line in lines)
    assert any(line.split()[:3] == ["command", "op_sepia", "sepia-test"] for line in lines)
    assert any(line.split()[:3] == ["format", "jpeg", "plugins.formats.jpeg"] for line in lines)


def test_unregistering_removes_the_command(monkeypatch):
    monkeypatch.syspath_prepend(str(FIXTURE))
    import isrender_sepia

    engine.register(isrender_sepia, name="sepia-once")
    engine.unregister(isrender_sepia)
    with pytest.raises(engine.ParseError, match="unknown command 'op_sepia'"):
        engine.parse("op_sepia=10")


class _Clash:
    """A plugin that claims the built-in jpeg format."""

    def __init__(self, override: bool) -> None:
        self.override = override

    @engine.hookimpl
    def isrender_register_formats(self, register) -> None:
        builtin = engine.get_registry().format("jpeg")
        register.format(builtin, override=self.override)


def test_a_name_clash_is_an_error_unless_the_plugin_overrides():
    with pytest.raises(engine.PluginError, match="jpeg.*already provides.*override=True"):
        engine.register(_Clash(override=False), name="clash")
    assert engine.get_registry().format("jpeg") is not None  # registry left intact
    plugin = _Clash(override=True)
    engine.register(plugin, name="clash-override")
    try:
        owner = {p.name: p.plugin for p in engine.get_registry().provided if p.kind == "format"}
        assert owner["jpeg"] == "clash-override"
    finally:
        engine.unregister(plugin)


@pytest.mark.slow
def test_installed_distribution_is_found_through_its_entry_point(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--quiet", "-w", str(wheels), str(FIXTURE)],
        check=True,
    )  # fmt: skip
    target = tmp_path / "site"
    wheel = next(wheels.glob("isrender_sepia-*.whl"))
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target",
         str(target), str(wheel)],
        check=True,
    )  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(target)}
    listing = subprocess.run(
        [sys.executable, "-m", "engine.cli", "plugins"],
        capture_output=True, text=True, env=env, check=True, cwd=tmp_path,
    )  # fmt: skip
    assert any(
        line.split()[:3] == ["command", "op_sepia", "sepia"] for line in listing.stdout.splitlines()
    )
    source = tmp_path / "ramp.png"
    source.write_bytes(_gray_png())
    subprocess.run(
        [sys.executable, "-m", "engine.cli", "render", str(source), "-m",
         "op_sepia=60&fmt=ppm", "-o", str(tmp_path)],
        check=True, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert Image.open(tmp_path / "ramp.ppm").format == "PPM"
