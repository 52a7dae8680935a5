"""``engine.parse``: variables, decoding, layers, typed values and error reports."""

from __future__ import annotations

import pytest

from engine import ParseError, parse, resolve
from engine.commands import IS_COMMANDS
from engine.parser import MAX_REQUEST_LENGTH
from engine.signatures import Text

# --- every documented command: a valid value and an invalid one ----------------------------

#: The command list of the IS command reference (§3), normalized variants included, and the
#: variants r-clippath.md and r-clipxpath.md define (clipPathE, clipXPathE).
DOCUMENTED_COMMANDS = """
    align anchor bfc bgc bgColor blendMode cache clipPath clipXPath color crop cropPathE
    clipPathE clipXPathE
    defaultImage dpr effect effectMask extend fit flip fmt hei hide icc iccEmbed id imageSet
    jpegSize layer locale map mask maskUse network op_blur op_brightness op_colorbalance
    op_colorize op_contrast op_grow op_growMask op_growMaskR op_hue op_invert op_noise
    op_saturation op_sharpen op_usm op_usmR opac origin pathAttr pathEmbed perspective pos
    printRes pscan qlt quantize rect req res resMode rgn rotate scale scl size src template
    text textAngle textAttr textFlowPath textFlowXPath textPath textPs type wid xmpEmbed
    cropN anchorN extendN posN originN sizeN perspectiveN mapA
    handler
""".split()  # noqa: SIM905 - the reference's list as printed, plus req=...,json's &handler=

#: command → (a valid value, an invalid value); None where any text is valid.
EXAMPLES: dict[str, tuple[str, str | None]] = {
    "wid": ("480", "0"),
    "hei": ("300", "-5"),
    "scl": ("2.5", "0"),
    "fit": ("crop,1", "squash"),
    "align": ("-1,1", "0,1.5"),
    "bgc": ("ff0000", "256,0,0"),
    "rgn": ("0,0,500,500", "0,0,0,500"),
    "rect": ("0,600,2000,600,0.5", "0,0,10"),
    "dpr": ("on,2", "on,0"),
    "fmt": ("webp-alpha,,lossless", "bmp"),
    "qlt": ("80,1", "101"),
    "quantize": ("adaptive,off,2,000000,ffffff", "adaptive,off,1"),
    "pscan": ("auto", "6"),
    "jpegSize": ("200", "-1"),
    "iccEmbed": ("1", "2"),
    "icc": ("CMYK,perceptual,1,0", "CMYK,vivid"),
    "printRes": ("300", "0"),
    "xmpEmbed": ("0", "yes"),
    "pathEmbed": ("true", "x"),
    "resMode": ("bisharp", "nearest"),
    "req": ("props,json", "render"),
    "cache": ("on,off", None),
    "defaultImage": ("none", None),
    "template": ("templates/card", ""),
    "locale": ("de_DE", "de,DE"),
    "id": ("12345", None),
    "imageSet": ("a;b,c", None),
    "handler": ("onProps", "a,b"),
    "bfc": ("on", "maybe"),
    "network": ("off", "2"),
    "crop": ("10,20,300,200", "10,20,300"),
    "cropN": ("0.1,0.1,0.8,0.8", "a,0,1,1"),
    "size": ("200,0", "-1,0"),
    "sizeN": ("0.5,0.5", "1.5,0.5"),
    "scale": ("0.5", "-0.5"),
    "res": ("72", "0"),
    "flip": ("lrud", "diag"),
    "rotate": ("-2.34e4", "ninety"),
    "extend": ("10,10,-5,0", "1.5,0,0,0"),
    "extendN": ("0.1,0,0.1,0", "0.1,0,0.1"),
    "layer": ("2,logo", "-1"),
    "src": ("is(wid=10)", ""),
    "mask": ("masks/shirt", ""),
    "maskUse": ("invert", "on"),
    "text": ("{\\rtf1 Hi, there}", ""),
    "textPs": ("{\\rtf1 Hi}", ""),
    "textAngle": ("12.5", "steep"),
    "textAttr": ("150,antiAlias", ""),
    "textFlowPath": ("M+0+0+L+10+10", None),  # empty: ignored (r-textflowpath.md)
    "textFlowXPath": ("M+0+0", None),
    "textPath": ("M+0+0+L+10+10", ""),
    "clipPath": ("M+0+0+L+10+10+Z", ""),
    "clipXPath": ("M+0+0", ""),
    "cropPathE": ("path1", ""),
    "clipPathE": ("path1,path2", ""),
    "clipXPathE": ("path1", ""),
    "pathAttr": ("fill,1", ""),
    "color": ("0,0,0,0", "blue"),
    "bgColor": ("ffffff80", "0,0,0,0,0"),
    "opac": ("50,80", "101"),
    "pos": ("10,-20", "10"),
    "posN": ("-0.5,0.5", "a,b"),
    "origin": ("10,-20", "1.5,2"),
    "originN": ("0,0", "0"),
    "anchor": ("0,0", "x,0"),
    "anchorN": ("-0.5,-0.5", "0,0,0"),
    "hide": ("1", "-1"),
    "blendMode": ("mult", "overlay"),
    "effect": ("-1", "0"),
    "effectMask": ("0", "2"),
    "map": ("<area shape=rect coords=0,0,10,10>", None),
    "mapA": ("<area>", None),
    "perspective": ("0,0,100,0,100,100,0,100", "0,0,100,0,100,100,0"),
    "perspectiveN": ("0,0,1,0,1,1,0,1,R2", "0,0,1,0,1,1,0,x"),
    "type": ("swatch", ""),
    "op_blur": ("2.5", "101"),
    "op_brightness": ("-50", "101"),
    "op_contrast": ("20", "-101"),
    "op_colorbalance": ("10,-10,0", "10,-10"),
    "op_colorize": ("255,0,0,norm,50", "50,75"),
    "op_hue": ("-180", "181"),
    "op_saturation": ("-100", "1.5"),
    "op_invert": ("1", "on,1"),
    "op_noise": ("10,gaussian,1", "10,pink"),
    "op_grow": ("5", "200"),
    "op_growMask": ("-5", "x"),
    "op_growMaskR": ("100", "-101"),
    "op_sharpen": ("1", "2"),
    "op_usm": ("1.2,0.9,8,0", "6"),
    "op_usmR": ("1,1,10,1", "1,300"),
}
SIGNATURES = pytest.mark.parametrize("sig", IS_COMMANDS, ids=lambda sig: sig.name)


def test_every_documented_command_has_a_signature_and_an_example():
    assert {sig.name for sig in IS_COMMANDS} == set(DOCUMENTED_COMMANDS)
    assert set(EXAMPLES) == {sig.name for sig in IS_COMMANDS}


def _nodes(modifiers: str, command: str):
    return [node for node in parse(modifiers) if node.command == command]


@SIGNATURES
def test_every_command_accepts_its_example(sig):
    valid, _ = EXAMPLES[sig.name]
    if sig.name == "layer":
        assert _nodes(f"layer={valid}&op_blur=1", "op_blur")[0].layer == 2
        return
    if sig.name == "effect":  # a segment, like layer=: its commands belong to the effect
        assert _nodes(f"layer=1&effect={valid}&op_blur=1", "op_blur")[0].layer == "1:-1"
        return
    (node,) = _nodes(f"{sig.name}={valid}", sig.name)
    assert node.signature is not None and node.args
    assert parse(resolve(f"{sig.name}={valid}")) == parse(f"{sig.name}={valid}")


@SIGNATURES
def test_every_command_rejects_a_bad_value(sig):
    _, invalid = EXAMPLES[sig.name]
    if invalid is None:  # free text: every value is valid
        assert all(isinstance(p.type, Text) and p.type.rest and not p.required for p in sig.params)
        assert _nodes(f"{sig.name}=a,,b%26c=1", sig.name)
        return
    with pytest.raises(ParseError) as info:
        parse(f"wid=1&{sig.name}={invalid}")
    assert info.value.command == sig.name
    assert info.value.offset == 6
    assert sig.name in str(info.value)


@pytest.mark.parametrize(
    "name", ["cache", "id", "bfc", "network", "locale", "defaultImage", "imageSet", "handler"]
)
def test_no_op_commands_are_accepted_and_kept(name):
    valid, _ = EXAMPLES[name]
    (node,) = _nodes(f"{name}={valid}&wid=10", name)
    assert node.signature.noop


# --- typed values ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("modifiers", "canonical"),
    [
        ("wid=0480", "wid=480"),
        ("wid=%2B480", "wid=480"),  # a literal '+' would decode as a space
        ("op_hue=-180", "op_hue=-180"),
        ("scl=1e1", "scl=10"),
        ("scl=.5", "scl=0.5"),
        ("scl=5.", "scl=5"),
        ("rotate=-2.34E4", "rotate=-23400"),
        ("iccEmbed=true", "iccEmbed=1"),
        ("iccEmbed=OFF", "iccEmbed=0"),
        ("iccEmbed=On", "iccEmbed=1"),
        ("iccEmbed=FALSE", "iccEmbed=0"),
        ("bfc=1", "bfc=on"),
        ("bfc=false", "bfc=off"),
        ("fmt=JPEG", "fmt=jpeg"),
        ("fit=Crop,TRUE", "fit=crop,1"),
        ("fmt=tiff", "fmt=tif"),
        ("fmt=TIFF-Alpha,,LZW", "fmt=tif-alpha,,lzw"),
        ("resMode=sharp", "resMode=sharp2"),
        ("req=MBRSET", "req=mbrSet"),
        ("fmt=jpeg,,", "fmt=jpeg"),
        ("qlt=80,", "qlt=80"),
    ],
)
def test_typed_values_and_their_canonical_text(modifiers, canonical):
    assert resolve(modifiers) == canonical


@pytest.mark.parametrize(
    ("modifiers", "argument", "expected"),
    [
        ("wid=1.5", 0, "an integer from 1 to 1000000000"),
        ("wid=", 0, "an integer from 1 to 1000000000 for 'width'"),
        ("wid=1e3", 0, "integer"),
        ("wid=+1", 0, "integer"),  # '+' is a space
        ("scl=1e", 0, "from 1e-09"),
        ("scl=inf", 0, "real"),
        ("scl=nan", 0, "real"),
        ("rotate=1e999", 0, "real"),
        ("rotate=0x10", 0, "real"),
        ("iccEmbed=yes", 0, "0 or 1"),
        ("fmt=jpeg,rgb,lzw,1", 3, "at most 3 argument(s)"),
        ("fmt=jpeg,bgr", 1, "one of rgb|gray|cmyk"),
        ("fit=fit,2", 1, "0 or 1"),
        ("rect=0,0,10", 3, "for 'h'"),
        ("quantize=web,off,16,00000g", 3, "RRGGBB"),
    ],
)
def test_typed_value_errors(modifiers, argument, expected):
    with pytest.raises(ParseError) as info:
        parse(modifiers)
    assert info.value.argument == argument
    assert expected in info.value.expected


def test_optional_arguments_may_be_omitted_or_left_empty():
    node = parse("fmt=tif,,jpeg").get("fmt")
    assert node.args == ("tif", None, "jpeg")
    assert node.arg("pixelType") is None
    qlt = parse("qlt=80").get("qlt")
    assert qlt.args == (80,)
    assert qlt.arg("chroma") is False  # the documented default
    assert parse("quantize=web").get("quantize").arg("numColors") == 256


def test_commands_without_value():
    assert parse("cache").get("cache").args == ()
    assert parse("defaultImage=").get("defaultImage").args == ()
    with pytest.raises(ParseError, match="width"):
        parse("wid")


def test_command_names_are_case_insensitive():
    assert parse("WID=100&ResMode=SHARP2&OP_USM=1") == parse("wid=100&resmode=sharp2&op_usm=1")
    assert parse("WID=100").get("wid").command == "wid"


def test_unknown_commands_are_errors_naming_them():
    with pytest.raises(ParseError, match="unknown command 'Foo'") as info:
        parse("wid=1&Foo=2")
    assert (info.value.command, info.value.offset) == ("Foo", 6)
    with pytest.raises(ParseError, match="unknown command 'attribute'"):
        parse("attribute=MaxPix")  # attribute:: is catalog configuration, no command
    with pytest.raises(ParseError, match="unknown command 'foo'") as info:
        parse("$m$", macros={"m": "qlt=1&foo"})
    assert (info.value.macro, info.value.offset) == ("m", 6)


def test_error_reports_locate_the_problem():
    with pytest.raises(ParseError) as info:
        parse("wid=480&qlt=85,x")
    error = info.value
    assert (error.command, error.argument, error.text, error.offset) == ("qlt", 1, "x", 8)
    assert error.expected == "0 or 1"
    assert error.macro is None
    assert str(error) == (
        "invalid value; command 'qlt', argument 2; text 'x'; at offset 8; expected 0 or 1"
    )


def test_error_reports_inside_a_macro_name_it():
    with pytest.raises(ParseError) as info:
        parse("wid=1&$preset$", macros={"preset": "fmt=png&qlt=999"})
    error = info.value
    assert (error.command, error.text, error.offset, error.macro) == ("qlt", "999", 8, "preset")
    assert "at offset 8 of macro $preset$" in str(error)


def test_overlong_requests_and_non_strings_are_parse_errors():
    with pytest.raises(ParseError, match="too long"):
        parse("wid=1&" + "." * MAX_REQUEST_LENGTH)
    with pytest.raises(ParseError, match="string"):
        parse(b"wid=1")  # type: ignore[arg-type]


def test_parsed_plans_are_cached():
    text = "wid=100&$m$"
    assert parse(text, macros={"m": "hei=5"}) is parse(text, macros={"$M$": "hei=5"})
    assert parse(text, macros={"m": "hei=5"}) is not parse(text, macros={"m": "hei=6"})
    assert parse("src=$object$", object_name="a") != parse("src=$object$", object_name="b")


# --- variables (§2.1) -----------------------------------------------------------------------


def test_variable_references_are_not_substituted_recursively():
    plan = parse("$var2=apple&$var1=my$var2$tree&text=$var1$")
    assert plan.get("text").args == ("my$var2$tree",)


def test_undefined_references_stay_literal():
    assert parse("src=my$image$file.tif").get("src").args == ("my$image$file.tif",)


def test_an_undefined_reference_where_a_number_is_needed_is_an_error():
    with pytest.raises(ParseError) as info:
        parse("wid=$number$")
    assert (info.value.command, info.value.text) == ("wid", "$number$")


def test_variables_must_be_defined_before_use():
    assert parse("$w=100&wid=$w$").get("wid").args == (100,)
    with pytest.raises(ParseError):
        parse("wid=$w$&$w=100")
    plan = parse("$w=1&wid=$w$&$w=2&hei=$w$")
    assert (plan.arg("wid", "width"), plan.arg("hei", "height")) == (1, 2)


def test_variable_names_are_case_insensitive():
    assert parse("$W=100&wid=$w$") == parse("wid=100")
    assert parse("$Size.x-1=7&wid=$SIZE.X-1$") == parse("wid=7")


def test_references_anywhere_in_a_value():
    plan = parse("$a=10&$b=20&rect=$a$,$b$,1$a$,2$b$")
    assert plan.get("rect").args == (10, 20, 110, 220)


def test_variables_are_decoded_after_substitution():
    # The reference is replaced in the raw value, then the whole value is %-decoded and split.
    assert parse("$size=100%2C200&size=$size$").get("size").args == (100, 200)
    assert parse("$w=1&text=%24w%24").get("text").args == ("$w$",)
    assert parse("$t=a+b&text=$t$").get("text").args == ("a b",)


def test_object_is_predefined_and_may_be_overridden():
    assert parse("src=$object$", object_name="shoe").get("src").args == ("shoe",)
    assert parse("$OBJECT=boot&src=$object$", object_name="shoe").get("src").args == ("boot",)
    assert parse("src=$object$").get("src").args == ("$object$",)


def test_variables_defined_in_the_request_reach_macros_and_back():
    plan = parse("$w=300&$m$&hei=$h$", macros={"m": "wid=$w$&$h=50"})
    assert (plan.arg("wid", "width"), plan.arg("hei", "height")) == (300, 50)


# --- layers and scope (§1.6) ----------------------------------------------------------------


def test_last_occurrence_wins_per_layer():
    plan = parse("layer=1&opac=10&layer=2&opac=20&layer=1&opac=30")
    assert plan.get("opac", 1).args == (30,)
    assert plan.get("opac", 2).args == (20,)


def test_named_layers_are_reopened_by_name():
    plan = parse("layer=1,logo&src=a&layer=2&src=b&layer=logo&opac=50")
    assert plan.get("opac", 1).args == (50,)
    assert plan.get("opac", 2) is None


def test_layer_name_errors():
    with pytest.raises(ParseError, match="already used by layer 1"):
        parse("layer=1,a&layer=2,a")
    with pytest.raises(ParseError, match="invalid layer") as info:
        parse("wid=1&layer=nope")
    assert (info.value.command, info.value.text, info.value.offset) == ("layer", "nope", 6)
    assert parse("layer=1,a&layer=1,a&src=x").get("src", 1) is not None


def test_view_and_request_commands_are_global_wherever_they_stand():
    plan = parse("layer=1&wid=100&fmt=png&layer=2&qlt=80")
    for command in ("wid", "fmt", "qlt"):
        assert plan.get(command).layer is None
    assert plan.layers == ()


def test_source_transforms_of_the_composite_apply_to_layer_0():
    plan = parse("crop=0,0,10,10&op_blur=1&layer=comp&rotate=90&layer=0&op_invert=1")
    assert plan.get("crop", 0) is not None and plan.get("rotate", 0) is not None
    assert plan.get("op_blur", "comp") is not None and plan.get("op_blur", 0) is None
    assert plan.get("op_invert", 0) is not None


def test_src_text_and_textps_exclude_each_other_per_layer():
    assert [n.command for n in parse("src=a&text=hi")] == ["text"]
    assert [n.command for n in parse("textPs=hi&src=a")] == ["src"]
    plan = parse("src=a&layer=1&text=hi")
    assert plan.get("src", 0) is not None and plan.get("text", 1) is not None


@pytest.mark.parametrize(
    "modifiers",
    [
        "wid=١٠٠",  # Arabic-Indic digits: int() reads them, IS does not
        "rotate=١.٥",
        "bgc=١٠٠,0,0",
        "layer=²&op_blur=1",  # str.isdigit() is true, int() raises ValueError
        "layer=" + "9" * 5000,  # more digits than int() converts
        "wid=" + "9" * 5000,
    ],
)
def test_numbers_are_ascii_decimal_and_bad_ones_are_parse_errors(modifiers):
    with pytest.raises(ParseError):
        parse(modifiers)


def test_large_but_convertible_numbers_still_parse():
    assert resolve("crop=0,0,1000000000,1") == "crop=0,0,1000000000,1"


@pytest.mark.parametrize(
    ("modifiers", "command", "text"),
    [
        ("text=,hello", "text", ",hello"),
        ("id=,x", "id", ",x"),
        ("text=,", "text", ","),
        ("textAttr=a,,b,", "textAttr", "a,,b,"),
        ("req=props,,json", "req", ",json"),
    ],
)
def test_free_text_spanning_the_rest_keeps_every_comma(modifiers, command, text):
    node = parse(modifiers).get(command)
    assert node is not None
    assert node.args[-1] == text
    assert parse(resolve(modifiers)) == parse(modifiers)


def test_an_empty_trailing_free_text_argument_is_omitted():
    assert parse("req=props,").get("req").args == ("props",)


@pytest.mark.parametrize(
    ("modifiers", "offset"),
    [("wid=abc", 0), ("?wid=abc", 1), ("?qlt=1&wid=abc", 7), (" \t?wid=abc ", 3), ("\nwid=abc", 1)],
)
def test_error_offsets_count_from_the_start_of_the_given_string(modifiers, offset):
    with pytest.raises(ParseError) as info:
        parse(modifiers)
    assert info.value.offset == offset
    assert modifiers[offset:].startswith("wid=")


def test_no_variables_in_layer_and_effect():
    # "Custom variables cannot be applied to the layer= and effect= commands."
    with pytest.raises(ParseError, match="invalid effect layer"):
        parse("$x=2&effect=$x$")
    with pytest.raises(ParseError, match="invalid layer"):
        parse("$n=1&layer=$n$")


@pytest.mark.parametrize(
    ("modifiers", "canonical"),
    [
        ("printRes=0.13601738374324682", "printRes=0.13601738374324682"),
        ("rotate=-2.34e4", "rotate=-23400"),
        ("rotate=1E-5", "rotate=1e-05"),
        ("rotate=1e+20", "rotate=1e20"),  # '+' decodes as a space: canonical text has none
        ("rotate=12.50", "rotate=12.5"),
        ("scl=2.0", "scl=2"),
    ],
)
def test_reals_print_back_exactly(modifiers, canonical):
    assert resolve(modifiers.replace("+", "%2B")) == canonical
    assert parse(canonical) == parse(modifiers.replace("+", "%2B"))


@pytest.mark.parametrize(
    ("request_text", "kept"),
    [
        ("crop=0,0,10,10&cropN=0,0,0.5,0.5", "cropN"),
        ("cropN=0,0,0.5,0.5&crop=0,0,10,10", "crop"),
        ("extendN=0.1,0,0,0&extend=1,2,3,4", "extend"),
        ("size=10,10&sizeN=0.5,0.5", "sizeN"),
        ("src=a&text=b", "text"),
    ],
)
def test_pixel_and_normalised_forms_replace_each_other(request_text, kept):
    plan = parse(request_text)
    assert [node.command for node in plan] == [kept]


def test_plan_lookup_ignores_the_spelling_of_the_command():
    plan = parse("resmode=bilin&OP_USMR=1")
    assert plan.get("resMode") is plan.get("RESMODE") is not None
    assert plan.arg("op_usmr", "amount") == 1.0
