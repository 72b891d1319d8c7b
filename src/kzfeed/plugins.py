"""Making the plugin manager, and calling hooks so that one broken plugin cannot stop a run.

Plugins are loaded from three places, in this order: the built-ins in ``kzfeed.default_plugins``,
installed packages that declare an entry point in the ``kzfeed`` group (by entry point name),
and ``*.py`` files in the plugins folders (``plugins/`` by default, or ``--plugins-dir``; by
file name).

Hooks are called in pluggy's order: implementations marked ``tryfirst=True``, then the others
from the last loaded to the first (so local files before installed plugins before built-ins),
then those marked ``trylast=True``. When two plugins register the same source type or
classifier name, the one called first keeps it: a plugin replaces a built-in by registering
its name (``register("rss", MyRss, replace=True)`` says it is deliberate and silences the
warning). ``wrapper=True``/``hookwrapper=True`` implementations are refused at load.
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
from kzfeed.errors import ConfigError, PluginError

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


# what each registry holds, for messages and for the check of what a plugin registers
_REGISTRIES = {
    "register_sources": ("source type", "a class with a fetch(ctx) method"),
    "register_classifiers": ("classifier", "a factory: a callable taking the options table"),
}


@dataclass(slots=True)
class PluginHost:
    """The pluggy manager plus what was loaded and what failed to load.

    Hooks are called in pluggy's order (see :func:`call_order`); each plugin's call is
    isolated, so one that raises is recorded in ``failures`` (once) and the others go on.
    """

    pm: pluggy.PluginManager
    loaded: list[LoadedPlugin] = field(default_factory=list)
    failures: list[LoadedPlugin] = field(default_factory=list)
    #: "source type 'rss': plugin 'x' replaces ..." for each name a plugin took over
    replacements: list[str] = field(default_factory=list)
    _registries: dict[str, dict[str, Any]] = field(default_factory=dict)
    _providers: dict[str, dict[str, str]] = field(default_factory=dict)

    # --- registries filled by the register_* hooks, collected once ------------------------

    def source_types(self) -> dict[str, type[Any]]:
        """``{type_name: SourceClass}`` from every plugin's ``register_sources``."""
        return dict(self._registry("register_sources"))

    def classifiers(self) -> dict[str, Callable[[Mapping[str, Any]], Any]]:
        """``{name: factory}`` from every plugin's ``register_classifiers``."""
        return dict(self._registry("register_classifiers"))

    def _registry(self, hook_name: str) -> dict[str, Any]:
        if hook_name not in self._registries:
            self._registries[hook_name] = self._collect(hook_name)
        return self._registries[hook_name]

    def provider_of(self, hook_name: str, name: str) -> str:
        """The plugin whose ``hook_name`` registered ``name`` (e.g. the classifier "keywords")."""
        self._registry(hook_name)
        return self._providers[hook_name].get(name, "unknown")

    def _collect(self, hook_name: str) -> dict[str, Any]:
        """Call ``hook_name`` on every plugin in pluggy's order; the first plugin to register a
        name keeps it, so a plugin loaded after the built-ins replaces theirs."""
        kind, wanted = _REGISTRIES[hook_name]
        found: dict[str, Any] = {}
        owners: dict[str, tuple[str, bool]] = {}

        for impl, plugin_name in self._impls(hook_name):

            def register(
                name: str, obj: Any, /, *, replace: bool = False, _plugin: str = plugin_name
            ) -> None:
                _check_registration(_plugin, kind, wanted, name, obj)
                if name not in owners or owners[name][0] == _plugin:
                    found[name], owners[name] = obj, (_plugin, replace)
                    return
                self._replaced(kind, name, winner=owners[name], loser=_plugin)

            self._call_isolated(impl, plugin_name, hook_name, register=register)
        self._providers[hook_name] = {name: owner for name, (owner, _) in owners.items()}
        return found

    def _replaced(self, kind: str, name: str, *, winner: tuple[str, bool], loser: str) -> None:
        plugin, deliberate = winner
        message = (
            f"{kind} {name!r}: plugin {plugin!r} ({self.origin_of(plugin)}) replaces the one of "
            f"plugin {loser!r} ({self.origin_of(loser)})"
        )
        self.replacements.append(message)
        if deliberate:
            log.info("%s", message)
        else:
            log.warning("%s; if that is deliberate, register it with replace=True", message)

    def origin_of(self, plugin_name: str) -> str:
        """Where a loaded plugin came from ("builtin", "file ...", ...)."""
        return next((p.origin for p in self.loaded if p.name == plugin_name), "unknown")

    def register_commands(self, cli: Any) -> None:
        for impl, plugin_name in self._impls("register_commands"):
            self._call_isolated(impl, plugin_name, "register_commands", cli=cli)

    def process_item(self, item: Any, ctx_for: Callable[[str], Any]) -> tuple[Any | None, list[PluginError]]:
        """Run every ``process_item`` in pluggy's order, each getting what the previous one
        returned. Returns the item (or ``None`` when a plugin dropped it) and the errors of
        plugins that raised or returned something else than an item (the item goes on
        unchanged), as ``PluginError`` exceptions (``__cause__``: what the plugin raised)."""
        errors: list[PluginError] = []
        for impl, plugin_name in self._impls("process_item"):
            try:
                result = self._call(impl, plugin_name, "process_item", item=item, ctx=ctx_for(plugin_name))
            except (Exception, SystemExit) as exc:
                failed = PluginError(plugin_name, _describe(exc), hook="process_item")
                failed.__cause__ = exc
                errors.append(failed)
                continue
            if result is None:
                return None, errors
            if not isinstance(result, type(item)):
                error = PluginError(
                    plugin_name,
                    f"process_item returned {type(result).__name__}, not the {type(item).__name__} "
                    "it was given or None; the item goes on unchanged",
                )
                errors.append(error)
                continue
            item = result
        return item, errors

    # --- calling ---------------------------------------------------------------------------

    def _impls(self, hook_name: str) -> Iterator[tuple[pluggy.HookImpl, str]]:
        caller = getattr(self.pm.hook, hook_name)
        for impl in call_order(caller.get_hookimpls()):
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
        except (Exception, SystemExit) as exc:
            message = f"failed in {hook_name}: {_describe(exc)}; fix or remove the plugin"
            self._record_failure(
                LoadedPlugin(name=plugin_name, origin=self.origin_of(plugin_name), error=message)
            )

    def _record_failure(self, failure: LoadedPlugin) -> None:
        """Keep ``failure`` (once: the same plugin failing the same way is not repeated)."""
        if any(f.name == failure.name and f.error == failure.error for f in self.failures):
            return
        log.error("plugin %r %s", failure.name, failure.error)
        self.failures.append(failure)


def call_order(impls: Iterable[pluggy.HookImpl]) -> list[pluggy.HookImpl]:
    """The implementations of one hook in the order pluggy calls them: ``tryfirst`` ones,
    then the others from the last registered to the first, then ``trylast`` ones."""
    return list(reversed(list(impls)))


def _check_registration(plugin: str, kind: str, wanted: str, name: object, obj: object) -> None:
    """Raise ``PluginError`` when a ``register(name, obj)`` call breaks the hook's contract."""
    if not isinstance(name, str) or not name.strip():
        raise PluginError(plugin, f"registers a {kind} under {name!r}; the name must be a non-empty string")
    ok = (
        inspect.isclass(obj) and callable(getattr(obj, "fetch", None))
        if kind == "source type"
        else callable(obj)
    )
    if not ok:
        raise PluginError(plugin, f"registers {kind} {name!r} as {obj!r}, which is not {wanted}")


def _describe(exc: BaseException) -> str:
    if isinstance(exc, SystemExit):
        return f"called sys.exit({exc.code!r})"
    return f"{type(exc).__name__}: {exc}"


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
    if builtins:
        for modname in DEFAULT_PLUGINS:
            _register(host, modname.rsplit(".", 1)[-1], importlib.import_module(modname), "builtin")
    if entry_points:
        for name, plugin, origin in _entry_point_plugins(host):
            _register(host, name, plugin, origin)
    for folder in plugins_dirs:
        for name, module_or_error, path in _load_folder(folder):
            if isinstance(module_or_error, str):
                host.failures.append(LoadedPlugin(name=name, origin=f"file {path}", error=module_or_error))
            else:
                _register(host, name, module_or_error, f"file {path}")
    for name, plugin in extra:
        _register(host, name, plugin, "test")
    return host


def _register(host: PluginHost, name: str, plugin: object, origin: str) -> None:
    """Register one plugin, or record why it was refused (a bad hook signature, a hook that
    does not exist, a wrapper) in ``host.failures``."""
    pm = host.pm
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
    refused = _unknown_hook(pm, plugin) or _wrapper_hook(pm, plugin)
    if refused:
        pm.unregister(plugin)
        host.failures.append(LoadedPlugin(name=name, origin=origin, error=refused))
        return
    host.loaded.append(LoadedPlugin(name=name, origin=origin, hooks=_hooks_of(pm, plugin)))


def _entry_point_plugins(host: PluginHost) -> Iterator[tuple[str, object, str]]:
    """The installed plugins ``(name, plugin, origin)``, by name; one that fails to import is
    recorded in ``host.failures``."""
    for ep in sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        dist = ep.dist.name if ep.dist else "?"
        try:
            plugin = ep.load()
        except (Exception, SystemExit) as exc:
            host.failures.append(
                LoadedPlugin(
                    name=ep.name,
                    origin=f"entry point of {dist}",
                    error=f"cannot import {ep.value}: {_describe(exc)}; reinstall or uninstall {dist}",
                )
            )
            continue
        yield ep.name, plugin, f"entry point of {dist}"


def _unknown_hook(pm: pluggy.PluginManager, plugin: object) -> str | None:
    """pluggy accepts implementations of hooks nobody specified (a spec may come later); for
    kzfeed that is a misspelt hook that would silently never run."""
    unknown = [
        attr
        for attr in dir(plugin)
        if pm.parse_hookimpl_opts(plugin, attr) is not None
        and getattr(getattr(pm.hook, attr, None), "spec", None) is None
    ]
    if not unknown:
        return None
    known = ", ".join(
        sorted(n for n, caller in vars(pm.hook).items() if getattr(caller, "spec", None) is not None)
    )
    return f"implements unknown hook {unknown[0]!r} (known hooks: {known}); check the spelling"


def _wrapper_hook(pm: pluggy.PluginManager, plugin: object) -> str | None:
    """kzfeed calls each implementation itself (to isolate one plugin's failure from the
    others), so a wrapper would never wrap anything: refuse it instead of ignoring it."""
    for caller in pm.get_hookcallers(plugin) or ():
        for impl in caller.get_hookimpls():
            if impl.plugin is plugin and (impl.wrapper or impl.hookwrapper):
                return (
                    f"hook {caller.name!r} is a wrapper (wrapper=True or hookwrapper=True), which kzfeed "
                    "does not run; drop the option, and use tryfirst=True or trylast=True to choose "
                    "when it runs"
                )
    return None


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
        except (Exception, SystemExit) as exc:  # a plugin's sys.exit() must not end kzfeed
            line = ""
            tb = exc.__traceback__
            while tb is not None:
                if tb.tb_frame.f_code.co_filename == str(path):
                    line = f" (line {tb.tb_lineno})"
                tb = tb.tb_next
            yield (
                name,
                f"cannot import {path.name}{line}: {_describe(exc)}; fix the file or move it out",
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
