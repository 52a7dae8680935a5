"""Compositing templates (IPS createTemplate): stored per company, used by template=."""

from __future__ import annotations

import pytest
from kits.catalog import member

from engine.errors import AuthorizationFault, CatalogError, ParseError
from engine.templates import Template

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


def test_a_malformed_template_is_refused(session):
    with pytest.raises(ParseError):
        session.create_template("bad", "wid=1&=2")


def test_templates_belong_to_one_company(catalog, session):
    session.create_template("Frame", BODY)
    catalog.create_company("Other")
    other = member(catalog, "Other", "olga@other.test")
    assert other.list_templates() == {}


def test_who_may_create_templates(catalog, session):
    viewer = member(catalog, "Acme", "vic@acme.test", "ImagePortalUser")
    with pytest.raises(AuthorizationFault):
        viewer.create_template("Frame", BODY)
