"""Full-text search over stored items, accent- and case-insensitive, best matches first.

SQLite: the FTS5 index ``items_fts`` (``unicode61 remove_diacritics 2``), each entry's rowid an
item's key in ``items_fts_keys``; a new item's key and entry are written by
:func:`index_new_items` (a trigger on ``items`` made every insert keep a statement journal:
revision ``fts_writes``; in a run, the entries when its held transaction commits), a changed or
deleted item's by triggers. Ranked by bm25 with the title
weighing more, snippets by ``snippet()``.
PostgreSQL: a ``tsvector`` made at query time from ``unaccent``-ed title and text (``simple``
configuration: no language stemming), ranked by ``ts_rank``, snippets by ``ts_headline``. That
reads every item; it is fine for the tens of thousands of items kzfeed keeps.
Each word matches as a prefix ("terre" finds "terres"); all words must occur.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, text

from kzfeed.errors import InputError
from kzfeed.models import Item
from kzfeed.storage._base import StoreBase, at_commit
from kzfeed.storage._direct import run_sql

__all__ = ["SearchHit", "SearchMixin", "index_new_items"]

_WORD = re.compile(r"\w+", re.UNICODE)
_MARK = ("[", "]")


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchHit:
    id: str
    title: str
    snippet: str  # matched words between [ and ]
    source: str
    url: str | None
    published: datetime | None
    relevant: bool


def _terms(query: str) -> list[str]:
    terms = _WORD.findall(query)
    if not terms:
        raise InputError(f"search {query!r} has no words; give one or more words, e.g. 'terres rares'")
    return terms[:16]


_SQLITE = """
SELECT i.id, i.title, i.source, i.url, i.published, i.relevant,
       snippet(items_fts, 2, '[', ']', '…', 16) AS snippet
FROM items_fts JOIN items AS i ON i.id = items_fts.item_id
WHERE items_fts MATCH :q {only_relevant}
ORDER BY bm25(items_fts, 0.0, 5.0, 1.0), i.id
LIMIT :limit
"""

_POSTGRES = """
WITH q AS (SELECT to_tsquery('simple', :q) AS query)
SELECT i.id, i.title, i.source, i.url, i.published, i.relevant,
       ts_headline('simple', unaccent(i.content_text), q.query,
                   'StartSel=[, StopSel=], MaxWords=24, MinWords=10, MaxFragments=1') AS snippet
FROM items AS i, q
WHERE (setweight(to_tsvector('simple', unaccent(i.title)), 'A')
       || setweight(to_tsvector('simple', unaccent(i.content_text)), 'B')) @@ q.query {only_relevant}
ORDER BY ts_rank(setweight(to_tsvector('simple', unaccent(i.title)), 'A')
                 || setweight(to_tsvector('simple', unaccent(i.content_text)), 'B'), q.query) DESC, i.id
LIMIT :limit
"""


#: a new item's key (its entry's rowid, kept through VACUUM): a one-row statement (one that
#: writes several rows, or fires a trigger, keeps a statement journal)
_NEW_KEY = "INSERT INTO items_fts_keys (item_id) VALUES (?)"
#: the entries of the items of ``?`` (a JSON array of ids) as they are stored, in the order of
#: their keys; an entry already there (a trigger wrote it: the item changed since) is replaced
_NEW_ENTRIES = (
    "INSERT OR REPLACE INTO items_fts (rowid, item_id, title, body) "
    "SELECT k.fts_rowid, i.id, i.title, i.content_text FROM items_fts_keys AS k "
    "JOIN items AS i ON i.id = k.item_id WHERE k.item_id IN (SELECT value FROM json_each(?)) "
    "ORDER BY k.fts_rowid"
)


def index_new_items(conn: Connection, new: Sequence[Item]) -> None:
    """SQLite: the full-text index's keys of items just inserted into ``items`` (in the order
    given), and their entries, written in the caller's transaction: when that is a run's held
    transaction, just before it commits, all its sources' at once (SQLite flushes an FTS5
    index's pending entries at every SAVEPOINT, and a held run opens one per source: written
    inside it, each source's entries were a segment of the index of their own, merged again
    and again). Other databases have no such index."""
    if conn.dialect.name != "sqlite" or not new:
        return
    run_sql(conn, _NEW_KEY, [(item.id,) for item in new])
    at_commit(conn, _write_entries, [item.id for item in new])


def _write_entries(conn: Connection, ids: list[str]) -> None:
    run_sql(conn, _NEW_ENTRIES, [(json.dumps(ids, ensure_ascii=False),)])


class SearchMixin(StoreBase):
    """Full-text search over stored items."""

    def search_items(self, query: str, *, limit: int = 20, relevant_only: bool = True) -> list[SearchHit]:
        """Items matching every word of ``query``, best first, each with a snippet."""
        terms = _terms(query)
        dialect = self._engine.dialect.name
        only = "AND i.relevant" if relevant_only else ""
        if dialect == "sqlite":
            sql = _SQLITE.format(only_relevant=only.replace("i.relevant", "i.relevant = 1"))
            q = " ".join(f'"{t}"*' for t in terms)
        elif dialect == "postgresql":
            sql = _POSTGRES.format(only_relevant=only)
            with self._engine.connect() as conn:  # the query words lose their accents as the text does
                plain = [
                    conn.execute(text("SELECT unaccent(lower(:t))"), {"t": t}).scalar_one() for t in terms
                ]
            q = " & ".join(f"{_WORD.findall(t)[0]}:*" for t in plain if _WORD.findall(t))
        else:
            raise InputError(f"search is not available on a {dialect} database")
        with self._engine.connect() as conn:
            rows = conn.execute(text(sql), {"q": q, "limit": limit}).mappings().all()
        return [
            SearchHit(
                id=r["id"],
                title=r["title"],
                snippet=" ".join(r["snippet"].split()),
                source=r["source"],
                url=r["url"],
                published=_aware(r["published"]),
                relevant=bool(r["relevant"]),
            )
            for r in rows
        ]


def _aware(value: datetime | str | None) -> datetime | None:
    # raw SQL skips the column type: SQLite hands back text, naive in UTC
    if value is None:
        return None
    parsed = datetime.fromisoformat(value) if isinstance(value, str) else value
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
