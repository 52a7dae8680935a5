"""The operation tree: precedence, pipeline order, printing and canonical serialisation."""

from __future__ import annotations

import pytest

from engine import Plan, Stage, parse, resolve
from engine.plan import COMP

# --- order and precedence -------------------------------------------------------------------


def test_pipeline_order_whatever_the_written_order():
    plan = parse(
        "fmt=png&op_sharpen=1&rect=0,0,10,10&wid=100&op_blur=1"
        "&extend=1,1,1,1&rotate=90&flip=lr&size=10,10&crop=0,0,5,5"
    )
    assert [node.command for node in plan] == [
        "crop", "size", "rotate", "extend",  # layer 0 (the source of layer=comp)
        "flip", "op_blur", "wid", "rect", "op_sharpen", "fmt",  # the composite, view, output
    ]  # fmt: skip
    # r-flip.md: under layer=comp, flip= is the composite's, after layer 0's extend=.
    assert [node.layer for node in plan][3:5] == [0, "comp"]
    stages = [node.stage for node in plan]
    assert stages[:4] == sorted(stages[:4]) and stages[4:] == sorted(stages[4:])
    assert stages[-1] is Stage.OUTPUT


def test_numbered_layers_run_before_the_composite():
    plan = parse("op_blur=1&layer=2&op_invert=1&layer=1&src=x&layer=0&op_grow=2")
    assert [(node.layer, node.command) for node in plan] == [
        (0, "op_grow"),
        (1, "src"),
        (2, "op_invert"),
        (COMP, "op_blur"),
    ]
    assert plan.layers == (0, 1, 2, COMP)


def test_commands_of_one_stage_follow_the_reference_order():
    assert [node.command for node in parse("hei=1&wid=2&scl=3")] == ["wid", "hei", "scl"]


def test_last_occurrence_wins_and_global_commands_occur_once():
    plan = parse("wid=1&layer=1&wid=2&qlt=5&layer=comp&qlt=6&layer=2&wid=3")
    assert [(node.command, node.args) for node in plan] == [("wid", (3,)), ("qlt", (6,))]


# --- lookups --------------------------------------------------------------------------------


def test_get_and_arg():
    plan = parse("wid=100&qlt=80&crop=1,2,3,4&layer=1&opac=50&layer=comp&op_blur=2")
    assert plan.get("wid").args == (100,)
    assert plan.get("crop").layer == 0  # layer commands default to layer 0 ...
    assert plan.get("op_blur").layer == COMP  # ... then the composite
    assert plan.get("opac") is None and plan.get("opac", 1).args == (50,)
    assert plan.arg("qlt", "quality") == 80
    assert plan.arg("qlt", "chroma") is False  # documented default of an omitted argument
    assert plan.arg("hei", "height", 7) == 7  # absent command
    assert plan.get("crop").arg("h") == 4
    with pytest.raises(KeyError):
        plan.get("wid").arg("height")


def test_plans_compare_by_content():
    assert parse("wid=100&fmt=tiff") == parse("fmt=TIF&WID=100")
    assert parse("wid=100") != parse("wid=101")
    assert parse("wid=100", object_name="a") != parse("wid=100", object_name="b")
    assert isinstance(parse(""), Plan) and len(parse("")) == 0


# --- printing -------------------------------------------------------------------------------


def test_plans_print_as_an_indented_tree():
    plan = parse(
        "wid=480&fmt=png&layer=1&src=logo.png&op_blur=2&layer=comp&op_usm=1", object_name="shoe"
    )
    lines = str(plan).splitlines()
    assert lines[0] == "Plan for 'shoe'"
    node_lines = [line for line in lines[1:] if line.startswith("    ")]
    assert len(node_lines) == len(plan)
    for line, node in zip(node_lines, plan, strict=True):
        assert line.split() == [node.stage.name.lower(), node.to_modifier()]
    headers = [line.strip() for line in lines[1:] if not line.startswith("    ")]
    assert headers == ["layer 1", "view", "layer comp", "request"]
    assert str(parse("")) == "Plan"


# --- canonical serialisation ----------------------------------------------------------------

EQUIVALENT = [
    ("?WID=100&Fmt=TIFF&.note", "fmt=tif&wid=100"),
    ("qlt=80,0&fit=CROP,on", "fit=crop,true&qlt=80,false"),
    ("bgc=255,0,0", "bgc=0xff0000"),
    ("rect=0%2C0%2C10%2C20", "rect=0,0,10,20"),
    ("layer=1,logo&src=a&layer=logo&opac=5", "layer=1&opac=5&src=a"),
    ("crop=0,0,1,1&layer=0&crop=0,0,2,2", "crop=0,0,2,2"),
    ("$w=5&wid=$w$", "wid=5"),
    ("text=a+b%26c", "text=a%20b%26c"),
]


@pytest.mark.parametrize(("one", "other"), EQUIVALENT)
def test_equivalent_requests_resolve_to_one_string(one, other):
    assert resolve(one) == resolve(other)
    assert parse(resolve(one)) == parse(one)


@pytest.mark.parametrize(
    "modifiers",
    [one for one, _ in EQUIVALENT]
    + [
        "layer=2&src=b&op_blur=1&layer=1&text=x&layer=0&op_invert=1&layer=comp&op_sharpen=1",
        "fmt=tif,,jpeg&quantize=web,off,16,000000,ffffff&icc=CMYK,relative,1",
        "op_colorize=ff0000,,50&bgc=0x70g&color=22,23,24,25,26KS",
        "src=is(wid=10)&text={\\rtf1 Hi}&id=,1&req=props,,json",
        "cache&defaultImage=&bfc=on",
    ],
)
def test_resolve_is_canonical_and_idempotent(modifiers):
    once = resolve(modifiers)
    assert resolve(once) == once
    assert parse(once) == parse(modifiers)


def test_serialisation_puts_the_composite_first_then_each_layer():
    text = resolve("layer=2&src=b&layer=1&src=a&op_blur=1&layer=0&op_invert=1&layer=comp&wid=5")
    segments = text.split("&layer=")
    assert "layer=" not in segments[0]  # global commands and layer 0's source first
    assert [segment.split("&")[0] for segment in segments[1:]] == ["0", "1", "2"]
    assert resolve("") == ""


@pytest.mark.parametrize(
    "modifiers",
    [
        "$a=$object$&text=$a$",  # no recursive substitution: the text is "$object$"
        "$v=my$OBJECT$file.tif&src=$v$",
    ],
)
def test_resolved_text_is_final_even_with_an_object_name(modifiers):
    once = resolve(modifiers, object_name="shoe")
    assert "$object$" in parse(once).nodes[0].args[0].lower()
    assert resolve(once, object_name="shoe") == once
    assert parse(once, object_name="shoe").nodes == parse(modifiers, object_name="shoe").nodes
