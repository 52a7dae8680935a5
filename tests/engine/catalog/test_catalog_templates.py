"""Compositing templates (IPS createTemplate): stored per company, used by template=."""

from __future__ import annotations

import pytest
from kits.catalog import member

from engine.errors import ApiFault, AuthorizationFault, CatalogError, MacroError
from engine.samples import photo_bytes
from engine.templates import Template, load_templates

BODY = "$w=20&layer=0&color=0,0,255&size=100,50&layer=1&src=$object$&size=$w$,0"


def test_create_list_replace_and_delete(session):
    session.create_template("Frame", BODY, post_modifier="fmt=png")
    assert session.list_templates() == {"Frame": Template(BODY, "fmt=png")}
    session.create_template("FRAME", "layer=0&color=ff0000&size=10,10")  # case-insensitive
    assert session.list_templates() == {"FRAME": Template("layer=0&color=ff0000&size=10,10", "")}
    session.delete_template("frame")
    assert session.list_templates() == {}
    with pytest.raises(CatalogError, match="no template named 'frame'"):
        session.delete_template("frame")


@pytest.mark.parametrize(
    ("modifier", "post", "message"),
    [
        ("wid=1&=2", "", "modifier of template 'bad' .* missing command name.*at offset 6"),
        ("layer=1&src=is(a?$m$", "", "never closed.*at offset 14"),
        ("layer=1&size=huge", "", "command 'size'.*at offset 8"),
        ("layer=1&$nosuch$", "", "undefined macro \\$nosuch\\$"),
        ("layer=1&src=$object$", "qlt=200", "postModifier of template 'bad'.*command 'qlt'"),
    ],
)
def test_a_template_that_cannot_parse_is_refused_with_the_offset(session, modifier, post, message):
    with pytest.raises(ApiFault, match=message) as info:
        session.create_template("bad", modifier, post)
    assert info.value.code == ApiFault.INVALID_PARAMETER
    assert session.list_templates() == {}


def test_a_parameter_without_a_default_is_the_requests_to_define(session):
    """c-templates.md only recommends defaults for every variable; a typed argument that is
    still a $var$ reference is not refused (nor checked further); a bad argument before it is."""
    session.create_template("Sized", "layer=0&src=$object$&size=$w$,$h$", "qlt=$q$")
    stored = Template("layer=0&src=$object$&size=$w$,$h$", "qlt=$q$")
    assert session.get_template("sized") == ("Sized", stored)
    with pytest.raises(ApiFault, match="command 'size'"):
        session.create_template("Bad", "layer=0&size=huge,$w$")


def test_templates_import_from_a_catalog_data_file(session, tmp_path):
    """r-catalog-data-files.md: tab-delimited, a header row, '.' columns ignored, later
    records win; the template's fields are catalog::Id, Modifier and PostModifier."""
    data = tmp_path / "templates.txt"
    data.write_text(
        ".Note\tId\tModifier\tPostModifier\n"
        "x\tframe\tlayer=0&color=ff0000&size=10,10\t\n"
        "x\tbanner\t$w=20&layer=1&src=$object$&size=$w$,0\tfmt=png\n"
        "x\tFrame\tlayer=0&color=00ff00&size=10,10\n"  # no PostModifier field at all
    )
    assert session.import_templates(data) == 2
    assert session.list_templates() == {
        "banner": Template("$w=20&layer=1&src=$object$&size=$w$,0", "fmt=png"),
        "Frame": Template("layer=0&color=00ff00&size=10,10", ""),
    }
    data.write_text("Id\tModifier\nok\twid=1\nbroken\twid=1&=2\n")
    with pytest.raises(ApiFault, match="template 'broken'"):
        session.import_templates(data)
    assert "ok" not in session.list_templates()  # all or none


def test_a_template_file_saved_as_excel_unicode_text_imports(session, tmp_path):
    """UTF-16 with a byte-order mark (Excel's "Unicode Text") is read as such."""
    data = tmp_path / "templates.txt"
    data.write_bytes("Id\tModifier\r\nÉté\tlayer=0&color=ff0000&size=10,10\r\n".encode("utf-16"))
    assert session.import_templates(data) == 1
    assert session.list_templates() == {"Été": Template("layer=0&color=ff0000&size=10,10")}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Name\tDefinition\nframe\twid=1\n", "line 1: header"),
        ("Id\tModifier\n\twid=1\n", "line 2: empty template Id"),
        ("", "is empty; expected a Id<TAB>Modifier header"),
    ],
)
def test_a_malformed_template_file_names_the_line(tmp_path, text, message):
    data = tmp_path / "t.txt"
    data.write_text(text)
    with pytest.raises(MacroError, match=f"template file {data}.*{message}"):
        load_templates(data)


def test_templates_belong_to_one_company(catalog, session):
    session.create_template("Frame", BODY)
    catalog.create_company("Other")
    other = member(catalog, "Other", "olga@other.test")
    assert other.list_templates() == {}


def test_who_may_create_templates(catalog, session):
    viewer = member(catalog, "Acme", "vic@acme.test", "ImagePortalUser")
    with pytest.raises(AuthorizationFault):
        viewer.create_template("Frame", BODY)


@pytest.mark.parametrize("where", ["modifier", "post_modifier", "preset"])
def test_template_command_is_refused_outside_requests(session, where):
    """c-templates.md: template= must not occur in catalog::PostModifier (nor, outside nested
    requests, in catalog::Modifier), and a template is no request either."""
    session.create_template("Frame", "size=10,10&color=ff0000")
    session.set_preset("framed", "template=frame")  # a preset is the request's: allowed
    text = "$framed$" if where == "preset" else "template=frame"
    photo = session.upload(photo_bytes(20, 20), name="p.jpg")
    modifier, post = (text, "") if where == "modifier" else ("wid=5", text)
    with pytest.raises(ApiFault, match="template= is not allowed"):
        session.set_url_modifier(photo.handle, modifier, post)
    with pytest.raises(ApiFault, match="template= is not allowed"):
        session.create_template("Nested", modifier, post)
    assert list(session.list_templates()) == ["Frame"]
