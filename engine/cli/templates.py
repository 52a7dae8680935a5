"""``isrender template set|list|show|delete|import``: the company's compositing templates.

A template is what IPS ``createTemplate`` stores (Adobe's ``r-create-template.md``): a name, a
body (``urlModifier``, IS's ``catalog::Modifier``) and a post-modifier
(``urlPostApplyModifier``); a request uses it with ``template=NAME`` (``engine.templates``).
Sign-in and roles are those of the preset commands (``engine.cli.catalog``): any member may
list and show; IpsAdmin, IpsCompanyAdmin, IpsUser and ImagePortalAdmin may change them.
"""

from __future__ import annotations

import argparse
from typing import Any

from engine.cli.catalog import (
    add_auth_options,
    add_delete_command,
    add_group,
    add_import_command,
    add_listing_options,
    signed_in,
)
from engine.cli.output import print_json
from engine.parser import variable_key
from engine.syntax import split_modifiers
from engine.templates import Template


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    template = add_group(subparsers, "template", "manage compositing templates (template=)")
    put = template.add_parser(
        "set",
        help="create or replace a template; it must parse with the company's presets "
        "(a $var$ parameter without a default is the request's to define)",
    )
    put.add_argument("name", metavar="NAME")
    put.add_argument(
        "modifier", metavar="MODIFIER", help="the body: layers, $var= defaults, $object$"
    )
    put.add_argument(
        "--post-modifier",
        default="",
        metavar="MODIFIERS",
        help="applied after the request's modifiers, overriding them",
    )
    add_auth_options(put)
    put.set_defaults(handler=_set)
    listing = template.add_parser("list", help="list the company's templates")
    add_listing_options(listing)
    listing.set_defaults(handler=_list)
    show = template.add_parser("show", help="show a template and its parameters")
    show.add_argument("name", metavar="NAME")
    add_listing_options(show)
    show.set_defaults(handler=_show)
    add_delete_command(template, "template", "delete_template")
    add_import_command(
        template,
        "add or replace templates from a tab-delimited catalog data file with the columns "
        "Id, Modifier and (optional) PostModifier; all or none",
        "import_templates",
        "template(s)",
    )


def parameters(template: Template) -> dict[str, str | None]:
    """The variables a template's values reference (``$name$``, ``$object$`` excepted), each
    with the default the body defines, or ``None`` when a request has to define it."""
    defaults: dict[str, str] = {}
    referenced: dict[str, None] = {}
    for text in (template.modifier, template.post_modifier):
        for item in split_modifiers(text):
            if item.kind == "vardef":
                defaults.setdefault(variable_key(item.name), item.value or "")
            elif item.kind == "command" and item.value:
                for name in item.value.split("$")[1::2]:
                    if name and "=" not in name and variable_key(name) != "object":
                        referenced.setdefault(variable_key(name), None)
    return {name: defaults.get(name) for name in referenced}


def _json(name: str, template: Template) -> dict[str, Any]:
    return {
        "name": name,
        "urlModifier": template.modifier,
        "urlPostApplyModifier": template.post_modifier,
        "parameters": parameters(template),
    }


def _set(args: argparse.Namespace) -> int:
    with signed_in(args) as session:
        session.create_template(args.name, args.modifier, args.post_modifier)
    return 0


def _list(args: argparse.Namespace) -> int:
    with signed_in(args) as session:
        templates = session.list_templates()
    if args.json:
        print_json([_json(name, template) for name, template in templates.items()])
        return 0
    for name, template in templates.items():
        post = f"\t{template.post_modifier}" if template.post_modifier else ""
        print(f"{name}\t{template.modifier}{post}")
    return 0


def _show(args: argparse.Namespace) -> int:
    with signed_in(args) as session:
        name, template = session.get_template(args.name)
    data = _json(name, template)
    if args.json:
        print_json(data)
        return 0
    print(f"name:          {name}")
    print(f"modifier:      {template.modifier}")
    print(f"post-modifier: {template.post_modifier}")
    for variable, default in data["parameters"].items():
        shown = "(none: requests must define it)" if default is None else f"default {default!r}"
        print(f"parameter:     ${variable}$ {shown}")
    return 0
