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
from engine.renderer import COMPOSITING
from engine.signatures import Int, Real

SOURCE = Image.new("RGB", (64, 48), "red")


@pytest.mark.parametrize(
    ("modifiers", "command", "expected"),
    [
        ("crop=3000000000,0,10,10", "crop", "an integer from -1000000000 to 1000000000"),
        ("crop=-3000000000,0,10,10", "crop", "an integer from -1000000000 to 1000000000"),
        ("scl=1e-310", "scl", "a real number from 1e-09 to 1000000000"),
        ("scale=1e308", "scale", "a real number from 1e-09 to 1000000000"),
        ("dpr=on,1e308", "dpr", "a real number from 1e-09 to 1000000000"),
        ("jpegSize=1e308", "jpegSize", "a real number from 0 to 1048576"),
        ("printRes=1e300&fmt=png", "printRes", "a real number from 0.001 to 65535"),
        ("wid=1" + "0" * 400, "wid", "an integer from 1 to 1000000000"),
        ("size=99999999999,0", "size", "an integer from 0 to 1000000000"),
        ("rgn=0,0,99999999999,99999999999", "rgn", "an integer from 1 to 1000000000"),
        ("rect=0,0,99999999999,99999999999", "rect", "an integer from 1 to 1000000000"),
        ("rect=0,0,10,10,1e-300", "rect", "a real number from 1e-09 to 1000000000"),
        ("cropN=0,0,1e300,1", "cropN", "a real number from -1000000 to 1000000"),
        ("res=1e308", "res", "a real number from 1e-09 to 1000000000"),
    ],
)
def test_out_of_range_numbers_are_parse_errors_naming_the_range(modifiers, command, expected):
    with pytest.raises(engine.ParseError) as info:
        engine.render(SOURCE, modifiers)
    assert info.value.command == command
    assert info.value.expected == expected


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
    if sig.key not in COMPOSITING
    and any(isinstance(p.type, Int | Real) and p.type.max is not None for p in sig.params)
]


@pytest.mark.parametrize("sig", BOUNDED, ids=lambda sig: sig.name)
def test_every_number_at_its_bounds_renders_or_fails_cleanly(sig):
    for values in itertools.product(*_bounds(sig)):
        request = f"{sig.name}={','.join(values).rstrip(',')}"
        for extra in ("", "&wid=100&hei=100&fit=crop", "&fmt=png"):
            # A clear error (MaxPix, the pixel budget ...) is fine; an OverflowError is not.
            with contextlib.suppress(engine.IsRenderError):
                engine.render(SOURCE, request + extra)
