"""Whether this tree's first ``kzfeed run`` stores and writes what another commit's does, on the
feeds of ``bench_reader.py``: every stored row (items, topics, entities, stories, story signals,
sources, the run's lines, HTTP validators), the full-text index's entries and what a search
finds in it, and every file of ``public/``, byte for byte.

    .venv/bin/python benchmarks/same_run.py --baseline COMMIT [--feeds 200] [--items 10]

Each tree runs ``kzfeed run --all`` once in a fresh folder, with the clock frozen, string
hashing seeded and one fetching thread (so that sources are stored in the same order: with
eight, which story a report starts depends on which feed answers first). Columns that hold the
time of the fetch as the server and the machine saw it (durations, expiry of validators) and
the run's own record are left out. Exit status 1 when anything differs. With
``--ignore-signals-version``, the version of the story signals (a digest of
``kzfeed/stories/_signals.py``, which changes with any edit of it) is left out too: the signals
themselves are still compared.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from baseline_tree import baseline_tree
from bench_reader import ROOT, kzfeed_config, serve

CHILD = r"""
from datetime import UTC, datetime
import kzfeed.clock as clock
import kzfeed.pipeline._run as run
FIXED = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
clock.now = run._now = lambda: FIXED
from kzfeed.cli import main
main(["run", "--all", "-q"])
"""
#: tables of the run's own record and of timing
#: and of what a render keeps to count each feed's stories (checkpoints worked out from ``stories``,
#: which is compared)
SKIP_TABLES = {
    "runs",
    "renders",
    "render_state",
    "workers",
    "alembic_version",
    "story_counts",
    "story_count_changes",
}
SKIP_COLUMNS = {
    "run_id",
    "duration_ms",
    "expires",
    "retry_after",
    "error_at",
    "last_attempt",
    "last_ok",
    "next_due",
    "due_at",
    "lease_expires",
}


def stored(folder: Path, skip: frozenset[tuple[str, str]] = frozenset()) -> dict[str, list[str]]:
    """Every row of the database's tables, and the full-text index's entries and searches,
    without the (table, column) pairs of ``skip``."""
    db = sqlite3.connect(folder / "kzfeed.db")
    rows = {}
    for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
        if table in SKIP_TABLES or table.startswith("sqlite_") or "fts" in table:
            continue
        columns = [
            c[1]
            for c in db.execute(f"PRAGMA table_info({table})")
            if c[1] not in SKIP_COLUMNS and (table, c[1]) not in skip
        ]
        rows[table] = sorted(map(repr, db.execute(f"SELECT {', '.join(columns)} FROM {table}")))
    rows.update(full_text(db))
    db.close()
    return rows


#: words searched in the full-text index (``kzfeed search``'s query and order), in each language
SEARCHED = (
    "Kazakhstan",
    "EU",
    "lithium",
    "Astana",
    "Europe",
    "énergie",
    "Zusammenarbeit",
    "Казахстан",
    "Қазақстан",
)


def full_text(db: sqlite3.Connection) -> dict[str, list[str]]:
    """The full-text index as a search sees it: each entry (its rowid, the item's key, id, title
    and text), and the best twenty items of a search for each of ``SEARCHED`` with their snippets."""
    found = {
        "items_fts_keys": sorted(map(repr, db.execute("SELECT fts_rowid, item_id FROM items_fts_keys"))),
        "items_fts": sorted(map(repr, db.execute("SELECT rowid, item_id, title, body FROM items_fts"))),
    }
    for word in SEARCHED:
        hits = db.execute(
            "SELECT item_id, snippet(items_fts, 2, '[', ']', '…', 16) FROM items_fts WHERE items_fts MATCH ? "
            "ORDER BY bm25(items_fts, 0.0, 5.0, 1.0), item_id LIMIT 20",
            (f'"{word}"*',),
        )
        found[f"search {word}"] = list(map(repr, hits))
    return found


def written(folder: Path) -> dict[str, str]:
    public = folder / "public"
    return {
        str(p.relative_to(public)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(public.rglob("*"))
        if p.is_file()
    }


def first_run(
    src: Path, urls: list[str], skip: frozenset[tuple[str, str]]
) -> tuple[dict[str, list[str]], dict[str, str]]:
    with tempfile.TemporaryDirectory(prefix="kzfeed-same-") as tmp:
        folder = Path(tmp)
        kzfeed_config(folder, urls)
        config = folder / "kzfeed.toml"
        config.write_text(config.read_text().replace("[fetch]\n", "[fetch]\nworkers = 1\n"))
        env = {k: v for k, v in os.environ.items() if k != "KZFEED_CONFIG"}
        env.update(PYTHONPATH=str(src), PYTHONHASHSEED="0")
        subprocess.run([sys.executable, "-c", CHILD], cwd=folder, env=env, check=True)
        return stored(folder, skip), written(folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", required=True, help="the commit to compare with")
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=10)
    parser.add_argument(
        "--ignore-signals-version", action="store_true", help="leave out story_signals.version"
    )
    args = parser.parse_args()
    skip = frozenset({("story_signals", "version")} if args.ignore_signals_version else ())
    with (
        tempfile.TemporaryDirectory(prefix="kzfeed-base-") as base,
        baseline_tree(args.baseline, Path(base) / "tree") as tree,
        serve(args.feeds, args.items) as sites,
    ):
        urls = [f"{sites.base_url(n)}/feed.xml" for n in range(args.feeds)]
        before_rows, before_files = first_run(tree / "src", urls, skip)
        after_rows, after_files = first_run(ROOT / "src", urls, skip)
    same = True
    for table in sorted(before_rows.keys() | after_rows.keys()):
        a, b = before_rows.get(table, []), after_rows.get(table, [])
        same &= a == b
        print(f"{table:<16} {len(a):>7} rows before, {len(b):>7} after: {'same' if a == b else 'DIFFERENT'}")
    differ = sorted(
        f for f in before_files.keys() | after_files.keys() if before_files.get(f) != after_files.get(f)
    )
    same &= not differ
    print(
        f"public/          {len(before_files):>7} files before, {len(after_files):>7} after: {len(differ)} differ {differ[:5]}"
    )
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
