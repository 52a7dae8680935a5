"""Package entry names: sanitised, base name + rendition extension, unique in handle order."""

from __future__ import annotations

import pytest

from engine.export.naming import NameAllocator, converted_name, sanitise
from engine.export.package import job_key


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("photo.jpg", "photo.jpg"),
        ("/etc/passwd", "passwd"),
        ("../../evil.png", "evil.png"),
        ("a\\b\\c.tif", "c.tif"),
        ("C:photo.jpg", "C_photo.jpg"),
        ("tab\there.png", "tabhere.png"),
        ("..", "asset-1"),
        ("dir/..", "asset-1"),
        ("  ", "asset-1"),
        (".hidden", "hidden"),
    ],
)
def test_sanitise_leaves_one_harmless_file_name(name, expected):
    assert sanitise(name, "asset-1") == expected


@pytest.mark.parametrize(
    ("name", "extension", "expected"),
    [
        ("fileToExport.jpg", "tiff", "fileToExport.tiff"),
        ("archive.tar.gz", "png", "archive.tar.png"),
        ("noextension", "jpg", "noextension.jpg"),
    ],
)
def test_converted_name_keeps_the_base_name(name, extension, expected):
    assert converted_name(name, extension) == expected


def test_duplicates_get_numbered_in_order_case_insensitively():
    names = NameAllocator()
    given = ["a.png", "A.png", "b.png", "a.png", "a-2.png", "plain", "plain"]
    assert [names.allocate(n) for n in given] == [
        "a.png",
        "A-2.png",
        "b.png",
        "a-3.png",
        "a-2-2.png",
        "plain",
        "plain-2",
    ]


def test_job_keys_are_safe_short_and_distinct():
    long_name = "j|1|" + "Ünïcode job " * 40
    keys = {job_key(f"{long_name}|{n}") for n in range(3)}
    assert len(keys) == 3
    assert all(len(key) <= 96 and "." not in key and "/" not in key for key in keys)
    assert job_key("j|1|Export_2026-01-02-03:04:05|7") == "j_1_Export_2026-01-02-03_04_05_7"
