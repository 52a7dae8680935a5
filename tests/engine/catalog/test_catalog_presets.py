"""Image presets: the company's ``$name$`` macros, set one by one or imported from a file."""

from __future__ import annotations

import pytest
from kits.catalog import member

from engine.errors import ApiFault, CatalogError, MacroError
from engine.macros import MacroTable
from engine.parser import resolve


def test_set_list_replace_and_delete(session):
    session.set_preset("thumb", "wid=100&hei=100")
    session.set_preset("$Large$", "?wid=1200")  # $…$ and a leading ? are accepted
    assert session.list_presets() == {"Large": "wid=1200", "thumb": "wid=100&hei=100"}
    session.set_preset("THUMB", "wid=120")  # names are case-insensitive
    assert session.list_presets() == {"Large": "wid=1200", "THUMB": "wid=120"}
    session.delete_preset("large")
    assert session.list_presets() == {"THUMB": "wid=120"}
    with pytest.raises(CatalogError, match="no preset named 'large'"):
        session.delete_preset("large")


def test_presets_become_the_macro_table(session):
    session.set_preset("small", "wid=50&fmt=png")
    session.set_preset("framed", "$small$&bgc=ff0000")  # presets may use earlier presets
    table = session.macro_table()
    assert isinstance(table, MacroTable)
    assert "SMALL" in table
    assert resolve("$framed$&wid=60", macros=table) == resolve("wid=50&fmt=png&bgc=ff0000&wid=60")


@pytest.mark.parametrize(
    ("name", "modifiers", "message"),
    [
        ("bad", "wid=abc", "not a valid modifier string"),
        ("bad", "$nowhere$", "undefined macro"),
        ("bad", "wid=1&" + "x" * 600, "at most 512"),
        ("", "wid=1", "invalid preset name"),
        ("a&b", "wid=1", "invalid preset name"),
        ("a=b", "wid=1", "invalid preset name"),
        ("$$", "wid=1", "invalid preset name"),
        ("n" * 1_000_000, "wid=1", "1000000 characters long; a name holds at most 255"),
    ],
    ids=["bad value", "undefined macro", "too long", "empty", "&", "=", "only $", "1 MB name"],
)
def test_invalid_presets_are_refused_and_not_stored(session, name, modifiers, message):
    with pytest.raises(ApiFault, match=message) as fault:
        session.set_preset(name, modifiers)
    assert fault.value.code == ApiFault.INVALID_PARAMETER
    assert session.list_presets() == {}


def test_presets_belong_to_one_company(catalog, session):
    session.set_preset("thumb", "wid=100")
    catalog.create_company("Rival")
    rival = member(catalog, "Rival", "rex@rival.test")
    assert rival.list_presets() == {}
    rival.set_preset("thumb", "wid=300")
    assert session.list_presets() == {"thumb": "wid=100"}


def test_import_a_scene7_macro_file(session, tmp_path):
    macro_file = tmp_path / "presets.mac"
    lines = [
        "Name\tDefinition\t.note",
        'thumb\t"wid=100&hei=100&fmt=jpeg"\tquoted field',
        "zoom\twid=2000&qlt=90\t",
        "framed\t$thumb$&bgc=ffffff\tuses an earlier macro",
        "zoom\twid=2400\tlater duplicate wins",
        "café\twid=10\tUTF-8 name",
    ]
    macro_file.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8") + b"\r\n")
    session.set_preset("old", "wid=1")
    assert session.import_presets(macro_file) == 4
    assert session.list_presets() == {
        "café": "wid=10",
        "framed": "$thumb$&bgc=ffffff",
        "old": "wid=1",
        "thumb": "wid=100&hei=100&fmt=jpeg",
        "zoom": "wid=2400",
    }


def test_a_macro_file_with_one_bad_preset_imports_nothing(session, tmp_path):
    macro_file = tmp_path / "presets.mac"
    macro_file.write_text("Name\tDefinition\ngood\twid=10\nbad\thei=tall\n", encoding="latin-1")
    with pytest.raises(ApiFault, match="'bad'"):
        session.import_presets(macro_file)
    assert session.list_presets() == {}


def test_an_unreadable_macro_file_is_a_macro_error(session, tmp_path):
    with pytest.raises(MacroError, match="cannot read"):
        session.import_presets(tmp_path / "absent.mac")
    (tmp_path / "headless.mac").write_text("thumb\twid=1\n")
    with pytest.raises(MacroError, match="header"):
        session.import_presets(tmp_path / "headless.mac")


def test_a_template_name_is_bounded_like_a_preset_name(session):
    assert session.create_template("t" * 255, "size=10,10&color=ff0000")
    with pytest.raises(ApiFault, match="256 characters long") as fault:
        session.create_template("t" * 256, "size=10,10&color=ff0000")
    assert len(str(fault.value)) < 200
    assert list(session.list_templates()) == ["t" * 255]
