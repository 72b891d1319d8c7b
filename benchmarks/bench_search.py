"""Search speed: `kzfeed search` (SQLite FTS5) against a plain LIKE scan of the same items,
measured in the same run on the same database. Prints milliseconds per query."""

from __future__ import annotations

import random
import sqlite3
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from factories import make_item
from kzfeed.models import SourceState
from kzfeed.storage import open_store

ITEMS = 20_000
QUERIES = ["terres rares", "hydrogene vert", "corridor transcaspien", "uranium", "erasmus"]
WORDS = (
    "le la les de du des et un une accord coopération Kazakhstan Union européenne Astana Bruxelles "
    "énergie investissement commerce sécurité éducation climat droit réforme partenariat projet"
).split()
# the searched words are rare, as real search words are: each in about 1 item in 100
RARE = "lithium uranium hydrogène vert corridor transcaspien terres rares métaux critiques Erasmus".split()


def main() -> None:
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        store = open_store(f"sqlite:///{path}")
        batch = [
            make_item(
                f"{n}.txt",
                title=" ".join(rng.choices(WORDS, k=8)),
                text=" ".join(rng.choices(WORDS, k=300) + [w for w in RARE if rng.random() < 0.01]),
            )
            for n in range(ITEMS)
        ]
        started = time.perf_counter()
        store.save_source(state=SourceState(name="b", type="files"), config_hash="x", batch=batch, ok=True)
        print(f"stored {ITEMS} items (FTS index kept by triggers) in {time.perf_counter() - started:.1f} s")
        # the baseline reads the same file with the standard library: no SQL outside kzfeed.storage
        with closing(sqlite3.connect(path)) as conn:
            like = "SELECT id FROM items WHERE lower(title || ' ' || content_text) LIKE ? AND relevant = 1 LIMIT 20"
            t0 = time.perf_counter()
            for q in QUERIES:
                conn.execute(like, (f"%{q.split()[0]}%",)).fetchall()
            baseline = (time.perf_counter() - t0) / len(QUERIES) * 1000
        conn.close()
        t0 = time.perf_counter()
        for q in QUERIES:
            store.search_items(q)
        fts = (time.perf_counter() - t0) / len(QUERIES) * 1000
        store.close()
    print(f"baseline LIKE scan (one word, no ranking, no accents): {baseline:8.1f} ms/query")
    print(f"kzfeed search (FTS5, all words, bm25, snippets):       {fts:8.1f} ms/query")


if __name__ == "__main__":
    main()
