"""``isrender export``, ``isrender jobs ...`` and ``isrender demo`` through engine.cli.main."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from export_kit import image_bytes
from kits.catalog import PASSWORD
from PIL import Image

from engine.cli import main


@pytest.fixture
def signed_in(monkeypatch, catalog, session) -> list[str]:
    """The auth options of the session's user; the password comes from the environment."""
    monkeypatch.setenv("ISRENDER_PASSWORD", PASSWORD)
    return ["--home", str(catalog.home), "--user", "ann@acme.test", "--company", "Acme"]


def test_export_end_to_end(tmp_path, capsys, session, signed_in):
    photo = session.upload(image_bytes(1, (80, 60)), name="fileToExport.jpg")
    image_set = session.create_set("ImageSet", "the-set", [photo.handle])
    session.set_preset("test", "fmt=tif&wid=40")
    out = tmp_path / "out"
    argv = ["export", photo.handle, image_set.handle, "--fmt", "convert"]
    argv += ["--is-modifier", "&fmt=png", "--macro", "$test$", "--name", "cli", "--out", str(out)]

    assert main([*argv, *signed_in, "--workers", "1"]) == 1  # the refused set is an error
    output = capsys.readouterr()
    lines = output.out.splitlines()
    job = lines[0].removeprefix("job ")
    assert job.startswith("j|") and "|cli|" in job
    assert f"{job}: Done: 1 exported, 1 error(s), 0 warning(s)" in lines
    package = next(line for line in lines if line.startswith("package: ")).split(": ", 1)[1]
    assert zipfile.ZipFile(package).namelist() == ["fileToExport.tiff"]
    assert "100%" in output.err  # the progress bar
    with Image.open(out / "fileToExport.tiff") as tiff:
        assert (tiff.format, tiff.size) == ("TIFF", (40, 30))

    assert main(["jobs", "list", "--json", *signed_in]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert (listed["handle"], listed["state"], listed["package"]) == (job, "Done", package)
    assert (listed["success_count"], listed["error_count"], listed["total_count"]) == (1, 1, 2)

    assert main(["jobs", "log", job, "--json", *signed_in]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert entries[0]["log_type"] == "BeginGet"
    assert {e["asset_handle"] for e in entries if e["log_type"] == "GetFailure"} == {
        image_set.handle
    }

    assert main(["jobs", "log", job, *signed_in]) == 0
    assert "ReturnSuccess    fileToExport.jpg (Image" in capsys.readouterr().out
    assert main(["jobs", "list", "--active", *signed_in]) == 0
    assert capsys.readouterr().out == ""


def test_export_originals_exit_zero(tmp_path, capsys, session, signed_in):
    data = image_bytes(2)
    asset = session.upload(data, name="keep.jpg")
    out = tmp_path / "originals"
    assert main(["export", asset.handle, "--fmt", "orig", "--out", str(out), *signed_in]) == 0
    assert (out / "keep.jpg").read_bytes() == data


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--fmt", "convert", "--macro", "test"], "ExportJob.macro is invalid"),
        (["--fmt", "orig", "--email-setting", "sometimes"], "ExportJob.emailSetting is invalid"),
        (["--fmt", "convert", "--is-modifier", "wid=abc"], "cannot be rendered"),
    ],
)
def test_refused_export_prints_the_fault_without_a_traceback(
    capsys, session, signed_in, argv, message
):
    asset = session.upload(image_bytes(3), name="a.jpg")
    assert main(["export", asset.handle, *argv, *signed_in]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_control_of_an_unknown_job_is_refused(capsys, signed_in):
    assert main(["jobs", "stop", "j|1|nope|42", *signed_in]) == 77  # an AuthorizationFault
    assert "illegal job handle" in capsys.readouterr().err


def test_demo_runs_on_a_fresh_home_and_again(tmp_path, capsys):
    home, out = tmp_path / "demo-home", tmp_path / "demo-out"
    for _run in range(2):
        assert main(["demo", "--home", str(home), "--out", str(out)]) == 0
        text = capsys.readouterr().out
        assert text.count("GetFailure") == 2  # the ImageSet, refused by both jobs
        assert "fileToExport.jpg (Image" in text
        assert "converted to fileToExport.tiff" in text
        assert text.count("package: " + str(home / "packages")) == 2
    assert {p.name for p in (out / "convert").iterdir()} == {
        "fileToExport.tiff",
        "harbour.tiff",
        "meadow.tiff",
        "portrait.tiff",
    }
    data = (out / "convert" / "fileToExport.tiff").read_bytes()
    with Image.open(io.BytesIO(data)) as tiff:
        assert (tiff.format, tiff.width) == ("TIFF", 400)
    assert (out / "orig" / "fileToExport.jpg").read_bytes()[:3] == b"\xff\xd8\xff"
    assert len(list(Path(home, "packages").glob("*.zip"))) == 4  # two jobs per run


@pytest.mark.parametrize("workers", ["0", "-3", "many"])
def test_a_bad_worker_count_is_a_usage_error_not_a_traceback(capsys, session, signed_in, workers):
    asset = session.upload(image_bytes(4), name="w.jpg")
    with pytest.raises(SystemExit) as exited:
        main(["export", asset.handle, "--fmt", "orig", "--workers", workers, *signed_in])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "--workers" in err
    assert "Traceback" not in err


def test_an_unusable_out_folder_keeps_the_package_and_gives_no_traceback(
    tmp_path, capsys, session, signed_in
):
    asset = session.upload(image_bytes(5), name="k.jpg")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    argv = ["export", asset.handle, "--fmt", "orig", "--out", str(blocker), *signed_in]
    assert main(argv) == 2
    output = capsys.readouterr()
    assert "Traceback" not in output.err
    assert "cannot unpack" in output.err
    package = next(line for line in output.out.splitlines() if line.startswith("package: "))
    assert Path(package.split(": ", 1)[1]).is_file()  # the finished work is still there
