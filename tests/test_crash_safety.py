"""Runs killed (SIGKILL) or interrupted twice (double SIGINT) at random moments lose nothing:
no source keeps an ETag whose items were not stored, nothing is stored twice or by halves,
public/ is never torn, and the next run brings everything in."""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import pytest
from sqlalchemy import text

from kzfeed.storage import open_store
from kzfeed.testing._httpserver import LocalHTTPServer

KZFEED = [sys.executable, "-c", "from kzfeed.cli import main; main()"]
FEEDS, ITEMS = 6, 8


def feed(n: int, base: str) -> bytes:
    entries = "".join(
        f"<item><title>Kazakhstan and the EU agree on lithium, feed {n} story {i}</title>"
        f"<link>{base}/f{n}/story-{i}.html</link><guid isPermaLink='false'>f{n}-{i}</guid>"
        f"<pubDate>Tue, 10 Jun 2025 0{i % 10}:30:00 GMT</pubDate>"
        f"<description>Astana and Brussels signed a memorandum on critical raw materials, "
        f"lithium and rare earths, in story {i} of feed {n}.</description></item>"
        for i in range(ITEMS)
    )
    rss = f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>F{n}</title>{entries}</channel></rss>"
    return rss.encode()


@pytest.fixture
def site() -> Iterator[LocalHTTPServer]:
    with LocalHTTPServer() as server:
        for n in range(FEEDS):
            server.route(
                f"/f{n}.xml",
                body=feed(n, server.base_url),
                content_type="application/rss+xml",
                headers={"ETag": f'"f{n}-v1"'},
                conditional=True,
                delay=0.5 * n,  # the sources finish one after another
            )
        yield server


def write_project(project: Path, site: LocalHTTPServer) -> None:
    sources = "".join(
        f'[[sources]]\nname = "f{n}"\ntype = "rss"\nurl = "{site.url(f"/f{n}.xml")}"\nfull_content = false\n'
        for n in range(FEEDS)
    )
    (project / "kzfeed.toml").write_text(
        'database = "sqlite:///var/kzfeed.db"\n[fetch]\nworkers = 3\nmin_delay = 0\n'
        f'allow_private = ["127.0.0.1"]\ncontact_url = "mailto:ops@example.org"\n{sources}',
        encoding="utf-8",
    )


def check_consistent(project: Path, site: LocalHTTPServer, items: int = ITEMS) -> int:
    """The invariants after any kill; returns the number of items stored."""
    db = project / "var" / "kzfeed.db"
    if not db.exists():
        return 0
    store = open_store(f"sqlite:///{db}")
    try:
        with store._engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            rows = conn.execute(text("SELECT source, guid FROM items")).all()
            etags = dict(conn.execute(text("SELECT url, etag FROM http_cache WHERE etag IS NOT NULL")).all())
    finally:
        store.close()
    assert len(rows) == len(set(rows)), "an item was stored twice"
    per_source: dict[str, int] = {}
    for source, _ in rows:
        per_source[source] = per_source.get(source, 0) + 1
    assert all(count == items for count in per_source.values()), f"half-stored source: {per_source}"
    for n in range(FEEDS):
        if site.url(f"/f{n}.xml") in etags:
            assert per_source.get(f"f{n}") == items, f"f{n} has its ETag stored but not its items"
    for path in (project / "public").glob("*.*"):
        if path.suffix in (".atom", ".rss", ".xml"):
            ElementTree.fromstring(path.read_bytes())  # a torn file would not parse
    return len(rows)


def stored_items(project: Path) -> int:
    """How many items the run has committed so far (read-only, without disturbing it)."""
    db = project / "var" / "kzfeed.db"
    if not db.exists():
        return 0
    try:
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.05)) as conn:
            return int(conn.execute("SELECT count(*) FROM items").fetchone()[0])
    except sqlite3.Error:  # not created yet, or locked for a moment
        return 0


def interrupted_run(project: Path, site: LocalHTTPServer, after: float, how: str, gap: float = 0.1) -> float:
    """Run, and ``after`` seconds after it committed its first item kill or interrupt it;
    returns how long it had been storing when it ended. The clock starts at the first stored
    item, not at start-up, so that a machine slower to start (under load) still cuts the run
    while it stores."""
    with subprocess.Popen(
        [*KZFEED, "run"], cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as run:
        deadline = time.monotonic() + 60
        while stored_items(project) == 0 and run.poll() is None:  # past start-up: storing
            assert time.monotonic() < deadline, "the run never stored an item"
            time.sleep(0.01)
        first = time.monotonic()
        while time.monotonic() - first < after and run.poll() is None:
            time.sleep(0.01)
        took = time.monotonic() - first
        second = None
        with contextlib.suppress(ProcessLookupError):  # the run may have finished already
            if run.poll() is not None:
                raise ProcessLookupError
            if how == "kill":
                os.kill(run.pid, signal.SIGKILL)
            else:
                os.kill(run.pid, signal.SIGINT)
                time.sleep(gap)  # the second Ctrl-C
                os.kill(run.pid, signal.SIGINT)
                second = time.monotonic()
        _out, err = run.communicate(timeout=60)
    if second is not None:
        assert time.monotonic() - second < 5, "the second Ctrl-C did not abort at once"
        assert "Traceback" not in err, err
    return took


@pytest.mark.slow
@pytest.mark.parametrize("how", ["kill", "sigint"])
def test_runs_killed_at_random_moments_lose_nothing(how: str, project: Path, site: LocalHTTPServer) -> None:
    write_project(project, site)
    rng = random.Random(f"crash-{how}")
    whole = interrupted_run(project, site, 120, how)  # how long a whole first run stores here
    stored_at_kill = []
    for _ in range(4):
        shutil.rmtree(project / "var", ignore_errors=True)  # each time a first run, cut short
        interrupted_run(project, site, rng.uniform(0.0, 0.9) * whole, how, rng.uniform(0.0, 0.3))
        stored_at_kill.append(check_consistent(project, site))
        final = subprocess.run([*KZFEED, "run"], cwd=project, capture_output=True, text=True, timeout=120)
        assert final.returncode == 0, final.stderr
        assert check_consistent(project, site) == FEEDS * ITEMS, final.stdout  # everything arrived, once
        atom = (project / "public" / "feed.atom").read_text(encoding="utf-8")
        assert atom.count("<entry") >= 1
    assert any(0 < n < FEEDS * ITEMS for n in stored_at_kill), f"never cut mid-run: {stored_at_kill}"


ARTICLES = [
    "eu-kazakhstan-lithium-roadmap",
    "trans-caspian-route-investment-2025",
    "erasmus-students-astana-2025",
]


def test_one_ctrl_c_starts_no_new_request_and_loses_nothing(project: Path, site: LocalHTTPServer) -> None:
    """Summary-only feeds whose article pages are fetched one by one: after a Ctrl-C no new
    request starts (not even for the sources being fetched), and the next run brings all."""
    for n in range(FEEDS):
        items = "".join(
            f"<item><title>Story {a} of feed {n}</title><link>{site.url(f'/web/articles/{a}.html?feed={n}')}</link>"
            f"<description>Astana and Brussels, in short.</description></item>"
            for a in ARTICLES
        )
        body = f"<?xml version='1.0'?><rss version='2.0'><channel><title>F{n}</title>{items}</channel></rss>"
        site.route(f"/f{n}.xml", body=body.encode(), content_type="application/rss+xml",
                   headers={"ETag": f'"f{n}-v1"'}, conditional=True, delay=0.1)  # fmt: skip
    for article in ARTICLES:
        site.route(f"/web/articles/{article}.html", file=f"web/articles/{article}.html", delay=0.6)
    write_project(project, site)
    config = project / "kzfeed.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("full_content = false", "full_content = true")
    )
    with subprocess.Popen(
        [*KZFEED, "run"], cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as run:
        deadline = time.monotonic() + 30
        while not any("/web/articles/" in r.path for r in site.requests):
            assert time.monotonic() < deadline, "the run never fetched an article"
            time.sleep(0.01)
        signalled = time.monotonic()
        os.kill(run.pid, signal.SIGINT)
        _out, err = run.communicate(timeout=30)
    assert run.returncode == 0, err
    assert "Traceback" not in err
    # the requests in flight end; none starts once the signal is handled (the margin allows for a
    # main thread busy in C code for a while, when signal handlers wait, on a loaded machine)
    late = [r.path for r in site.requests if r.arrived > signalled + 1.0]
    assert late == [], f"requests started after the Ctrl-C: {late}"
    check_consistent(project, site)
    rerun = subprocess.run([*KZFEED, "run"], cwd=project, capture_output=True, text=True, timeout=60)
    assert rerun.returncode == 0, rerun.stderr
    assert check_consistent(project, site, items=len(ARTICLES)) == FEEDS * len(ARTICLES)
