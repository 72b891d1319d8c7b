"""The plugin host keeps the promises of docs/plugins.md: pluggy's order, deliberate
replacement of a built-in, wrappers refused, registries collected once, contracts checked."""

from __future__ import annotations

import logging
import textwrap
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from conftest import CliResult
from kzfeed import hookimpl
from kzfeed.config import Config, load_config
from kzfeed.default_plugins.rss import RssSource
from kzfeed.errors import PluginError
from kzfeed.pipeline import build_classifier
from kzfeed.plugins import make_plugin_host


class MyRss:
    type_name = "rss"

    def __init__(self, name: str, options: dict[str, Any]) -> None:
        self.name = name

    def fetch(self, ctx: object) -> Any:
        return iter(())


def test_a_plugin_file_registering_a_builtin_type_replaces_it_and_the_warning_names_both(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "myrss.py").write_text(
        textwrap.dedent(
            """
            from kzfeed import hookimpl

            class MyRss:
                def __init__(self, name, options):
                    self.name = name
                def fetch(self, ctx):
                    return iter(())

            @hookimpl
            def register_sources(register):
                register("rss", MyRss)
            """
        )
    )
    host = make_plugin_host(plugins_dirs=[tmp_path], entry_points=False)
    with caplog.at_level(logging.WARNING, logger="kzfeed.plugins"):
        types = host.source_types()
    assert types["rss"].__module__ == "kzfeed_local_plugins.myrss"
    assert types["html"] is not None  # the other built-ins stay
    (warning,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warning.startswith(
        f"source type 'rss': plugin 'myrss' (file {tmp_path / 'myrss.py'}) replaces the one of plugin 'rss' (builtin)"
    )
    assert "replace=True" in warning


class DeliberateRss:
    @hookimpl
    def register_sources(self, register: Any) -> None:
        register("rss", MyRss, replace=True)


def test_replace_true_takes_over_a_builtin_without_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    host = make_plugin_host(entry_points=False, extra=[("deliberate", DeliberateRss())])
    with caplog.at_level(logging.WARNING, logger="kzfeed.plugins"):
        assert host.source_types()["rss"] is MyRss
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert host.failures == []
    assert host.replacements == [
        "source type 'rss': plugin 'deliberate' (test) replaces the one of plugin 'rss' (builtin)"
    ]


class LastResortRss:
    @hookimpl(trylast=True)
    def register_sources(self, register: Any) -> None:
        register("rss", MyRss)


def test_trylast_lets_the_builtin_keep_its_name() -> None:
    host = make_plugin_host(entry_points=False, extra=[("fallback", LastResortRss())])
    assert host.source_types()["rss"] is RssSource


def _appender(tag: str, **opts: bool) -> object:
    class Appender:
        @hookimpl(**opts)
        def process_item(self, item: SimpleNamespace, ctx: object) -> SimpleNamespace:
            return SimpleNamespace(title=item.title + tag)

    return Appender()


def test_process_item_runs_last_loaded_first_and_tryfirst_before_all() -> None:
    host = make_plugin_host(
        builtins=False,
        entry_points=False,
        extra=[("a", _appender("a")), ("b", _appender("b")), ("first", _appender("F", tryfirst=True))],
    )
    item, errors = host.process_item(SimpleNamespace(title=""), lambda name: None)
    assert (item.title, errors) == ("Fba", [])


class Wrapper:
    @hookimpl(wrapper=True)
    def process_item(self, item: object, ctx: object) -> Any:
        return (yield)


class OldWrapper:
    @hookimpl(hookwrapper=True)
    def register_sources(self, register: object) -> Any:
        yield


def test_wrapper_implementations_are_refused_at_load_with_a_hint() -> None:
    host = make_plugin_host(entry_points=False, extra=[("wrap", Wrapper()), ("oldwrap", OldWrapper())])
    errors = {f.name: f.error or "" for f in host.failures}
    assert errors["wrap"].startswith("hook 'process_item' is a wrapper (wrapper=True or hookwrapper=True)")
    assert "use tryfirst=True or trylast=True" in errors["wrap"]
    assert errors["oldwrap"].startswith("hook 'register_sources' is a wrapper")
    assert {p.name for p in host.loaded}.isdisjoint({"wrap", "oldwrap"})
    item, problems = host.process_item(SimpleNamespace(title="kept"), lambda name: None)
    assert item.title == "kept" and problems == []


class CountingRaiser:
    calls = 0

    @hookimpl
    def register_sources(self, register: object) -> None:
        CountingRaiser.calls += 1
        raise RuntimeError("cannot register")


def test_registries_are_collected_once_and_a_failure_recorded_once() -> None:
    CountingRaiser.calls = 0
    host = make_plugin_host(entry_points=False, extra=[("raiser", CountingRaiser())])
    for _ in range(3):
        assert "files" in host.source_types()
    host.classifiers()
    assert CountingRaiser.calls == 1
    assert [f.name for f in host.failures] == ["raiser"]
    assert host.failures[0].origin == "test"


def test_a_plugin_calling_sys_exit_at_import_is_a_failed_plugin(tmp_path: Path) -> None:
    (tmp_path / "quitter.py").write_text("import sys\nsys.exit(3)\n")
    host = make_plugin_host(plugins_dirs=[tmp_path], entry_points=False)
    (failure,) = host.failures
    assert failure.name == "quitter"
    assert (
        failure.error == "cannot import quitter.py (line 2): called sys.exit(3); fix the file or move it out"
    )
    assert "files" in host.source_types()


class ExitInHook:
    @hookimpl
    def register_classifiers(self, register: object) -> None:
        raise SystemExit(1)


def test_a_plugin_calling_sys_exit_in_a_hook_is_a_failed_plugin() -> None:
    host = make_plugin_host(entry_points=False, extra=[("exiter", ExitInHook())])
    assert "keywords" in host.classifiers()
    (failure,) = host.failures
    assert failure.error == "failed in register_classifiers: called sys.exit(1); fix or remove the plugin"


class NotAClass:
    @hookimpl
    def register_sources(self, register: Any) -> None:
        register("broken", MyRss("x", {}))


class NoName:
    @hookimpl
    def register_classifiers(self, register: Any) -> None:
        register("", lambda options: None)


def test_registering_something_that_breaks_the_contract_is_a_plugin_error() -> None:
    host = make_plugin_host(entry_points=False, extra=[("notaclass", NotAClass()), ("noname", NoName())])
    assert "broken" not in host.source_types()
    host.classifiers()
    errors = {f.name: f.error or "" for f in host.failures}
    assert errors["notaclass"].startswith("failed in register_sources: PluginError: plugin 'notaclass': ")
    assert "registers source type 'broken' as <" in errors["notaclass"]
    assert "which is not a class with a fetch(ctx) method" in errors["notaclass"]
    assert "the name must be a non-empty string" in errors["noname"]


class Stringly:
    @hookimpl
    def process_item(self, item: object, ctx: object) -> str:
        return "not an item"


def test_process_item_returning_something_else_than_an_item_is_reported_and_ignored() -> None:
    host = make_plugin_host(
        builtins=False, entry_points=False, extra=[("upper", _appender("!")), ("stringly", Stringly())]
    )
    item, errors = host.process_item(SimpleNamespace(title="abc"), lambda name: None)
    assert item.title == "abc!"
    assert [str(e) for e in errors] == [
        "plugin 'stringly': process_item returned str, not the SimpleNamespace it was given or None; "
        "the item goes on unchanged"
    ]


class NoClassify:
    @hookimpl
    def register_classifiers(self, register: Any) -> None:
        register("hollow", lambda options: object())
        register("crashing", lambda options: 1 / 0)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "hollow",
            "plugin 'hollow-plugin': the factory of classifier 'hollow' returned object, which has no",
        ),
        ("crashing", "plugin 'hollow-plugin': classifier 'crashing' cannot be built: ZeroDivisionError"),
    ],
)
def test_a_classifier_factory_breaking_its_contract_raises_plugin_error(
    tmp_path: Path, name: str, message: str
) -> None:
    (tmp_path / "kzfeed.toml").write_text(f'[classifier]\nname = "{name}"\n')
    config: Config = load_config(tmp_path / "kzfeed.toml")
    host = make_plugin_host(entry_points=False, extra=[("hollow-plugin", NoClassify())])
    with pytest.raises(PluginError) as info:
        build_classifier(config, host)
    assert str(info.value).startswith(message)
    assert (info.value.__cause__ is not None) == (name == "crashing")


def test_kzfeed_plugins_lists_a_replaced_builtin(kzfeed: Callable[..., CliResult], project: Path) -> None:
    (project / "plugins").mkdir()
    (project / "plugins" / "myrss.py").write_text(
        "from kzfeed import hookimpl\nclass MyRss:\n    def __init__(self, name, options):\n"
        "        self.name = name\n    def fetch(self, ctx):\n        return iter(())\n"
        "@hookimpl\ndef register_sources(register):\n    register('rss', MyRss, replace=True)\n"
    )
    out = kzfeed("plugins").stdout
    assert f"replaced: source type 'rss': plugin 'myrss' (file {project / 'plugins' / 'myrss.py'})" in out
    assert "FAILED" not in out
