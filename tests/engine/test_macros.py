"""Command macros (§2.2): tables, in-place expansion, nesting limits and Scene7 macro files."""

from __future__ import annotations

import pytest

from engine import MacroError, MacroTable, load_macros, parse, resolve
from engine.macros import parse_macro_file

# --- MacroTable ---------------------------------------------------------------------------


def test_table_keys_are_case_insensitive_with_or_without_dollars():
    table = MacroTable({"$View$": "wid=100", "thumb": "wid=50"})
    assert table["view"] == table["VIEW"] == table["$view$"] == "wid=100"
    assert "$THUMB$" in table and "Thumb" in table
    assert "other" not in table and 42 not in table
    assert sorted(table) == ["View", "thumb"]  # the spelling as defined, without '$'
    assert len(table) == 2
    with pytest.raises(KeyError):
        table["other"]


def test_tables_compare_and_hash_by_content_ignoring_case():
    one = MacroTable({"View": "wid=100"})
    assert one == MacroTable({"$view$": "wid=100"})
    assert hash(one) == hash(MacroTable({"$view$": "wid=100"}))
    assert one != MacroTable({"view": "wid=101"})


def test_merged_tables_let_the_other_side_win():
    base = MacroTable({"view": "wid=100", "thumb": "wid=50"})
    merged = base.merged({"$VIEW$": "wid=200"})
    assert merged["view"] == "wid=200" and merged["thumb"] == "wid=50"
    assert base["view"] == "wid=100"  # immutable


def test_parse_accepts_plain_mappings_and_tables_alike():
    text, definitions = "$view$&qlt=80", {"view": "wid=1"}
    assert parse(text, macros=definitions) == parse(text, macros=MacroTable(definitions))


# --- Scene7 macro files -------------------------------------------------------------------


def _table(data: bytes) -> dict[str, str]:
    return dict(parse_macro_file(data))


@pytest.mark.parametrize("newline", [b"\n", b"\r", b"\r\n"], ids=["LF", "CR", "CRLF"])
def test_records_end_with_cr_lf_or_crlf(newline):
    data = newline.join([b"Name\tDefinition", b"view\twid=100&hei=100", b"thumb\twid=50", b""])
    assert _table(data) == {"view": "wid=100&hei=100", "thumb": "wid=50"}


def test_extra_and_dot_columns_are_ignored_and_columns_found_by_header():
    data = (
        b".note\tDefinition\tOwner\tname\n"
        b"ignored\twid=100\tmarketing\tview\n"
        b"\n"  # blank lines are no records
        b"x\twid=50\t\tthumb\n"
    )
    assert _table(data) == {"view": "wid=100", "thumb": "wid=50"}


def test_fields_may_be_double_quoted():
    data = b'Name\tDefinition\n"view"\t"text=say ""hi""&wid=1"\n"tab"\t"a\tb"\n'
    assert _table(data) == {"view": 'text=say "hi"&wid=1', "tab": "a\tb"}


def test_later_duplicates_win_whatever_their_case():
    data = b"Name\tDefinition\nView\twid=1\nthumb\twid=9\nview\twid=2\nView\twid=3\n"
    table = parse_macro_file(data)
    assert table["view"] == "wid=3"
    assert len(table) == 2
    assert resolve("$view$", macros=table) == "wid=3"
    assert _table(b"Name\tDefinition\nv\twid=1\n$V$\twid=2\n") == {"V": "wid=2"}


def test_utf8_with_bom_else_iso_8859_1():
    utf8 = b"\xef\xbb\xbfName\tDefinition\ncaf\xc3\xa9\ttext=\xc3\xa9\n"
    assert _table(utf8) == {"café": "text=é"}
    latin1 = b"Name\tDefinition\ncaf\xe9\ttext=\xe9\n"
    assert _table(latin1) == {"café": "text=é"}
    # Without a BOM, UTF-8 bytes are read as ISO-8859-1 characters.
    assert _table(b"Name\tDefinition\nv\ttext=\xc3\xa9\n") == {"v": "text=Ã©"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"\n\n", "empty"),
        (b"view\twid=100\n", "Name and Definition"),  # no header row
        (b"Name\tValue\nview\twid=100\n", "Name and Definition"),
        (b"Name\tDefinition\nview\n", "field"),
        (b"Name\tDefinition\n\twid=1\n", "empty macro name"),
    ],
)
def test_malformed_files(data, message):
    with pytest.raises(MacroError, match=message):
        parse_macro_file(data)


def test_load_macros_reads_a_file(tmp_path):
    path = tmp_path / "presets.mac"
    path.write_bytes(b"Name\tDefinition\r\nLarge\twid=1200&qlt=90\r\n")
    table = load_macros(path)
    assert resolve("$large$", macros=table) == "wid=1200&qlt=90"
    assert load_macros(str(path)) == table


def test_load_macros_reports_a_missing_file(tmp_path):
    with pytest.raises(MacroError, match="cannot read macro file"):
        load_macros(tmp_path / "missing.mac")
