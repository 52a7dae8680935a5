"""Parse+plan of representative presets, uncached and cached (target: < 50 µs / < 2 µs)."""

from __future__ import annotations

import pytest

from engine import MacroTable, parse
from engine.parser import clear_cache

#: Representative presets of about 100 characters, as Scene7 users write them.
PRESETS = {
    "thumbnail": "wid=800&hei=600&fit=crop,1&align=0,-1&op_usm=1.2,1,8,0&fmt=pjpeg&qlt=85,1"
    "&resMode=sharp2&bgc=ffffff",
    "macro": "$w=640&$product$&op_sharpen=1&qlt=90&iccEmbed=1&printRes=300&.comment-1234",
    "catalog": "crop=10,20,3000,2000&rotate=90&flip=lr&op_brightness=10&op_saturation=-20"
    "&scl=2&rgn=0,0,500,500&fmt=png-alpha",
}
MACROS = MacroTable({"product": "wid=$w$&hei=$w$&fit=constrain,0&fmt=webp,,lossy&qlt=80"})


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_parse_uncached(benchmark, name):
    text = PRESETS[name]
    benchmark.extra_info["characters"] = len(text)

    def uncached():
        clear_cache()
        return parse(text, macros=MACROS)

    plan = benchmark(uncached)
    assert len(plan) > 5


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_parse_cached(benchmark, name):
    text = PRESETS[name]
    parse(text, macros=MACROS)
    plan = benchmark(parse, text, macros=MACROS)
    assert len(plan) > 5
