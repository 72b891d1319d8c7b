from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest

from kzfeed import hookimpl
from kzfeed.plugins import make_plugin_host

REPO = Path(__file__).resolve().parents[1]


def test_builtins_register_the_files_source_and_keywords_classifier() -> None:
    host = make_plugin_host(entry_points=False)
    assert "files" in host.source_types()
    assert "keywords" in host.classifiers()
    names = {p.name: p for p in host.loaded}
    assert names["files"].origin == "builtin"
    assert names["files"].hooks == ("register_sources",)
    assert host.failures == []


def test_plugin_files_in_a_folder_are_loaded(tmp_path: Path) -> None:
    (tmp_path / "mysite.py").write_text(
        textwrap.dedent(
            """
            from kzfeed import hookimpl

            class MySite:
                type_name = "mysite"
                def __init__(self, name, options):
                    self.name = name
                def fetch(self, ctx):
                    return iter(())

            @hookimpl
            def register_sources(register):
                register("mysite", MySite)
            """
        )
    )
    host = make_plugin_host(plugins_dirs=[tmp_path], entry_points=False)
    assert "mysite" in host.source_types()
    (loaded,) = [p for p in host.loaded if p.name == "mysite"]
    assert loaded.origin == f"file {tmp_path / 'mysite.py'}"


def test_shipped_example_plugin_loads() -> None:
    host = make_plugin_host(plugins_dirs=[REPO / "plugins"], entry_points=False)
    assert host.failures == []
    assert any(p.name == "min_words" and p.hooks == ("process_item",) for p in host.loaded)


def test_a_broken_plugin_file_is_reported_by_name_and_others_still_load(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("import kzfeed\nraise RuntimeError('boom')\n")
    (tmp_path / "typo.py").write_text(
        "from kzfeed import hookimpl\n@hookimpl\ndef register_source(register):\n    pass\n"
    )
    host = make_plugin_host(plugins_dirs=[tmp_path], entry_points=False)
    errors = {f.name: f.error for f in host.failures}
    assert "broken.py (line 2): RuntimeError: boom" in errors["broken"]
    assert "unknown hook 'register_source'" in errors["typo"]
    assert "check the spelling" in errors["typo"]
    assert "files" in host.source_types()


def test_installed_plugins_are_found_through_the_entry_point_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pkg = tmp_path / "kzfeed_demo_plugin.py"
    pkg.write_text(
        "from kzfeed import hookimpl\n@hookimpl\ndef register_classifiers(register):\n"
        "    register('demo', lambda options: None)\n"
    )
    dist = tmp_path / "kzfeed_demo_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: kzfeed-demo-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[kzfeed]\ndemo = kzfeed_demo_plugin\n")
    bad = tmp_path / "kzfeed_bad_plugin-1.0.dist-info"
    bad.mkdir()
    (bad / "METADATA").write_text("Metadata-Version: 2.1\nName: kzfeed-bad-plugin\nVersion: 1.0\n")
    (bad / "entry_points.txt").write_text("[kzfeed]\nbad = kzfeed_missing_module\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    host = make_plugin_host()
    assert "demo" in host.classifiers()
    assert any(p.name == "demo" and p.origin == "entry point of kzfeed-demo-plugin" for p in host.loaded)
    (failure,) = [f for f in host.failures if f.name == "bad"]
    assert "cannot import kzfeed_missing_module" in (failure.error or "")
    sys.modules.pop("kzfeed_demo_plugin", None)


class Raiser:
    @hookimpl
    def register_sources(self, register: object) -> None:
        raise RuntimeError("cannot register")

    @hookimpl
    def process_item(self, item: object, ctx: object) -> object:
        raise ValueError("bad item")


class Upper:
    @hookimpl
    def process_item(self, item: SimpleNamespace, ctx: object) -> object:
        return SimpleNamespace(title=item.title.upper())


class Dropper:
    @hookimpl
    def process_item(self, item: object, ctx: object) -> None:
        return None


def test_a_plugin_raising_in_a_hook_is_reported_and_does_not_stop_the_others() -> None:
    host = make_plugin_host(entry_points=False, extra=[("raiser", Raiser()), ("upper", Upper())])
    assert "files" in host.source_types()
    assert any(
        f.name == "raiser" and "RuntimeError: cannot register" in (f.error or "") for f in host.failures
    )
    item, errors = host.process_item(SimpleNamespace(title="abc"), lambda name: None)
    assert item.title == "ABC"
    assert [str(e) for e in errors] == ["plugin 'raiser' failed in process_item: ValueError: bad item"]
    assert isinstance(errors[0].__cause__, ValueError)  # an exception until the CLI prints it


def test_process_item_returning_none_drops_the_item() -> None:
    host = make_plugin_host(entry_points=False, extra=[("dropper", Dropper()), ("upper", Upper())])
    item, errors = host.process_item(SimpleNamespace(title="abc"), lambda name: None)
    assert item is None and errors == []


def test_tracing_prints_each_hook_call(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KZFEED_TRACE_PLUGINS", "1")
    make_plugin_host(entry_points=False).source_types()
    assert "[kzfeed trace] register_sources <- files (" in capsys.readouterr().err
