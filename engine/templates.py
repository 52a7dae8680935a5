"""Compositing templates (``template=``, Adobe's ``c-templates.md`` and ``r-template.md``).

A :class:`Template` is what Adobe's ``createTemplate`` stores: a body (``catalog::Modifier``:
layers with ``$var$`` parameters and the request's object as ``$object$``) and a
post-modifier. With ``template=name`` the request becomes the body, then the request's own
modifiers, then the post-modifier; the request's object is not layer 0 but only what
``$object$`` names. The request's variable definitions come first and replace the body's
defaults of the same name (Example A: ``?template=myTemplate1&$text=about+the+image``
overrides the template's ``$text=...``). The request's macros are expanded first, so a
``template=`` that a preset carries is found and dropped like one written in the request.

``c-templates.md``: ``template=`` belongs to the request; in a template's own body or
post-modifier it is a :class:`~engine.errors.ParseError`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from engine.errors import ParseError
from engine.macros import MacroTable, expand, parse_data_file, read_data_file
from engine.parser import DEFAULT_MACROS, variable_key
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


def templated_request(
    request: str,
    template: Template,
    macros: Mapping[str, str] | MacroTable | None = None,
    *,
    name: str = "",
) -> str:
    """The request that ``template=`` makes of ``request`` (its ``template=`` dropped);
    ``macros`` are the request's presets, ``name`` the template's for error messages."""
    items = _expanded(request, macros)
    definitions = [item for item in items if item.kind == "vardef"]
    defined = {variable_key(item.name) for item in definitions}
    label = f"template {name or '(unnamed)'!r}"
    refuse_template_command(template.modifier, f"the body of {label}", macros)
    refuse_template_command(template.post_modifier, f"the post-modifier of {label}", macros)
    body = [
        item
        for item in split_modifiers(template.modifier)
        if item.kind != "vardef" or variable_key(item.name) not in defined
    ]
    rest = [item for item in items if item.kind != "vardef" and not is_template_command(item)]
    post = split_modifiers(template.post_modifier) if template.post_modifier else []
    return "&".join(_text(item) for item in (*definitions, *body, *rest, *post))


def is_template_command(item: Item) -> bool:
    """Whether ``item`` is a ``template=`` command."""
    return item.kind == "command" and item.name.lower() == "template"


def refuse_template_command(
    text: str, where: str, macros: Mapping[str, str] | MacroTable | None = None
) -> None:
    """A :class:`ParseError` if ``text`` (modifiers, with the presets ``macros`` expanded)
    has ``template=``: ``c-templates.md`` allows it only in the request (and a nested
    request's modifier), never in a ``catalog::PostModifier`` or a template."""
    for item in _expanded(text, macros) if text else ():
        if is_template_command(item):
            raise ParseError(
                f"template= is not allowed in {where}",
                command=item.name,
                text=item.value,
                offset=item.offset,
                macro=item.macro,
                expected="template= in the request (c-templates.md)",
            )


def _expanded(text: str, macros: Mapping[str, str] | MacroTable | None) -> list[Item]:
    table = DEFAULT_MACROS.merged(MacroTable.from_mapping(macros)) if macros else DEFAULT_MACROS
    return expand(split_modifiers(text), table)


def _text(item: Item) -> str:
    if item.kind == "vardef":
        return f"${item.name}={item.value or ''}"
    if item.kind == "macro":
        return f"${item.name}$"
    if item.kind == "comment":
        return f".{item.name}"
    return item.name if item.value is None else f"{item.name}={item.value}"
