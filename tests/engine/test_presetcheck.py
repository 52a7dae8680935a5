"""``isrender preset check``: the migration report of a realistic Scene7 macro file."""

from __future__ import annotations

import json

from engine.cli import main

MACROS = (
    "Name\tDefinition\t.Comment\r\n"
    "thumb\twid=120&hei=120&fit=constrain&qlt=85\tcategory pages\r\n"
    "zoom\twid=1600&hei=1600&fit=fit,1&op_usm=1.2,1,8,0&resMode=sharp2\t\r\n"
    "pdp\t$thumb$&wid=480&hei=480\tproduct page\r\n"
    "watermark\tlayer=1&src=brand/logo&opac=40&posN=0.4,0.4&layer=comp&wid=600\t\r\n"
    "badge\tlayer=0&extend=0,0,0,40&bgColor=ffffff&layer=1&color=cc0000&size=80,30"
    "&originN=0.5,0.5&posN=0.5,0.5\t\r\n"
    "caption\tlayer=1&text={\\rtf1 Sale}&pos=0,100\t\r\n"
    "script\tlayer=1&text={\\fonttbl{\\f0 Brand Script;}}\\f0 Sale\t\r\n"
    "onpath\tlayer=1&textPs=Sale&textPath=M0,0L100,0\t\r\n"
    "cutout\tlayer=1&color=cc0000&clipPath=M0,0L80,0L0,80\t\r\n"
    "grow\tlayer=1&src=logo&op_growMask=20\t\r\n"
    "shadow\tlayer=1&src=logo&effect=-1&color=0,0,0,128&op_blur=4&pos=4,4\t\r\n"
    "heif\twid=200&fmt=heic\t\r\n"
    "broken\twid=abc\t\r\n"
    "magic\twid=200&op_magic=3\t\r\n"
    "solid\tlayer=1&color=00ff00\t\r\n"
    "tilted\tlayer=1&src=box&perspectiveN=0.1,0.1,0.9,0.2,0.8,0.9,0.2,0.8&op_growMask=-2"
    "&effect=-1&$shadow$&effectMask=0&map=%3Carea%20href=x%3E\t\r\n"
    "bowtie\tlayer=1&src=box&perspective=0,0,100,100,100,0,0,100\t\r\n"
    "proof\twid=400&icc=CMYK\t\r\n"
)
#: preset → outcome: eleven render, two use what is not rendered, five are wrong
RENDERED = ("thumb", "zoom", "pdp", "watermark", "badge", "shadow", "caption", "onpath", "cutout",
            "grow", "tilted")  # fmt: skip
EXPECTED = dict(
    [(name, "ok") for name in RENDERED]
    + [(name, "unsupported") for name in ("proof", "heif")]
    + [(name, "error") for name in ("broken", "magic", "solid", "script", "bowtie")]
)


def test_every_preset_gets_its_outcome(tmp_path, capsys):
    path = tmp_path / "presets.txt"
    path.write_bytes(MACROS.encode("latin-1"))
    assert main(["preset", "check", str(path), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert {p["name"]: p["status"] for p in report["presets"]} == EXPECTED
    assert report["summary"] == {"presets": 18, "ok": 11, "unsupported": 2, "error": 5}
    by_name = {p["name"]: p for p in report["presets"]}
    assert by_name["pdp"]["output"] == "480x360 image/jpeg"
    assert by_name["caption"]["output"] == "640x480 image/jpeg"
    assert by_name["proof"]["unsupported"] == ["icc: ICC output profiles are not supported"]
    assert by_name["grow"]["output"] == "640x480 image/jpeg"
    assert by_name["onpath"]["output"] == by_name["cutout"]["output"] == "640x480 image/jpeg"
    assert "font 'Brand Script' is not in the font map" in by_name["script"]["message"]
    assert by_name["shadow"]["output"] == "640x480 image/jpeg"
    assert "format not supported: fmt=heic" in by_name["heif"]["message"]
    assert "command 'wid'" in by_name["broken"]["message"]
    assert "unknown command 'op_magic'" in by_name["magic"]["message"]
    assert "needs both size= values" in by_name["solid"]["message"]
    assert by_name["tilted"]["output"] == "640x480 image/jpeg"
    assert "self-intersecting" in by_name["bowtie"]["message"]


def test_text_report_and_exit_status(tmp_path, capsys):
    path = tmp_path / "presets.txt"
    path.write_text("Name\tDefinition\nthumb\twid=120&fmt=png\n", encoding="latin-1")
    assert main(["preset", "check", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["$thumb$", "ok", "120x90", "image/png"]
    assert lines[-1] == "1 presets: 1 render unchanged, 0 use unsupported features, 0 fail"
    assert main(["preset", "check", str(tmp_path / "missing.txt")]) == 2
