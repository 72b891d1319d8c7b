"""One test per hook (``test_hook_<name>``), through a real run, and how broken plugins are reported."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from conftest import CliResult
from kzfeed import Item, ItemContext, hookimpl
from kzfeed.plugins import make_plugin_host

STUB_PLUGINS = """
from kzfeed import Classification, RawItem, hookimpl

class Memo:
    type_name = "memo"
    options = {"title": "headline"}
    example_config = {"title": "Kazakhstan and the EU"}
    def __init__(self, name, options):
        self.name, self.title = name, options["title"]
    def fetch(self, ctx):
        yield RawItem(guid="memo-1", title=self.title, text="Lithium from Kazakhstan for Europe.")

class Everything:
    name = "everything"
    def classify(self, document):
        return Classification(relevant=True, relevance=1.0, reason="relevant: everything is", classifier="everything")

@hookimpl
def register_sources(register):
    register("memo", Memo)

@hookimpl
def register_classifiers(register):
    register("everything", lambda options: Everything())
"""


def test_hook_register_sources(kzfeed: Callable[..., CliResult], write_config: Any, project: Path) -> None:
    (project / "plugins").mkdir()
    (project / "plugins" / "memo.py").write_text(STUB_PLUGINS)
    write_config('[[sources]]\nname = "m"\ntype = "memo"\ntitle = "Astana and Brussels"\n')
    assert kzfeed("ingest").stdout.startswith("m: 1 new")
    assert "Astana and Brussels" in kzfeed("items", "--all").stdout


def test_hook_register_classifiers(
    kzfeed: Callable[..., CliResult], write_config: Any, project: Path
) -> None:
    (project / "plugins").mkdir()
    (project / "plugins" / "memo.py").write_text(STUB_PLUGINS)
    write_config(
        '[[sources]]\nname = "m"\ntype = "memo"\ntitle = "A weather report"\n[classifier]\nname = "everything"\n'
    )
    kzfeed("ingest")
    out = kzfeed("items").stdout  # only items in the feeds: the stub classifier lets everything in
    assert "A weather report" in out


def test_hook_process_item(kzfeed: Callable[..., CliResult], write_config: Any, project: Path) -> None:
    (project / "plugins").mkdir()
    (project / "plugins" / "shout.py").write_text(
        "import dataclasses\nfrom kzfeed import hookimpl\n"
        "@hookimpl\ndef process_item(item, ctx):\n"
        "    if 'photo' in item.title.lower():\n        return None\n"
        "    return dataclasses.replace(item, title=ctx.options.get('prefix', '') + item.title)\n"
    )
    write_config('[plugins.shout]\nprefix = "KZ-EU: "\n')
    (project / "seeds" / "photo.txt").write_text(
        "Photo report: Astana\n\nPhotos of the visit of EU ambassadors.\n"
    )
    kzfeed("ingest")
    titles = kzfeed("items", "--all").stdout
    assert "KZ-EU: " in titles
    assert "Photo report" not in titles


def test_hook_register_commands(kzfeed: Callable[..., CliResult], project: Path) -> None:
    (project / "plugins").mkdir()
    (project / "plugins" / "hello.py").write_text(
        "import click\nfrom kzfeed import hookimpl\n"
        "@click.command()\ndef hello():\n    'Say hello.'\n    click.echo('hello from a plugin')\n"
        "@hookimpl\ndef register_commands(cli):\n    cli.add_command(hello)\n"
    )
    assert kzfeed("hello").stdout == "hello from a plugin\n"
    assert "hello" in kzfeed("--help").stdout


class WrongSignature:
    @hookimpl
    def process_item(self, item: Item, context: ItemContext) -> Item:  # the spec says ctx
        return item


def test_a_hook_with_the_wrong_signature_is_reported_with_a_hint_and_others_load() -> None:
    host = make_plugin_host(entry_points=False, extra=[("wrongsig", WrongSignature())])
    (failure,) = host.failures
    assert failure.name == "wrongsig"
    assert "'context'" in (failure.error or "")
    assert "give the hook the arguments of its spec (see docs/plugins.md)" in (failure.error or "")
    assert "files" in host.source_types()


def test_a_source_that_raises_is_reported_by_name_and_the_others_are_stored(
    kzfeed: Callable[..., CliResult], write_config: Any, project: Path
) -> None:
    (project / "plugins").mkdir()
    (project / "plugins" / "boom.py").write_text(
        "from kzfeed import hookimpl\nclass Boom:\n    def __init__(self, name, options):\n        self.name = name\n"
        "    def fetch(self, ctx):\n        raise ZeroDivisionError('plugin bug')\n"
        "@hookimpl\ndef register_sources(register):\n    register('boom', Boom)\n"
    )
    write_config(
        '[[sources]]\nname = "bad"\ntype = "boom"\n[[sources]]\nname = "seeds"\ntype = "files"\npath = "seeds"\n'
    )
    result = kzfeed("ingest")
    assert result.exit_code == 1
    assert "kzfeed: bad: source 'bad' (boom) crashed: ZeroDivisionError: plugin bug\n" in result.stderr
    assert "seeds: 5 new" in result.stdout


def test_tracing_prints_hook_plugin_and_time_for_every_call(
    kzfeed: Callable[..., CliResult], project: Path
) -> None:
    plain = kzfeed("ingest")
    assert "[kzfeed trace]" not in plain.stderr
    traced = kzfeed("ingest", env={"KZFEED_TRACE_PLUGINS": "1"})
    lines = [line for line in traced.stderr.splitlines() if line.startswith("[kzfeed trace]")]
    assert any(line.startswith("[kzfeed trace] register_sources <- files (") for line in lines)
    assert any(line.startswith("[kzfeed trace] register_classifiers <- keywords (") for line in lines)
    assert all(line.endswith(" ms)") for line in lines)
