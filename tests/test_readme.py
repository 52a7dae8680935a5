"""The README's promises: it opens with the two set-up commands, its Python example runs, and
its format/command tables are exactly what the plugin registry generates.

Run ``python tests/test_readme.py`` to regenerate the tables after changing a plugin.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
BEGIN, END = "<!-- registry:begin -->\n", "<!-- registry:end -->"


def generated_section() -> str:
    from engine.cli.rendering import registry_markdown

    return BEGIN + registry_markdown() + END


def test_readme_opens_with_the_demo_and_test_commands():
    text = README.read_text(encoding="utf-8")
    block = re.search(r"```sh\n(.*?)```", text, re.S)
    assert block is not None and text.index("```sh") < 20
    first, second = block.group(1).strip().splitlines()
    assert first.startswith("python3 -m venv .venv") and first.endswith("isrender demo")
    assert second == ".venv/bin/python -m pytest"
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "\n.venv/bin/python -m pytest\n" in ci


def test_registry_tables_are_current():
    text = README.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    assert text[start:end] == generated_section(), "run: python tests/test_readme.py"


def test_python_example_resolves_as_documented():
    import engine

    resolved = engine.resolve("$view$&wid=480", macros={"view": "wid=200&hei=200&fmt=png"})
    assert resolved == "wid=480&hei=200&fmt=png"


if __name__ == "__main__":
    text = README.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    README.write_text(text[:start] + generated_section() + text[end:], encoding="utf-8")
    sys.exit(0)
