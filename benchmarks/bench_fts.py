"""What one changed or deleted item costs the SQLite full-text index, at 100k stored items.

Both trigger sets are taken from the migrations themselves: ``i7_ops`` (delete by the
unindexed ``item_id`` column: a scan of the whole index per change) and ``fts_keys`` (delete
by rowid, found through ``items_fts_keys``). Each gets its own database of the same items;
then the same items are updated (title changed) and deleted, one statement each, and timed.

    .venv/bin/python benchmarks/bench_fts.py [--items 100000] [--changes 50]
"""

from __future__ import annotations

import argparse
import importlib.util
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from types import ModuleType

VERSIONS = Path(__file__).resolve().parents[1] / "migrations" / "versions"
_FTS_TABLE = (
    "CREATE VIRTUAL TABLE items_fts USING fts5("
    "item_id UNINDEXED, title, body, tokenize = 'unicode61 remove_diacritics 2')"
)
WORDS = "astana brussels lithium rare earths hydrogen corridor trade energy visa transport".split()


def _migration(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, VERSIONS / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _triggers(variant: str) -> list[str]:
    """The statements that set up the index after ``items`` and ``items_fts`` exist."""
    i7 = [s for s in _migration("i7_ops")._SQLITE_FTS if "TRIGGER" in s]
    if variant == "i7_ops":
        return i7
    return i7 + _migration("fts_keys")._DROP_TRIGGERS + _migration("fts_keys")._UPGRADE


def build(path: Path, variant: str, items: int) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("CREATE TABLE items (id TEXT PRIMARY KEY, title TEXT NOT NULL, content_text TEXT NOT NULL)")
    db.execute(_FTS_TABLE)
    for statement in _triggers(variant):
        db.execute(statement)
    rows = (
        (f"item-{n:08d}", f"Story {n} {WORDS[n % 11]}", " ".join(WORDS[(n + k) % 11] for k in range(120)))
        for n in range(items)
    )
    db.execute("BEGIN")
    db.executemany("INSERT INTO items (id, title, content_text) VALUES (?, ?, ?)", rows)
    db.execute("COMMIT")
    return db


def per_item_ms(db: sqlite3.Connection, sql: str, ids: list[str]) -> float:
    """Median milliseconds of one statement (with its triggers), each in its own transaction."""
    times = []
    for item_id in ids:
        t = time.perf_counter()
        db.execute("BEGIN")
        db.execute(sql, (item_id,))
        db.execute("COMMIT")
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--changes", type=int, default=50)
    args = parser.parse_args()
    step = max(1, args.items // args.changes)
    results: dict[str, tuple[float, float, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for variant in ("i7_ops", "fts_keys"):
            t = time.perf_counter()
            db = build(Path(tmp) / f"{variant}.db", variant, args.items)
            built = time.perf_counter() - t
            ids = [f"item-{n:08d}" for n in range(0, args.items, step)][: args.changes]
            update = per_item_ms(db, "UPDATE items SET title = title || ' (corrected)' WHERE id = ?", ids)
            delete = per_item_ms(db, "DELETE FROM items WHERE id = ?", ids)
            (hits,) = db.execute(
                "SELECT count(*) FROM items_fts WHERE items_fts MATCH 'corrected'"
            ).fetchone()
            assert hits == 0, f"{variant}: {hits} deleted items still in the index"
            db.close()
            results[variant] = (built, update, delete)
    print(f"{args.items:,} items, {args.changes} changed then deleted, one transaction each (median)")
    print(f"{'triggers':<10} {'build s':>8} {'update ms':>10} {'delete ms':>10}")
    for variant, (built, update, delete) in results.items():
        print(f"{variant:<10} {built:8.1f} {update:10.2f} {delete:10.2f}")
    old, new = results["i7_ops"], results["fts_keys"]
    print(f"fts_keys is {old[1] / new[1]:.0f}x faster per update, {old[2] / new[2]:.0f}x per delete")


if __name__ == "__main__":
    main()
