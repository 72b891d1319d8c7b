"""`kzfeed sources`: the health table, OPML import into the config file and OPML export."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from conftest import CliResult
from kzfeed.http import CacheEntry
from kzfeed.publish._opml import read_opml
from kzfeed.storage import open_store

Kz = Callable[..., CliResult]
OPML = Path(__file__).parent / "data" / "http" / "web" / "feeds" / "subscriptions.opml"
FEEDS = ["https://astanatimes.com/feed/", "https://www.eureporter.co/feed/", "https://en.inform.kz/rss/"]


def test_opml_round_trip_keeps_the_rest_of_the_config(kzfeed: Kz, project: Path) -> None:
    config = project / "kzfeed.toml"
    config.write_text(
        '# my feeds\ntitle = "My beat"  # keep me\n\n[fetch]\nmin_delay = 2.0\n', encoding="utf-8"
    )
    result = kzfeed("sources", "import", str(OPML))
    assert result.exit_code == 0, result.stderr
    assert "3 feed(s) added" in result.stdout
    text = config.read_text(encoding="utf-8")
    assert text.startswith('# my feeds\ntitle = "My beat"  # keep me\n')
    data = tomllib.loads(text)
    assert [(s["name"], s["type"]) for s in data["sources"]] == [
        ("seeds", "files"),  # the built-in source the file used so far stays
        ("the-astana-times", "rss"),
        ("eu-reporter", "rss"),
        ("kazinform-english", "rss"),
    ]
    assert data["fetch"] == {"min_delay": 2.0}
    again = kzfeed("sources", "import", str(OPML))
    assert "0 feed(s) added" in again.stdout and again.stdout.count("already there") == 3
    exported = kzfeed("sources", "export")
    assert exported.exit_code == 0
    out = project / "out.opml"
    out.write_text(exported.stdout, encoding="utf-8")
    subs = read_opml(out)
    assert [s.url for s in subs] == FEEDS
    assert [s.title for s in subs] == ["The Astana Times", "EU Reporter", "Kazinform (English)"]
    assert '<opml version="2.0">' in exported.stdout


def test_importing_something_that_is_not_opml_is_a_usage_error(kzfeed: Kz, project: Path) -> None:
    bad = project / "feeds.opml"
    bad.write_text("<html><body>no</body></html>", encoding="utf-8")
    result = kzfeed("sources", "import", str(bad))
    assert result.exit_code == 2
    assert "is not an OPML file" in result.stderr
    assert not (project / "kzfeed.toml").exists()


def test_health_table_lists_configured_sources_before_and_after_a_run(kzfeed: Kz) -> None:
    before = kzfeed("sources").stdout.splitlines()
    assert before[0].split()[:4] == ["NAME", "TYPE", "STATE", "HTTP"]
    assert before[1].split()[:3] == ["seeds", "files", "new"]
    assert kzfeed("run").exit_code == 0
    row = kzfeed("sources").stdout.splitlines()[1].split()
    assert row[:5] == ["seeds", "files", "ok", "-", "5"]


def test_http_validators_are_stored_and_an_unchanged_entry_is_not_rewritten(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    store = open_store(url)
    cache = store.http_cache()
    assert cache.load("https://example.org/feed") is None
    until = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    cache.save("https://example.org/feed", CacheEntry(etag='"a"', retry_after=until, last_status=429))
    store.close()
    store = open_store(url)
    cache = store.http_cache()
    entry = cache.load("https://example.org/feed")
    assert entry == CacheEntry(etag='"a"', retry_after=until, last_status=429)
    with store._engine.begin() as conn:  # a write would put this row back to "a"
        conn.exec_driver_sql("UPDATE http_cache SET etag = 'sentinel'")
    cache.save("https://example.org/feed", entry)
    assert store.http_cache().load("https://example.org/feed").etag == "sentinel"  # type: ignore[union-attr]
    store.close()
