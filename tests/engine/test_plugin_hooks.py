"""The hooks are called through pluggy's hook caller: ordering markers, wrappers and hook-call
monitoring work as pluggy documents them, and each registration is attributed to its plugin."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import engine
from engine import Operation, Stage, hookimpl, hookspecs
from engine.registry import plugin_manager

ROOT = Path(__file__).resolve().parents[2]


def _identity(image, nodes, ctx):
    return image


class _Blur:
    """Replaces op_blur with an operation named after the plugin."""

    def __init__(self, label: str) -> None:
        self.label = label

    def operation(self) -> Operation:
        return Operation(f"blur-{self.label}", Stage.FILTER, _identity, ("op_blur",))


class _FirstBlur(_Blur):
    @hookimpl(tryfirst=True)
    def isrender_register_operations(self, register) -> None:
        register.operation(self.operation(), override=True)


class _PlainBlur(_Blur):
    @hookimpl
    def isrender_register_operations(self, register) -> None:
        register.operation(self.operation(), override=True)


def _blur_owner() -> tuple[str, str]:
    registry = engine.get_registry()
    owner = next(p.plugin for p in registry.provided if p.name == "op_blur")
    return registry.operations["op_blur"].name, owner


def test_tryfirst_decides_between_two_overrides_whatever_the_registration_order():
    first, plain = _FirstBlur("first"), _PlainBlur("plain")
    engine.register(first, name="blur-first")
    engine.register(plain, name="blur-plain")  # registered later: pluggy would call it first
    try:
        assert _blur_owner() == ("blur-first", "blur-first")
    finally:
        engine.unregister(plain)
        engine.unregister(first)
    assert _blur_owner() == ("op_blur", "plugins.operations.blur")


def test_an_override_beats_the_builtin_whichever_runs_first():
    class Late(_Blur):
        @hookimpl(trylast=True)  # runs after the built-in's implementation
        def isrender_register_operations(self, register) -> None:
            register.operation(self.operation(), override=True)

    late = Late("late")
    engine.register(late, name="blur-late")
    try:
        assert _blur_owner() == ("blur-late", "blur-late")
    finally:
        engine.unregister(late)


def test_a_wrapper_runs_around_every_other_implementation():
    seen: list[str] = []

    class Wrapper:
        @hookimpl(wrapper=True)
        def isrender_register_operations(self, register):
            seen.append("before")
            result = yield
            seen.append("after")
            return result

    wrapper = Wrapper()
    engine.register(wrapper, name="wrapper")
    try:
        assert seen == ["before", "after"]
        assert "op_blur" in engine.get_registry().operations  # the others still ran
    finally:
        engine.unregister(wrapper)


def test_hook_call_monitoring_sees_the_calls():
    calls: list[str] = []
    undo = plugin_manager().add_hookcall_monitoring(
        lambda name, impls, kwargs: calls.append(name), lambda *args: None
    )
    plugin = _PlainBlur("monitored")
    try:
        engine.register(plugin, name="blur-monitored")
    finally:
        undo()
        engine.unregister(plugin)
    assert "isrender_register_formats" in calls and "isrender_register_operations" in calls


def test_two_instances_of_one_class_are_told_apart():
    one, two = _PlainBlur("one"), _PlainBlur("two")
    engine.register(one, name="blur-one")
    engine.register(two, name="blur-two")
    try:
        # Same code, two plugins: each registration is its own instance's; of two overrides
        # the one pluggy calls first (the later registration) wins.
        assert _blur_owner() == ("blur-two", "blur-two")
    finally:
        engine.unregister(two)
        engine.unregister(one)


def test_registering_outside_a_hook_is_refused():
    from engine.registry import Registrar, Registry, _Owners

    register = Registrar(Registry(), _Owners(plugin_manager()))
    with pytest.raises(engine.PluginError, match="hook implementation"):
        register.operation(_Blur("stray").operation())


# --- documentation and the public plugin API ------------------------------------------------


def test_every_hook_is_documented_in_the_plugin_guide():
    guide = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    hooks = [name for name in dir(hookspecs) if name.startswith("isrender_")]
    assert hooks
    for name in hooks:
        section = re.search(rf"^### `{name}\(register\)`\n(.*?)(?=^##)", guide, re.M | re.S)
        assert section, f"docs/plugins.md has no section for the hook {name}"
        for topic in ("Parameters", "Order", "Overriding"):
            assert f"**{topic}**" in section.group(1), f"{name}: no {topic} in its section"


PUBLIC_API = {
    "engine", "engine.config", "engine.errors", "engine.formats", "engine.geometry",
    "engine.hookspecs", "engine.operations", "engine.pixels", "engine.plan",
    "engine.signatures", "engine.stages",
}  # fmt: skip


@pytest.mark.parametrize(
    "module", sorted((ROOT / "plugins" / "operations").glob("*.py")), ids=lambda p: p.name
)
def test_builtin_operations_use_only_the_public_plugin_api(module: Path):
    tree = ast.parse(module.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            name = node.module
            if name == "engine.registry":  # the Registrar type, for annotations only
                assert [a.name for a in node.names] == ["Registrar"], module.name
                continue
            if name.split(".")[0] in ("engine", "plugins"):
                assert name in PUBLIC_API, f"{module.name} imports {name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                assert alias.name.split(".")[0] not in ("engine", "plugins"), module.name
        elif isinstance(node, ast.Name):
            assert node.id not in ("get_registry", "plugin_manager"), module.name
