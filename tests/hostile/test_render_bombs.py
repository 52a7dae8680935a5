"""Hostile renders, each in a child process under an address-space limit and a time limit:
the render must finish, or fail with a clear error, within both.

Issue 8 item 13: a tiny source whose layer is blown up by extend= while the view keeps
100×100 pixels. Issue 11: a thousand layers, a layer blown up the same way, a solid layer
larger than the pixel budget.

Before the fix, ``extend=0,0,12000,12000&scl=1&rect=0,0,100,100&op_blur=2&op_hue=20`` on a
64×48 PNG took 43 s and 8.5 GiB (peak RSS); now about 0.2 s and 45 MiB: only the window the
view keeps, widened by each filter's reach, is drawn and filtered.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

MEMORY_LIMIT = 1 << 30  # bytes of address space for the child (Python + numpy + Pillow ≈ 0.3)
TIME_LIMIT = 60  # seconds, far above the expected fraction of a second, for loaded machines

CHILD = textwrap.dedent(
    """
    import io, json, resource, sys
    limit = int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from PIL import Image
    import engine
    def png(size, color):
        buf = io.BytesIO()
        Image.new("RGB", size, color).save(buf, "PNG")
        return buf.getvalue()
    objects = {"logo": png((20, 10), (0, 0, 255))}
    def resolver(name):
        if name not in objects:
            raise engine.SourceError(f"no object {name!r}")
        return objects[name]
    try:
        r = engine.render(png((64, 48), (200, 30, 30)), sys.argv[1], resolver=resolver)
        print(json.dumps({"ok": [r.width, r.height]}))
    except engine.IsRenderError as exc:
        print(json.dumps({"error": str(exc)}))
    """
)

BOMBS = [
    "extend=0,0,12000,12000&scl=1&rect=0,0,100,100&fmt=png",
    "extend=0,0,12000,12000&scl=1&rect=0,0,100,100&op_blur=2&op_hue=20&op_noise=10"
    "&op_grow=3&op_brightness=10&fmt=png",
    "extend=0,0,12000,12000&scl=1&rect=11900,11900,100,100&op_blur=5&op_noise=10,gaussian"
    "&flip=lr&fmt=png-alpha",
    "crop=-6000,-6000,12064,12048&scl=1&rect=6000,6000,100,100&op_blur=3&op_invert=1&fmt=png",
]


def _run(modifiers: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, modifiers, str(MEMORY_LIMIT)],
        capture_output=True,
        text=True,
        timeout=TIME_LIMIT,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


@pytest.mark.parametrize("modifiers", BOMBS)
def test_a_huge_layer_under_a_small_view_renders_within_bounds(modifiers):
    assert _run(modifiers) == {"ok": [100, 100]}


THOUSAND_LAYERS = "&".join(
    f"layer={n}&src=logo&pos={n % 60 - 30},{n % 40 - 20}&opac={n % 100}" for n in range(1, 1001)
)


@pytest.mark.parametrize(
    ("modifiers", "expected"),
    [
        (THOUSAND_LAYERS + "&fmt=png", {"ok": [64, 48]}),
        ("layer=1&src=logo&extend=0,0,12000,12000&op_blur=3&op_noise=5&fmt=png", {"ok": [64, 48]}),
        ("layer=1&src=logo&size=100000,100000&rotate=33&fmt=png", {"ok": [64, 48]}),
        ("layer=1&color=ff0000&size=100000,100000&fmt=png",
         {"error": "layer 1: size=100000,100000 is more than the 150,000,000 pixels a render "
                   "may hold"}),
        ("layer=1&src=layer&fmt=png", {"error": "no object 'layer'"}),
    ],
)  # fmt: skip
def test_hostile_layers_render_within_bounds(modifiers, expected):
    assert _run(modifiers) == expected
