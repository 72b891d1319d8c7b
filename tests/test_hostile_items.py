"""What sources yield can be wrong in every way: one source's bad data is that source's
problem, stated once, and the other sources are stored and the feeds written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import CliResult
from feedcheck import parse_feed
from kzfeed.config._load import load_config
from kzfeed.storage import open_store

Kz = Callable[..., CliResult]
SEEDS_SOURCE = '[[sources]]\nname = "seeds"\ntype = "files"\npath = "seeds"\n'


def plugin_source(project: Path, type_name: str, body: str) -> None:
    """A plugin file providing source type ``type_name`` whose ``fetch`` is ``body``."""
    plugins = project / "plugins"
    plugins.mkdir(exist_ok=True)
    lines = "\n".join("        " + line for line in body.strip().splitlines())
    (plugins / f"{type_name}.py").write_text(
        "from kzfeed import hookimpl, RawItem\n"
        f"class Source:\n    type_name = {type_name!r}\n"
        "    def __init__(self, name, options):\n        self.name = name\n"
        f"    def fetch(self, ctx):\n{lines}\n"
        "@hookimpl\ndef register_sources(register):\n"
        f"    register({type_name!r}, Source)\n",
        encoding="utf-8",
    )


def test_two_entries_with_one_guid_and_different_links_keep_the_first(
    kzfeed: Kz, project: Path, write_config: Callable[[str], Path]
) -> None:
    plugin_source(
        project,
        "dupes",
        """
text = 'Astana and Brussels agreed on lithium and rare earths for the raw materials deal.'
yield RawItem(guid='g1', title='Kazakhstan and the EU sign a lithium deal', text=text,
              url='https://news.example.org/a')
yield RawItem(guid='g1', title='Kazakhstan and the EU sign a lithium deal (moved)', text=text,
              url='https://news.example.org/b')
yield RawItem(guid='g1', title='A third copy', text=text, url='https://news.example.org/c')
yield RawItem(guid='g2', title='Kazakhstan and the EU on critical raw materials', text=text + ' More.',
              url='https://news.example.org/d')
""",
    )
    write_config('[[sources]]\nname = "dupes"\ntype = "dupes"\n' + SEEDS_SOURCE)
    for _ in range(2):  # and again: the second run neither crashes nor stores anything twice
        result = kzfeed("run", "--all")
        assert result.exit_code == 0, result.stdout + result.stderr
        assert "Traceback" not in result.stderr and "IntegrityError" not in result.stdout + result.stderr
        said = result.stdout + result.stderr
        warning = "2 entries repeat the id (guid) of an earlier or stored one with another link, e.g. 'g1'"
        assert said.count(warning) == 1, said
    store = open_store(load_config(None).database)
    stored = {i.guid: i for i in store.items(relevant=None, source="dupes")}
    assert set(stored) == {"g1", "g2"}
    assert stored["g1"].url == "https://news.example.org/a"  # the first one
    assert len(store.items(relevant=None, source="seeds")) == 5
    store.close()
    assert parse_feed((project / "public" / "feed.atom").read_bytes()).entries


def test_a_source_yielding_something_else_than_a_raw_item_fails_alone(
    kzfeed: Kz, project: Path, write_config: Callable[[str], Path]
) -> None:
    plugin_source(
        project,
        "sloppy",
        """
yield RawItem(guid='1', title='Kazakhstan and the EU on lithium', text='Astana and Brussels.')
yield {'guid': '2', 'title': 'a dict, not a RawItem'}
""",
    )
    write_config('[[sources]]\nname = "sloppy"\ntype = "sloppy"\n' + SEEDS_SOURCE)
    result = kzfeed("run")
    assert result.exit_code == 1  # a failed source, not a crash
    assert "Traceback" not in result.stderr
    assert "kzfeed: sloppy: source 'sloppy': yielded dict {'guid': '2'" in result.stderr
    assert "not a RawItem; fix the plugin that provides type 'sloppy'" in result.stderr
    assert "seeds: 5 new" in result.stdout
    assert (project / "public" / "feed.atom").is_file()


def test_a_source_yielding_an_article_without_a_guid_fails_alone_saying_how_to_give_one(
    kzfeed: Kz, project: Path, write_config: Callable[[str], Path]
) -> None:
    # readers return articles without a guid: a plugin that forgets article.with_guid(...)
    # would otherwise store every article under one id
    plugin_source(
        project,
        "guidless",
        """
from kzfeed.articles import clean_text_article
yield clean_text_article('Kazakhstan and the EU sign a lithium deal\\n\\nAstana and Brussels agreed.')
""",
    )
    write_config('[[sources]]\nname = "guidless"\ntype = "guidless"\n' + SEEDS_SOURCE)
    result = kzfeed("run")
    assert result.exit_code == 1  # a failed source, not a crash
    assert "Traceback" not in result.stderr
    assert (
        "yielded item number 1 ('Kazakhstan and the EU sign a lithium deal') without a guid" in result.stderr
    )
    assert "article.with_guid(...)" in result.stderr
    assert "seeds: 5 new" in result.stdout


def test_an_entry_whose_link_changes_under_the_same_guid_keeps_the_stored_one(
    kzfeed: Kz, project: Path, write_config: Callable[[str], Path]
) -> None:
    text = "Astana and Brussels agreed on lithium and rare earths for the raw materials deal."
    for link in ("https://news.example.org/a", "https://news.example.org/a-moved"):
        plugin_source(
            project,
            "moving",
            f"yield RawItem(guid='g1', title='Kazakhstan and the EU sign a lithium deal', text={text!r}, "
            f"url={link!r})",
        )
        write_config('[[sources]]\nname = "moving"\ntype = "moving"\n' + SEEDS_SOURCE)
        result = kzfeed("run", "--all")
        assert result.exit_code == 0, result.stdout + result.stderr
        assert "Traceback" not in result.stderr
    assert "moving: 0 new, 0 updated, 1 unchanged" in result.stdout
    assert "1 entry repeats the id (guid) of an earlier or stored one with another link, e.g. 'g1'" in (
        result.stderr
    )
    store = open_store(load_config(None).database)
    (stored,) = store.items(relevant=None, source="moving")
    assert stored.url == "https://news.example.org/a"
    store.close()
