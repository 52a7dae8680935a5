"""The text modules share code through documented public names only: text on and in paths
(onpath.py, flow.py) once imported seven private helpers of render.py and layout.py, whose
signatures could change without anyone seeing the other users."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import engine.text
from engine.text import layout, render

TEXT = Path(engine.text.__file__).parent


@pytest.mark.parametrize("module", sorted(TEXT.glob("*.py")), ids=lambda p: p.name)
def test_no_text_module_imports_another_ones_private_names(module):
    tree = ast.parse(module.read_text(encoding="utf-8"))
    private = [
        f"{node.module}.{alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("engine")
        for alias in node.names
        if alias.name.startswith("_")
    ]
    assert private == []


@pytest.mark.parametrize(
    "shared",
    [
        render.place_lines,
        render.ink_box,
        render.coverage_mask,
        render.composite_coverage,
        render.paint_fragments,
        layout.LineBuilder,
        layout.cluster_end,
    ],
    ids=lambda f: f.__name__,
)
def test_the_shared_drawing_and_layout_pieces_are_documented_and_typed(shared):
    assert inspect.getdoc(shared)
    target = shared.__init__ if inspect.isclass(shared) else shared
    hints = inspect.signature(target).parameters
    assert all(p.annotation is not inspect.Parameter.empty for n, p in hints.items() if n != "self")
