"""A run where most sources answer 304: their health rows and run records are written in
batches, and none of them is lost."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import CliResult
from kzfeed.config._load import load_config
from kzfeed.models import SourceState
from kzfeed.storage import open_store
from kzfeed.testing._httpserver import LocalHTTPServer

Kz = Callable[..., CliResult]
Write = Callable[[str], Path]

FEEDS = 60  # more than one batch of quiet sources (50)

FEED = (
    "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Outlet {n}</title>"
    "<link>http://example.test/</link><description>d</description><language>en</language>"
    "<item><title>EU and Kazakhstan sign a lithium memorandum, outlet {n}</title><guid>g-{n}</guid>"
    "<link>http://example.test/{n}</link><description>{text}</description></item></channel></rss>"
)
TEXT = " ".join(["Kazakhstan and the European Union agreed on critical raw materials and lithium."] * 8)


def test_every_unchanged_source_keeps_its_health_and_run_record(
    kzfeed: Kz, write_config: Write, http_server: LocalHTTPServer
) -> None:
    sources = ""
    for n in range(FEEDS):
        http_server.route(
            f"/feeds/{n}.xml",
            body=FEED.format(n=n, text=TEXT).encode(),
            headers={"ETag": f'"v{n}"'},
            conditional=True,
            content_type="application/rss+xml",
        )
        sources += (
            f'[[sources]]\nname = "s{n:02d}"\ntype = "rss"\nurl = "{http_server.url(f"/feeds/{n}.xml")}"\n'
        )
    http_server.route("/feeds/broken.xml", status=500)
    sources += f'[[sources]]\nname = "broken"\ntype = "rss"\nurl = "{http_server.url("/feeds/broken.xml")}"\n'
    write_config(
        '[fetch]\nexempt_loopback = true\nallow_private = ["127.0.0.1"]\ncontact_url = "mailto:ops@example.org"\n'
        + sources
    )

    first = kzfeed("run")
    assert first.exit_code == 1 and "broken" in first.stderr
    assert all(s.items_last_run == 1 for n, s in states().items() if n != "broken")
    second = kzfeed("run", "--all")  # every source now: the feeds answer 304, "broken" backs off
    assert second.stdout.count("not modified since the last run") == FEEDS, second.stdout

    now = states()
    # every health row was written by the second run: no items this time, 304 stored
    assert all(
        now[f"s{n:02d}"].items_last_run == 0 and now[f"s{n:02d}"].last_status == 304 for n in range(FEEDS)
    )
    assert now["broken"].consecutive_failures == 1  # backing off: not tried again
    store = open_store(load_config(None).database)
    try:
        run = store.last_runs(limit=1)[0]
    finally:
        store.close()
    statuses = {r.source: r.status for r in run.sources}
    assert len(statuses) == FEEDS + 1
    assert {statuses[f"s{n:02d}"] for n in range(FEEDS)} == {"not_modified"}
    assert statuses["broken"] == "skipped"


def states() -> dict[str, SourceState]:
    store = open_store(load_config(None).database)
    try:
        return {s.name: s for s in store.source_states()}
    finally:
        store.close()
