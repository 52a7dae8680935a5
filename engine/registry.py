"""The plugin manager and the registry of formats, operations and command signatures.

Built-in plugins (``DEFAULT_PLUGINS``, modules of the ``plugins`` package) are loaded first,
then every entry point of the group ``isrender``, then whatever is passed to :func:`register`
at run time. All of them go through the same two hooks of :mod:`engine.hookspecs`.
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pluggy

from engine import hookspecs
from engine.commands import IS_COMMANDS
from engine.errors import PluginError, UnsupportedError
from engine.formats import Format
from engine.operations import Operation
from engine.signatures import CommandSignature, Enum, Param
from engine.stages import Stage

DEFAULT_PLUGINS: tuple[str, ...] = (
    "plugins.formats.jpeg",
    "plugins.formats.png",
    "plugins.formats.gif",
    "plugins.formats.tiff",
    "plugins.formats.webp",
    "plugins.formats.avif",
    "plugins.formats.jpeg2000",
    "plugins.formats.pdf",
    "plugins.formats.eps",
    "plugins.formats.unsupported",
    "plugins.operations.geometry",
    "plugins.operations.adjust",
    "plugins.operations.grow",
    "plugins.operations.blur",
    "plugins.operations.noise",
    "plugins.operations.sharpen",
    "plugins.operations.view",
)
ENTRY_POINT_GROUP = hookspecs.PROJECT
#: Comma-separated entry-point names to load (empty: none); unset loads them all.
LOAD_PLUGINS_ENV = "ISRENDER_LOAD_PLUGINS"


@dataclass(frozen=True)
class Provided:
    """Something a plugin provided, for ``isrender plugins`` listings."""

    kind: str  # "format" | "command"
    name: str
    plugin: str
    description: str = ""


@dataclass
class Registry:
    """Everything the hooks declared, indexed for the parser and the renderer."""

    formats: dict[str, Format] = field(default_factory=dict)  # every name and alias, lower
    operations: dict[str, Operation] = field(default_factory=dict)  # by command, lower
    signatures: dict[str, CommandSignature] = field(default_factory=dict)  # by command, lower
    provided: list[Provided] = field(default_factory=list)
    _owner: dict[tuple[str, str], str] = field(default_factory=dict)
    _by_stage: dict[Stage, tuple[Operation, ...]] | None = None

    def signature(self, command: str) -> CommandSignature | None:
        return self.signatures.get(command.lower())

    def format(self, name: str) -> Format:
        """The format for a ``fmt=`` token; a clear error when none can encode it."""
        fmt = self.formats.get(name.lower())
        if fmt is None or fmt.encode is None:
            reason = fmt.description if fmt is not None and fmt.description else ""
            raise UnsupportedError(
                f"format not supported: fmt={name}" + (f" ({reason})" if reason else "")
            )
        return fmt

    def operations_for(self, stage: Stage) -> tuple[Operation, ...]:
        """The operations of one stage, in registration order."""
        by_stage = self._by_stage
        if by_stage is None:
            grouped: dict[Stage, dict[int, Operation]] = {}
            for op in self.operations.values():
                grouped.setdefault(op.stage, {}).setdefault(id(op), op)
            by_stage = self._by_stage = {k: tuple(v.values()) for k, v in grouped.items()}
        return by_stage.get(stage, ())

    def _claim(self, kind: str, name: str, plugin: str, override: bool) -> None:
        key = (kind, name.lower())
        owner = self._owner.get(key)
        if owner is not None and owner != plugin and not override:
            raise PluginError(
                f"plugin {plugin!r} registers {kind} {name!r}, which plugin {owner!r} already "
                f"provides; pass override=True to replace it"
            )
        self._owner[key] = plugin
        self.provided[:] = [p for p in self.provided if (p.kind, p.name.lower()) != key]


class Registrar:
    """The ``register`` object a hook receives; it knows which plugin is registering."""

    def __init__(self, registry: Registry, plugin: str) -> None:
        self._registry = registry
        self.plugin = plugin

    def format(self, fmt: Format, *, override: bool = False) -> None:
        if not fmt.name or not fmt.extension:
            raise PluginError(f"plugin {self.plugin!r}: a format needs a name and an extension")
        reg = self._registry
        for name in fmt.names:
            reg._claim("format", name, self.plugin, override)
            reg.formats[name.lower()] = fmt
        reg.provided.append(Provided("format", fmt.name, self.plugin, fmt.description))

    def operation(self, op: Operation, *, override: bool = False) -> None:
        reg = self._registry
        declared = {s.key: s for s in op.signatures}
        for sig in op.signatures:
            reg._claim("signature", sig.name, self.plugin, override)
            reg.signatures[sig.key] = dataclasses.replace(sig, stage=op.stage)
        for command in op.handles:
            if command.lower() not in reg.signatures and command.lower() not in declared:
                raise PluginError(
                    f"plugin {self.plugin!r}: operation {op.name!r} handles {command!r}, which is "
                    "no IS command; declare its signature in Operation.signatures"
                )
            reg._claim("command", command, self.plugin, override)
            reg.operations[command.lower()] = op
            reg._by_stage = None
            reg.provided.append(Provided("command", command, self.plugin, op.description))


def _build(pm: pluggy.PluginManager) -> Registry:
    registry = Registry(signatures={sig.key: sig for sig in IS_COMMANDS})
    for hook in (pm.hook.isrender_register_formats, pm.hook.isrender_register_operations):
        # Registration order (built-ins, entry points, run time), so later ones may override.
        for impl in sorted(hook.get_hookimpls(), key=lambda i: _order(pm, i.plugin)):
            impl.function(register=Registrar(registry, impl.plugin_name))
    _extend_fmt(registry)
    return registry


def _order(pm: pluggy.PluginManager, plugin: Any) -> int:
    return [p for _, p in pm.list_name_plugin()].index(plugin)


def _extend_fmt(registry: Registry) -> None:
    """Let ``fmt=`` accept every registered format name besides the documented ones."""
    fmt = registry.signatures["fmt"]
    first = fmt.params[0]
    assert isinstance(first.type, Enum)
    names = [n for f in registry.formats.values() for n in f.names]
    param = Param(first.name, first.type.extended(*names), first.default)
    registry.signatures["fmt"] = dataclasses.replace(fmt, params=(param, *fmt.params[1:]))


class _Plugins:
    """Process-wide plugin manager, loaded lazily on first use and thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._pm: pluggy.PluginManager | None = None
        self._registry: Registry | None = None
        self.listeners: list[Callable[[], None]] = []

    def manager(self) -> pluggy.PluginManager:
        with self._lock:
            if self._pm is None:
                pm = pluggy.PluginManager(hookspecs.PROJECT)
                pm.add_hookspecs(hookspecs)
                for module in DEFAULT_PLUGINS:
                    pm.register(importlib.import_module(module), name=module)
                _load_entry_points(pm)
                pm.check_pending()
                self._pm = pm
            return self._pm

    def registry(self) -> Registry:
        registry = self._registry
        if registry is None:
            with self._lock:
                if self._registry is None:
                    self._registry = _build(self.manager())
                registry = self._registry
        return registry

    def changed(self) -> None:
        with self._lock:
            try:
                self._registry = _build(self.manager())
            except PluginError:
                self._registry = None
                raise
        for listener in self.listeners:
            listener()


def _load_entry_points(pm: pluggy.PluginManager) -> None:
    allow = os.environ.get(LOAD_PLUGINS_ENV)
    if allow is None:
        pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
        return
    for name in filter(None, (n.strip() for n in allow.split(","))):
        pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP, name=name)


_PLUGINS = _Plugins()


def get_registry() -> Registry:
    """The registry of every loaded plugin (loads the plugins on first call)."""
    return _PLUGINS.registry()


def plugin_manager() -> pluggy.PluginManager:
    return _PLUGINS.manager()


def register(plugin: object, name: str | None = None) -> str:
    """Register a plugin (module or object with hook implementations) at run time.

    Its formats and operations are usable at once. A name clash with an existing plugin is a
    :class:`~engine.errors.PluginError` and leaves the registry as it was.
    """
    pm = plugin_manager()
    plugin_name = pm.register(plugin, name=name)
    if plugin_name is None:
        raise PluginError(f"plugin {name or plugin!r} is already registered")
    try:
        pm.check_pending()
        _PLUGINS.changed()
    except (PluginError, pluggy.PluginValidationError) as exc:
        pm.unregister(plugin)
        _PLUGINS.changed()
        if isinstance(exc, PluginError):
            raise
        raise PluginError(f"plugin {plugin_name!r} is invalid: {exc}") from None
    return plugin_name


def unregister(plugin: object) -> None:
    """Remove a plugin registered with :func:`register`."""
    plugin_manager().unregister(plugin)
    _PLUGINS.changed()


def on_change(listener: Callable[[], None]) -> None:
    """Call ``listener`` whenever plugins are registered or removed (parse cache reset)."""
    _PLUGINS.listeners.append(listener)


def plugin_names(pm: pluggy.PluginManager | None = None) -> Iterable[str]:
    return [name for name, _ in (pm or plugin_manager()).list_name_plugin()]
