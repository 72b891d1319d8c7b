"""A source's items are prepared (normalised, classified, ``process_item``) while its fetch goes
on, so that the main process works while the extraction processes extract the next pages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import CliResult
from kzfeed.config._load import load_config
from kzfeed.storage import open_store

Kz = Callable[..., CliResult]

_PLUGIN = """
import threading
from kzfeed import hookimpl, RawItem

first_prepared = threading.Event()
TEXT = 'Astana and Brussels signed a roadmap on critical raw materials and lithium on Monday.'

class Slow:
    type_name = 'slow'

    def __init__(self, name, options):
        self.name = name

    def fetch(self, ctx):
        yield RawItem(guid='1', title='Kazakhstan and the EU on lithium', text=TEXT)
        # the next page takes a while: by then the first item has been prepared
        ready = first_prepared.wait(5)
        title = 'prepared while the source went on' if ready else 'prepared only after the source ended'
        yield RawItem(guid='2', title=title, text=TEXT + ' A second report.')

@hookimpl
def register_sources(register):
    register('slow', Slow)

@hookimpl
def process_item(item, ctx):
    if item.guid == '1':
        first_prepared.set()
    return item
"""


def test_items_are_prepared_while_their_source_is_still_fetched(kzfeed: Kz, project: Path) -> None:
    (project / "plugins").mkdir()
    (project / "plugins" / "slow.py").write_text(_PLUGIN, encoding="utf-8")
    (project / "kzfeed.toml").write_text('[[sources]]\nname = "slow"\ntype = "slow"\n', encoding="utf-8")
    result = kzfeed("run")
    assert result.exit_code == 0, result.stderr
    assert "slow: 2 new" in result.stdout
    store = open_store(load_config(None).database)
    titles = {i.guid: i.title for i in store.items(relevant=None)}
    store.close()
    assert titles["2"] == "prepared while the source went on"
