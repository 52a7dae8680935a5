"""Peak resident memory of rendering a 100-Mpixel JPEG to wid=800, in a child process.

libjpeg must hold every DCT coefficient of a progressive file (about 3 bytes per pixel at
4:2:0), so baseline and progressive sources get different bounds: 300 MB and 450 MB.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import QUICK

pytestmark = pytest.mark.skipif(QUICK, reason="100-Mpixel sources are skipped in quick mode")

BOUNDS_MB = {"jpeg": 300, "pjpeg": 450}
#: VmHWM, the peak resident size of this process's own memory (ru_maxrss would carry over
#: the high-water mark of the forking parent, which may have generated the 100 MP image).
_CHILD = """
import sys
{setup}
with open("/proc/self/status") as status:
    peak = next(line for line in status if line.startswith("VmHWM:"))
print(int(peak.split()[1]) // 1024)
"""
ENGINE = "import engine; engine.render(sys.argv[1], 'wid=800&fmt=jpg&qlt=85')"
PILLOW = (
    "from PIL import Image; im = Image.open(sys.argv[1]); im.draft('RGB', (800, 534));"
    "im.resize((800, 534), Image.Resampling.LANCZOS, reducing_gap=3.0).save('/dev/null', 'JPEG')"
)


def peak_mb(setup: str, path) -> int:
    result = subprocess.run(
        [sys.executable, "-c", _CHILD.format(setup=setup), str(path)],
        capture_output=True, text=True, check=True, timeout=600,
    )  # fmt: skip
    return int(result.stdout.strip())


@pytest.mark.parametrize("kind", sorted(BOUNDS_MB))
def test_peak_memory_100mp(image_path, kind, record_property):
    path = image_path(kind, 100)
    engine_mb = peak_mb(ENGINE, path)
    pillow_mb = peak_mb(PILLOW, path)
    record_property("engine_peak_mb", engine_mb)
    record_property("pillow_peak_mb", pillow_mb)
    print(f"\n{kind} 100 MP → wid=800: engine {engine_mb} MB, hand-tuned Pillow {pillow_mb} MB")
    assert engine_mb < BOUNDS_MB[kind]
