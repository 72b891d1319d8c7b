"""Making the plugin manager, and calling hooks so that one broken plugin cannot stop a run.

Plugins come from three places, in this order: the built-ins in ``kzfeed.default_plugins``,
installed packages that declare an entry point in the ``kzfeed`` group, and ``*.py`` files in
the plugins folders (``plugins/`` by default, or ``--plugins-dir``).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import inspect
import logging
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy

from kzfeed import hookspecs
from kzfeed.errors import ConfigError

__all__ = [
    "DEFAULT_PLUGINS",
    "ENTRY_POINT_GROUP",
    "LoadedPlugin",
    "PluginHost",
    "make_plugin_host",
]

log = logging.getLogger("kzfeed.plugins")

ENTRY_POINT_GROUP = "kzfeed"
DEFAULT_PLUGINS = (
    "kzfeed.default_plugins.files",
    "kzfeed.default_plugins.keywords",
    "kzfeed.default_plugins.rss",
    "kzfeed.default_plugins.html",
)
_TRACE_ENV = "KZFEED_TRACE_PLUGINS"


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadedPlugin:
    """A plugin the host knows about, as ``kzfeed plugins`` lists it."""

    name: str
    origin: str  # "builtin", "entry point <dist>", "file <path>"
    hooks: tuple[str, ...] = ()
    error: str | None = None


@dataclass(slots=True)
class PluginHost:
    """The pluggy manager plus what was loaded and what failed to load."""

    pm: pluggy.PluginManager
    loaded: list[LoadedPlugin] = field(default_factory=list)
    failures: list[LoadedPlugin] = field(default_factory=list)

    # --- registries filled by the register_* hooks --------------------------------------

    def source_types(self) -> dict[str, type[Any]]:
        """``{type_name: SourceClass}`` from every plugin's ``register_sources``."""
        return self._registry("register_sources")

    def classifiers(self) -> dict[str, Callable[[Mapping[str, Any]], Any]]:
        """``{name: factory}`` from every plugin's ``register_classifiers``."""
        return self._registry("register_classifiers")

    def _registry(self, hook_name: str) -> dict[str, Any]:
        found: dict[str, Any] = {}
        owners: dict[str, str] = {}

        for impl, plugin_name in self._impls(hook_name):

            def register(name: str, obj: Any, _plugin: str = plugin_name) -> None:
                if name in found and owners[name] != _plugin:
                    log.warning(
                        "plugin %r registers %r, which plugin %r already registered; the later one wins",
                        _plugin,
                        name,
                        owners[name],
                    )
                found[name] = obj
                owners[name] = _plugin

            self._call_isolated(impl, plugin_name, hook_name, register=register)
        return found

    def register_commands(self, cli: Any) -> None:
        for impl, plugin_name in self._impls("register_commands"):
            self._call_isolated(impl, plugin_name, "register_commands", cli=cli)

    def process_item(self, item: Any, ctx_for: Callable[[str], Any]) -> tuple[Any | None, list[str]]:
        """Run every ``process_item`` in order. Returns the item (or ``None`` when a plugin
        dropped it) and the errors of plugins that raised (the item goes on unchanged)."""
        errors: list[str] = []
        for impl, plugin_name in self._impls("process_item"):
            try:
                result = self._call(impl, plugin_name, "process_item", item=item, ctx=ctx_for(plugin_name))
            except Exception as exc:
                errors.append(f"plugin {plugin_name!r} failed in process_item: {type(exc).__name__}: {exc}")
                continue
            if result is None:
                return None, errors
            item = result
        return item, errors

    # --- calling ---------------------------------------------------------------------------

    def _impls(self, hook_name: str) -> Iterator[tuple[pluggy.HookImpl, str]]:
        caller = getattr(self.pm.hook, hook_name)
        # pluggy keeps the last registered first; plugins run in registration order
        for impl in reversed(caller.get_hookimpls()):
            yield impl, self.pm.get_name(impl.plugin) or impl.plugin_name

    def _call(self, impl: pluggy.HookImpl, plugin_name: str, hook_name: str, **kwargs: Any) -> Any:
        wanted = {k: v for k, v in kwargs.items() if k in impl.argnames}
        if not _tracing():
            return impl.function(**wanted)
        start = time.perf_counter()
        try:
            return impl.function(**wanted)
        finally:
            ms = (time.perf_counter() - start) * 1000
            print(f"[kzfeed trace] {hook_name} <- {plugin_name} ({ms:.2f} ms)", file=sys.stderr, flush=True)

    def _call_isolated(self, impl: pluggy.HookImpl, plugin_name: str, hook_name: str, **kwargs: Any) -> None:
        try:
            self._call(impl, plugin_name, hook_name, **kwargs)
        except Exception as exc:
            message = f"failed in {hook_name}: {type(exc).__name__}: {exc}; fix or remove the plugin"
            log.error("plugin %r %s", plugin_name, message)
            self.failures.append(LoadedPlugin(name=plugin_name, origin="hook", error=message))


def _tracing() -> bool:
    return os.environ.get(_TRACE_ENV, "") not in ("", "0")


def _hooks_of(pm: pluggy.PluginManager, plugin: object) -> tuple[str, ...]:
    return tuple(sorted(caller.name for caller in pm.get_hookcallers(plugin) or ()))


def make_plugin_host(
    *,
    plugins_dirs: Iterable[Path] = (),
    entry_points: bool = True,
    builtins: bool = True,
    extra: Iterable[tuple[str, object]] = (),
) -> PluginHost:
    """Build a plugin manager with the built-ins, installed plugins and local plugin files.

    A plugin that fails to import or declares a hook that does not exist is recorded in
    ``host.failures`` (with its name and a hint) and skipped; the others load.
    ``extra`` registers ``(name, plugin object)`` pairs, for tests.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    host = PluginHost(pm=pm)

    def add(name: str, plugin: object, origin: str) -> None:
        try:
            pm.register(plugin, name=name)
        except Exception as exc:  # pluggy raises on bad hookimpl signatures
            host.failures.append(
                LoadedPlugin(
                    name=name,
                    origin=origin,
                    error=f"cannot register: {exc}; "
                    "give the hook the arguments of its spec (see docs/plugins.md)",
                )
            )
            return
        # pluggy accepts implementations of hooks nobody specified (a spec may come later);
        # for kzfeed that is a misspelt hook that would silently never run.
        unknown = [
            attr
            for attr in dir(plugin)
            if pm.parse_hookimpl_opts(plugin, attr) is not None
            and getattr(getattr(pm.hook, attr, None), "spec", None) is None
        ]
        if unknown:
            pm.unregister(plugin)
            known = ", ".join(
                sorted(n for n, caller in vars(pm.hook).items() if getattr(caller, "spec", None) is not None)
            )
            host.failures.append(
                LoadedPlugin(
                    name=name,
                    origin=origin,
                    error=f"implements unknown hook {unknown[0]!r} (known hooks: {known}); check the spelling",
                )
            )
            return
        host.loaded.append(LoadedPlugin(name=name, origin=origin, hooks=_hooks_of(pm, plugin)))

    if builtins:
        for modname in DEFAULT_PLUGINS:
            add(modname.rsplit(".", 1)[-1], importlib.import_module(modname), "builtin")

    if entry_points:
        for ep in sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            dist = ep.dist.name if ep.dist else "?"
            try:
                plugin = ep.load()
            except Exception as exc:
                host.failures.append(
                    LoadedPlugin(
                        name=ep.name,
                        origin=f"entry point of {dist}",
                        error=f"cannot import {ep.value}: {type(exc).__name__}: {exc}; "
                        f"reinstall or uninstall {dist}",
                    )
                )
                continue
            add(ep.name, plugin, f"entry point of {dist}")

    for folder in plugins_dirs:
        for name, module_or_error, path in _load_folder(folder):
            if isinstance(module_or_error, str):
                host.failures.append(LoadedPlugin(name=name, origin=f"file {path}", error=module_or_error))
            else:
                add(name, module_or_error, f"file {path}")

    for name, plugin in extra:
        add(name, plugin, "test")
    return host


def _load_folder(folder: Path) -> Iterator[tuple[str, ModuleType | str, Path]]:
    if not folder.exists():
        return
    if not folder.is_dir():
        raise ConfigError(
            f"plugins folder {str(folder)!r} is not a folder; check plugins_dir or --plugins-dir"
        )
    for path in sorted(folder.glob("*.py")):
        if path.name.startswith("_"):
            continue
        name = path.stem
        modname = f"kzfeed_local_plugins.{name}"
        spec = importlib.util.spec_from_file_location(modname, path)
        if spec is None or spec.loader is None:
            yield name, f"cannot import {path}", path
            continue
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            line = ""
            tb = exc.__traceback__
            while tb is not None:
                if tb.tb_frame.f_code.co_filename == str(path):
                    line = f" (line {tb.tb_lineno})"
                tb = tb.tb_next
            yield (
                name,
                f"cannot import {path.name}{line}: {type(exc).__name__}: {exc}; fix the file or move it out",
                path,
            )
            continue
        sys.modules[modname] = module
        yield name, module, path


def describe_hook(name: str) -> str:
    """The signature of a hook spec as written in the docs, e.g. ``process_item(item, ctx)``."""
    spec = getattr(hookspecs, name)
    params = ", ".join(inspect.signature(spec).parameters)
    return f"{name}({params})"
