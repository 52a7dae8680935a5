"""``isrender render``, ``props`` and ``plugins`` through the real argument parser."""

from __future__ import annotations

import json

import numpy as np
from PIL import Image

from engine.cli import main


def photo(path, size=(120, 80)):
    values = np.random.default_rng(1).integers(0, 256, (size[1], size[0], 3), np.uint8)
    Image.fromarray(values).save(path)
    return path


def test_render_into_a_folder_takes_the_source_name_and_format_extension(tmp_path, capsys):
    source = photo(tmp_path / "harbour.jpg")
    out = tmp_path / "out"
    out.mkdir()
    assert main(["render", str(source), "-m", "wid=60&fmt=tif,,lzw", "-o", str(out)]) == 0
    written = out / "harbour.tiff"
    assert Image.open(written).size == (60, 40)
    assert str(written) in capsys.readouterr().out


def test_render_to_a_file_with_a_macro_file(tmp_path):
    source = photo(tmp_path / "a.png")
    macros = tmp_path / "presets.mac"
    macros.write_text("Name\tDefinition\nsmall\twid=30&fmt=png\n", encoding="latin-1")
    target = tmp_path / "small.png"
    assert main(["render", str(source), "-m", "$small$", "--macros", str(macros),
                 "-o", str(target)]) == 0  # fmt: skip
    assert Image.open(target).size == (30, 20)


def test_props_prints_java_properties_and_json(tmp_path, capsys):
    source = photo(tmp_path / "a.jpg")
    assert main(["props", str(source), "-m", "wid=60&fmt=png"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "#S7Z OK" and lines[1].startswith("#")
    fields = dict(line.split("=", 1) for line in lines[2:])
    assert fields["image.width"] == "60" and fields["image.type"] == "image/png"
    assert main(["props", str(source), "-m", "wid=60", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["image.type"] == "image/jpeg"


def test_plugins_json_lists_formats_and_commands(capsys):
    assert main(["plugins", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    kinds = {(row["kind"], row["name"]) for row in rows}
    assert ("format", "png8-alpha") in kinds and ("command", "op_usm") in kinds


def test_errors_are_one_line_on_stderr_with_status_2(tmp_path, capsys):
    source = photo(tmp_path / "a.jpg")
    assert main(["render", str(source), "-m", "wid=abc", "-o", str(tmp_path / "x.jpg")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("isrender: invalid value; command 'wid'") and "Traceback" not in err
    missing = ["render", str(tmp_path / "missing.jpg"), "-o", str(tmp_path / "y.jpg")]
    assert main(missing) == 65  # SourceError.exit_status (EX_DATAERR)
    assert "missing.jpg" in capsys.readouterr().err
