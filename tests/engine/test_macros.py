"""Command macros (§2.2): tables, in-place expansion, nesting limits and Scene7 macro files."""

from __future__ import annotations

import pytest

from engine import MacroError, MacroTable, ParseError, load_macros, parse, resolve
from engine.macros import MAX_DEPTH, MAX_ITEMS, parse_macro_file

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


def test_a_field_longer_than_the_csv_limit_is_an_error_naming_the_file_and_line():
    huge = b"wid=1&text=" + b"a" * (200 * 1024)  # over the csv module's 128 KiB field limit
    data = b"Name\tDefinition\nsmall\twid=1\n\nhuge\t" + huge + b"\nafter\twid=2\n"
    with pytest.raises(MacroError, match=r"macro file big\.mac, line 4: a field is longer than"):
        parse_macro_file(data, source="big.mac")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_utf16_with_a_bom_as_excel_saves_unicode_text(encoding):
    """Excel's "Unicode Text" export, how catalog data files are often made, is UTF-16 with
    a byte-order mark: it was read as ISO-8859-1 and refused for its header."""
    data = "Name\tDefinition\r\ncafé\ttext=é\r\n".encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    assert _table(data) == {"café": "text=é"}
    with pytest.raises(MacroError, match=r"t\.mac, line 3: byte 0x78 is not UTF-16"):
        parse_macro_file(data + b"x", source="t.mac")  # an odd byte at the end


def test_a_bom_then_bytes_that_are_not_utf8_is_an_error_naming_the_file_and_line():
    data = b"\xef\xbb\xbfName\tDefinition\r\nok\twid=1\r\nbad\ttext=caf\xe9\r\n"
    with pytest.raises(MacroError, match=r"macro file bom\.mac, line 3: byte 0xe9 is not UTF-8"):
        parse_macro_file(data, source="bom.mac")


def test_errors_name_the_line_even_after_blank_lines_and_multi_line_fields():
    data = b'Name\tDefinition\n\n"two\nlines"\twid=1\n\n\twid=2\n'
    with pytest.raises(MacroError, match="line 6: empty macro name"):
        parse_macro_file(data)


def test_load_macros_reads_a_file(tmp_path):
    path = tmp_path / "presets.mac"
    path.write_bytes(b"Name\tDefinition\r\nLarge\twid=1200&qlt=90\r\n")
    table = load_macros(path)
    assert resolve("$large$", macros=table) == "wid=1200&qlt=90"
    assert load_macros(str(path)) == table


def test_load_macros_refuses_a_file_over_the_size_limit(tmp_path, monkeypatch):
    path = tmp_path / "huge.mac"
    path.write_bytes(b"Name\tDefinition\n" + b"v\twid=1\n" * 1000)
    assert len(load_macros(path)) == 1
    monkeypatch.setattr("engine.macros.MAX_FILE_BYTES", path.stat().st_size - 1)
    with pytest.raises(MacroError, match=r"huge\.mac is larger than"):
        load_macros(path)


def test_load_macros_reports_a_missing_file(tmp_path):
    with pytest.raises(MacroError, match="cannot read macro file"):
        load_macros(tmp_path / "missing.mac")


# --- expansion ----------------------------------------------------------------------------

VIEW = {"view": "wid=200&hei=300&qlt=70"}


def test_a_command_after_the_macro_overrides_it():
    # §1.6 rule 5: "?$view$&wid=480" works ...
    plan = parse("$view$&wid=480", macros=VIEW)
    assert plan.arg("wid", "width") == 480
    assert plan.arg("hei", "height") == 300


def test_a_command_before_the_macro_is_overridden_by_it():
    # ... and "wid=480&$view$" has no effect.
    assert parse("wid=480&$view$", macros=VIEW).arg("wid", "width") == 200


def test_expansion_is_textual_and_in_place():
    macros = {"a": "qlt=10&.note&$v=5", "b": "wid=$v$"}
    assert resolve("qlt=90&$a$&$b$", macros=macros) == "wid=5&qlt=10"
    assert resolve("$a$&qlt=90&$b$", macros=macros) == "wid=5&qlt=90"


def test_macros_pass_values_through_variables():
    macros = {"product": "wid=$w$&hei=$w$"}
    assert resolve("$w=300&$product$", macros=macros) == "wid=300&hei=300"
    assert resolve("$W=300&$PRODUCT$", macros=macros) == "wid=300&hei=300"


def test_macro_names_are_case_insensitive():
    assert resolve("$VIEW$", macros=VIEW) == resolve("$View$", macros=VIEW)


def test_nested_macros_expand_in_place():
    macros = {"outer": "wid=1&$inner$&qlt=20", "inner": "qlt=10&hei=2&$leaf$", "leaf": "fmt=png"}
    assert resolve("$outer$", macros=macros) == "wid=1&hei=2&fmt=png&qlt=20"


def test_an_empty_definition_expands_to_nothing():
    assert resolve("wid=1&$nothing$&hei=2", macros={"nothing": ""}) == "wid=1&hei=2"


@pytest.mark.parametrize(
    ("macros", "chain"),
    [
        ({"a": "wid=1&$a$"}, "$a$ → $a$"),
        ({"a": "$b$", "b": "wid=1&$C$", "c": "$A$"}, "$a$ → $b$ → $c$ → $a$"),
    ],
)
def test_cycles_are_errors(macros, chain):
    with pytest.raises(MacroError, match="cycle") as info:
        parse("$a$", macros=macros)
    assert chain in str(info.value)


def _chain(levels: int) -> dict[str, str]:
    """$m1$ invokes $m2$ ... invokes $m<levels>$, which is "wid=1"."""
    macros = {f"m{i}": f"$m{i + 1}$" for i in range(1, levels)}
    macros[f"m{levels}"] = "wid=1"
    return macros


def test_nesting_deeper_than_the_limit_is_an_error():
    assert resolve("$m1$", macros=_chain(MAX_DEPTH)) == "wid=1"
    with pytest.raises(MacroError, match=f"more than {MAX_DEPTH} deep"):
        parse("$m1$", macros=_chain(MAX_DEPTH + 1))


def test_expansion_size_is_bounded():
    half = MAX_ITEMS // 2 + 1
    with pytest.raises(MacroError, match=f"more than {MAX_ITEMS}"):
        parse("$a$&$a$", macros={"a": "&".join(["qlt=1"] * half)})
    assert resolve("$a$", macros={"a": "&".join(["qlt=1"] * half)}) == "qlt=1"


def test_wide_trees_of_empty_macros_are_bounded_too():
    # 50**4 leaves that expand to nothing: no modifier is ever produced, yet the walk must stop.
    macros = {"a": "$b$", "b": "$c$", "c": "$d$", "d": "$e$"}
    macros = {name: "&".join([child] * 50) for name, child in macros.items()} | {"e": ""}
    with pytest.raises(MacroError, match="steps"):
        parse("$a$", macros=macros)


def test_requests_longer_than_the_budget_need_no_macro():
    text = "&".join(["qlt=1"] * (MAX_ITEMS + 10)) + "&$m$"
    assert resolve(text, macros={"m": "wid=1"}) == "wid=1&qlt=1"


def test_undefined_macro_is_an_error_naming_it():
    with pytest.raises(MacroError, match=r"undefined macro \$Missing\$") as info:
        parse("wid=1&$Missing$", macros=VIEW)
    assert info.value.text == "$Missing$"
    assert info.value.offset == 6
    with pytest.raises(MacroError, match=r"undefined macro \$view\$"):
        parse("$view$")  # only the default catalog's $shadow$ and $glow$ are defined


def test_undefined_macro_inside_a_macro_names_both():
    with pytest.raises(MacroError) as info:
        parse("$outer$", macros={"outer": "wid=1&$inner$"})
    assert info.value.text == "$inner$"
    assert info.value.macro == "outer"
    assert info.value.offset == 6  # in the definition of $outer$
    assert "of macro $outer$" in str(info.value)


def test_definitions_are_parsed_once_per_table():
    table = MacroTable({"View": "wid=1&qlt=2"})
    assert table.parsed("$view$") is table.parsed("VIEW")
    assert [item.macro for item in table.parsed("view")] == ["View", "View"]
    with pytest.raises(KeyError):
        table.parsed("other")
    with pytest.raises(ParseError) as info:
        parse("$VIEW$", macros=MacroTable({"View": "qlt=1&=2"}))
    assert info.value.macro == "View"  # as the table spells it
