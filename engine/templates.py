"""Compositing templates (``template=``, Adobe's ``c-templates.md`` and ``r-template.md``).

A :class:`Template` is what Adobe's ``createTemplate`` stores: a body (``catalog::Modifier``:
layers with ``$var$`` parameters and the request's object as ``$object$``) and a
post-modifier. With ``template=name`` the request becomes the body, then the request's own
modifiers, then the post-modifier; the request's object is not layer 0 but only what
``$object$`` names. The request's variable definitions come first and replace the body's
defaults of the same name (Example A: ``?template=myTemplate1&$text=about+the+image``
overrides the template's ``$text=...``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from engine.macros import parse_data_file, read_data_file
from engine.parser import variable_key
from engine.syntax import Item, split_modifiers


@dataclass(frozen=True)
class Template:
    modifier: str
    post_modifier: str = ""


def load_templates(path: str | os.PathLike[str]) -> dict[str, Template]:
    """Templates from a catalog data file (``r-catalog-data-files.md``): tab-delimited, a
    header row with ``Id`` and ``Modifier`` (``catalog::Id``, ``catalog::Modifier``) and
    optionally ``PostModifier``; other columns are ignored and a later record of the same Id
    (case-insensitive) wins. Errors are :class:`~engine.errors.MacroError` naming the line."""
    source = f"template file {os.fspath(path)}"
    records = parse_data_file(
        read_data_file(path, "template file"),
        ("id", "modifier"),
        optional=("postmodifier",),
        source=source,
        key="template Id",
    )
    latest = {name.lower(): (name, Template(body, post)) for _line, (name, body, post) in records}
    return dict(latest.values())


def templated_request(request: str, template: Template) -> str:
    """The request that ``template=`` makes of ``request`` (its ``template=`` dropped)."""
    items = split_modifiers(request)
    definitions = [item for item in items if item.kind == "vardef"]
    defined = {variable_key(item.name) for item in definitions}
    body = [
        item
        for item in split_modifiers(template.modifier)
        if item.kind != "vardef" or variable_key(item.name) not in defined
    ]
    rest = [item for item in items if item.kind != "vardef" and not _is_template(item)]
    post = split_modifiers(template.post_modifier) if template.post_modifier else []
    return "&".join(_text(item) for item in (*definitions, *body, *rest, *post))


def _is_template(item: Item) -> bool:
    return item.kind == "command" and item.name.lower() == "template"


def _text(item: Item) -> str:
    if item.kind == "vardef":
        return f"${item.name}={item.value or ''}"
    if item.kind == "macro":
        return f"${item.name}$"
    if item.kind == "comment":
        return f".{item.name}"
    return item.name if item.value is None else f"{item.name}={item.value}"
