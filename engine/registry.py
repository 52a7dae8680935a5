"""The plugin manager and the registry of formats, operations and command signatures.

Built-in plugins (``DEFAULT_PLUGINS``, modules of the ``plugins`` package) are registered
first, then every entry point of the group ``isrender``, then whatever is passed to
:func:`register` at run time. All of them go through the same two hooks of
:mod:`engine.hookspecs`, called through pluggy's hook caller (see ``docs/plugins.md``).
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from types import CodeType, FrameType

import pluggy

from engine import hookspecs
from engine.commands import IS_COMMANDS
from engine.errors import PluginError, UnsupportedError
from engine.formats import Format
from engine.operations import Operation
from engine.signatures import CommandSignature, Enum, Param

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
    _owner: dict[tuple[str, str], tuple[str, bool]] = field(default_factory=dict)

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

    @property
    def always(self) -> tuple[Operation, ...]:
        """Operations that run even when none of their commands is present (the view)."""
        return tuple({id(op): op for op in self.operations.values() if op.always}.values())

    def _claim(self, kind: str, name: str, plugin: str, override: bool) -> bool:
        """Whether ``plugin`` may set ``name`` now (False: an earlier override keeps it).

        Hooks run in pluggy's order (later registrations first, ``tryfirst``/``trylast``
        move an implementation), so precedence is by ``override``, not by call order: an
        override beats a plain registration whichever runs first; of two overrides the one
        called first wins; two plain registrations of one name are an error.
        """
        key = (kind, name.lower())
        owner = self._owner.get(key)
        if owner is not None and owner[0] != plugin:
            if owner[1]:
                return False
            if not override:
                raise PluginError(
                    f"plugin {plugin!r} registers {kind} {name!r}, which plugin {owner[0]!r} "
                    f"already provides; pass override=True to replace it"
                )
        self._owner[key] = (plugin, override)
        self.provided[:] = [p for p in self.provided if (p.kind, p.name.lower()) != key]
        return True


class Registrar:
    """The ``register`` object a hook receives; each call is attributed to the plugin whose
    hook implementation makes it (found on the call stack), so one object serves every
    implementation of a hook called through pluggy's hook caller."""

    def __init__(self, registry: Registry, owners: _Owners) -> None:
        self._registry = registry
        self._owners = owners

    def format(self, fmt: Format, *, override: bool = False) -> None:
        plugin = self._owners.caller(sys._getframe(1))
        if not fmt.name or not fmt.extension:
            raise PluginError(f"plugin {plugin!r}: a format needs a name and an extension")
        reg = self._registry
        claimed = [name for name in fmt.names if reg._claim("format", name, plugin, override)]
        for name in claimed:
            reg.formats[name.lower()] = fmt
        if claimed:
            reg.provided.append(Provided("format", fmt.name, plugin, fmt.description))

    def operation(self, op: Operation, *, override: bool = False) -> None:
        plugin = self._owners.caller(sys._getframe(1))
        reg = self._registry
        declared = {s.key: s for s in op.signatures}
        for sig in op.signatures:
            if reg._claim("signature", sig.name, plugin, override):
                reg.signatures[sig.key] = dataclasses.replace(sig, stage=op.stage)
        for command in op.handles:
            if command.lower() not in reg.signatures and command.lower() not in declared:
                raise PluginError(
                    f"plugin {plugin!r}: operation {op.name!r} handles {command!r}, which is "
                    "no IS command; declare its signature in Operation.signatures"
                )
            if reg._claim("command", command, plugin, override):
                reg.operations[command.lower()] = op
                reg.provided.append(Provided("command", command, plugin, op.description))


class _Owners:
    """Which plugin a hook implementation's code belongs to (methods: which instance)."""

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self._by_code: dict[CodeType, list[tuple[object, str]]] = {}
        for hook in (pm.hook.isrender_register_formats, pm.hook.isrender_register_operations):
            for impl in hook.get_hookimpls():
                function = impl.function
                instance = getattr(function, "__self__", None)
                code = getattr(function, "__func__", function).__code__
                self._by_code.setdefault(code, []).append((instance, impl.plugin_name))

    def caller(self, frame: FrameType | None) -> str:
        while frame is not None:
            candidates = self._by_code.get(frame.f_code)
            if candidates:
                if len(candidates) == 1:
                    return candidates[0][1]
                instance = frame.f_locals.get("self")
                for owner, name in candidates:
                    if owner is instance:
                        return name
            frame = frame.f_back
        raise PluginError("register.format/operation must be called from a hook implementation")


def _build(pm: pluggy.PluginManager) -> Registry:
    """Call both hooks through pluggy's hook caller (so ``tryfirst``, ``trylast``, wrappers
    and hook-call monitoring work) with one registrar that attributes each registration."""
    registry = Registry(signatures={sig.key: sig for sig in IS_COMMANDS})
    register = Registrar(registry, _Owners(pm))
    pm.hook.isrender_register_formats(register=register)
    pm.hook.isrender_register_operations(register=register)
    _extend_fmt(registry)
    return registry


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
