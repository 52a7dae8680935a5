"""Numeric ranges (issue 8 item 16): every number of a request is bounded by its signature, so
no valid-looking value overflows inside the renderer, and resolutions read from files are
clamped to what the encoders can record (tests/hostile/test_source_limits.py)."""

from __future__ import annotations

import contextlib
import itertools

import pytest
from PIL import Image

import engine
from engine.commands import IS_COMMANDS
from engine.signatures import Int, Real

SOURCE = Image.new("RGB", (64, 48), "red")


#: Values that overflowed (issue 8): each is now refused by its command's range.
OUT_OF_RANGE = [
    "crop=3000000000,0,10,10",
    "crop=-3000000000,0,10,10",
    "scl=1e-310",
    "scale=1e308",
    "dpr=on,1e308",
    "jpegSize=1e308",
    "printRes=1e300&fmt=png",
    "wid=1" + "0" * 400,
    "size=99999999999,0",
    "rgn=0,0,99999999999,99999999999",
    "rect=0,0,99999999999,99999999999",
    "rect=0,0,10,10,1e-300",
    "cropN=0,0,1e300,1",
    "res=1e308",
]
SIGNATURES = {sig.key: sig for sig in IS_COMMANDS}


@pytest.mark.parametrize("modifiers", OUT_OF_RANGE, ids=lambda text: text[:30])
def test_out_of_range_numbers_are_parse_errors_naming_the_range(modifiers):
    with pytest.raises(engine.ParseError) as info:
        engine.render(SOURCE, modifiers)
    command = modifiers.partition("=")[0]
    assert info.value.command == command
    param = SIGNATURES[command.lower()].params[info.value.argument]
    assert info.value.expected == param.type.description
    assert " from " in info.value.expected  # a range, with both of its bounds


def _bounds(sig):
    """Each numeric parameter's two bounds; other parameters a fitting value or nothing."""
    for param in sig.params:
        kind = param.type
        if isinstance(kind, Int | Real) and kind.min is not None and kind.max is not None:
            yield (kind.format(kind.min), kind.format(kind.max))
        elif param.required:
            yield ("on",) if sig.key == "dpr" else ("1",)
        else:
            yield ("",)


BOUNDED = [
    sig
    for sig in IS_COMMANDS
    if any(isinstance(p.type, Int | Real) and p.type.max is not None for p in sig.params)
]


@pytest.mark.parametrize("sig", BOUNDED, ids=lambda sig: sig.name)
def test_every_number_at_its_bounds_renders_or_fails_cleanly(sig):
    for values in itertools.product(*_bounds(sig)):
        request = f"{sig.name}={','.join(values).rstrip(',')}"
        for extra in ("", "&wid=100&hei=100&fit=crop", "&fmt=png"):
            # A clear error (MaxPix, the pixel budget ...) is fine; an OverflowError is not.
            with contextlib.suppress(engine.IsRenderError):
                engine.render(SOURCE, request + extra)
