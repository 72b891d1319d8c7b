"""The data-access object: functions that take and return kzfeed models. No SQL leaves here."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, delete, event, func, insert, or_, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.sql import bindparam

from kzfeed import clock
from kzfeed.errors import InputError, StorageError
from kzfeed.models import (
    Classification,
    Entity,
    Evidence,
    Item,
    RunReport,
    SourceRun,
    SourceState,
    TopicTag,
)
from kzfeed.storage import _migrate as migrate
from kzfeed.storage._httpcache import DatabaseHttpCache
from kzfeed.storage._schema import item_entities, item_topics, items, run_sources, runs, sources

__all__ = ["SaveCounts", "Store", "open_store"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SaveCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    #: the ids of the new items
    new_ids: frozenset[str] = frozenset()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def open_store(url: str, *, migrate_schema: bool = True) -> Store:
    """Open (and, for SQLite, create) the database at ``url`` and bring its schema up to date."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StorageError(
            f"database URL {url!r} is not valid; write e.g. 'sqlite:///var/kzfeed.db'"
        ) from exc
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(parsed.database or "")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot create the folder for database {str(path)!r}: {exc}") from exc
    try:
        engine = create_engine(url, future=True)
    except (ArgumentError, ImportError) as exc:
        hint = " (pip install 'kzfeed[postgres]')" if parsed.get_backend_name() == "postgresql" else ""
        raise StorageError(f"cannot use database {parsed.render_as_string()!r}: {exc}{hint}") from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    store = Store(engine)
    if migrate_schema:
        try:
            migrate.upgrade(engine)
        except SQLAlchemyError as exc:
            engine.dispose()
            raise StorageError(
                f"cannot open database {parsed.render_as_string()!r}: {exc.__class__.__name__}: {exc}"
            ) from exc
    return store


class Store:
    """All reads and writes of kzfeed's database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- sources -----------------------------------------------------------------------------

    def source_state(self, name: str) -> SourceState:
        """What is stored about a source (a blank state for a source never run)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(sources).where(sources.c.name == name)).mappings().first()
        if row is None:
            return SourceState(name=name)
        return _state_from_row(row)

    def source_states(self) -> list[SourceState]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(sources).order_by(sources.c.name)).mappings().all()
        return [_state_from_row(r) for r in rows]

    def known_hashes(self, source: str) -> dict[str, str]:
        """``{guid: content_hash}`` of the items stored for a source."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(items.c.guid, items.c.content_hash).where(items.c.source == source))
            return {guid: h for guid, h in rows}

    def save_source(
        self,
        *,
        state: SourceState,
        config_hash: str,
        batch: Sequence[Item],
        ok: bool,
        now: datetime | None = None,
    ) -> SaveCounts:
        """Store what one source produced and its health, all in one transaction.

        A crash in the middle stores nothing of this source: the next run does it again.
        """
        now = now or clock.now()
        with self.engine.begin() as conn:
            counts = _save_items(conn, batch, now) if batch else SaveCounts()
            _upsert_source(conn, state, config_hash)
        return counts

    def set_paused(self, name: str, paused: bool, reason: str | None = None) -> bool:
        """Pause or un-pause a source; returns False when no such source is stored."""
        with self.engine.begin() as conn:
            values: dict[str, Any] = {"paused": paused, "paused_reason": reason}
            if not paused:
                values.update(consecutive_failures=0, next_due=None, last_error=None)
            result = conn.execute(update(sources).where(sources.c.name == name).values(**values))
            return bool(result.rowcount)

    def http_cache(self) -> DatabaseHttpCache:
        """The fetcher's per-URL validators (ETag, Last-Modified, freshness, Retry-After), stored."""
        return DatabaseHttpCache(self.engine)

    # --- items -------------------------------------------------------------------------------

    def items(
        self,
        *,
        relevant: bool | None = True,
        topic: str | None = None,
        limit: int | None = None,
        source: str | None = None,
        entity: str | Collection[str] | None = None,
    ) -> list[Item]:
        """Stored items, newest first (by their date, then id, so the order is stable).

        ``entity``: only items that mention this entity (or any of these), by stored name, in any
        case."""
        date = func.coalesce(items.c.updated, items.c.published, items.c.first_seen)
        query = select(items).order_by(date.desc(), items.c.id)
        if relevant is not None:
            query = query.where(items.c.relevant == relevant)
        if topic is not None:
            query = query.where(
                items.c.id.in_(select(item_topics.c.item_id).where(item_topics.c.topic == topic))
            )
        if entity is not None:
            names = sorted({entity} if isinstance(entity, str) else set(entity))
            # SQLite's lower() folds ASCII only: the exact names match as given too
            named = or_(
                item_entities.c.name.in_(names),
                func.lower(item_entities.c.name).in_(sorted({name.lower() for name in names})),
            )
            query = query.where(items.c.id.in_(select(item_entities.c.item_id).where(named)))
        if source is not None:
            query = query.where(items.c.source == source)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
            return _items_from_rows(conn, rows)

    def topics(self) -> set[str]:
        """Every topic some stored item is tagged with."""
        with self.engine.connect() as conn:
            return set(conn.execute(select(item_topics.c.topic).distinct()).scalars())

    def get_item(self, id_or_prefix: str) -> Item:
        """One item by its id or a unique prefix of it (at least 4 characters)."""
        key = id_or_prefix.strip().lower()
        if len(key) < 4:
            raise InputError(f"item id {id_or_prefix!r} is too short; give at least 4 characters")
        with self.engine.connect() as conn:
            rows = conn.execute(select(items).where(items.c.id.like(f"{key}%")).limit(2)).mappings().all()
            if not rows:
                raise InputError(f"no item with id {id_or_prefix!r}; list them with 'kzfeed items --all'")
            if len(rows) > 1:
                raise InputError(f"item id {id_or_prefix!r} is ambiguous; give more characters")
            return _items_from_rows(conn, rows)[0]

    def count_items(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(items)).scalar_one())

    # --- re-classifying (kzfeed reclassify) ---------------------------------------------------

    def item_batches(self, size: int = 200) -> Iterator[list[Item]]:
        """Every stored item, relevant or not, in batches of ``size`` (by id, so that items
        updated between batches are neither skipped nor read twice)."""
        last = ""
        while True:
            query = select(items).where(items.c.id > last).order_by(items.c.id).limit(size)
            with self.engine.connect() as conn:
                batch = _items_from_rows(conn, conn.execute(query).mappings().all())
            if not batch:
                return
            yield batch
            last = batch[-1].id

    def update_classifications(self, batch: Sequence[tuple[str, Classification]]) -> None:
        """Replace the stored classification (relevance, reason, evidence, topics, entities) of
        each ``(item id, classification)``, all in one transaction; the rest of the item stays."""
        with self.engine.begin() as conn:
            for item_id, c in batch:
                conn.execute(update(items).where(items.c.id == item_id).values(**_classification_values(c)))
                conn.execute(delete(item_topics).where(item_topics.c.item_id == item_id))
                conn.execute(delete(item_entities).where(item_entities.c.item_id == item_id))
                _write_classification(conn, item_id, c)

    # --- runs --------------------------------------------------------------------------------

    def start_run(self, started: datetime, worker: str = "") -> int:
        with self.engine.begin() as conn:
            result = conn.execute(
                insert(runs).values(started_at=started, status="running", worker=worker).returning(runs.c.id)
            )
            return int(result.scalar_one())

    def record_source_run(self, run_id: int, outcome: SourceRun) -> None:
        with self.engine.begin() as conn:
            _record_source_runs(conn, run_id, [outcome])

    def save_quiet_sources(
        self, run_id: int, done: Sequence[tuple[SourceState | None, str, SourceRun]]
    ) -> None:
        """The health rows (``(state, config hash)``; no state: none to write) and run records
        of sources that stored no items, in one transaction: a run where every feed answered
        304 writes a few transactions, not several per source."""
        with self.engine.begin() as conn:
            _upsert_sources(
                conn, [(state, config_hash) for state, config_hash, _ in done if state is not None]
            )
            _record_source_runs(conn, run_id, [outcome for _, _, outcome in done])

    def finish_run(self, run_id: int, report: RunReport) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(runs)
                .where(runs.c.id == run_id)
                .values(
                    finished_at=report.finished,
                    status="ok" if report.ok else "failed",
                    new=report.total("new"),
                    updated=report.total("updated"),
                    unchanged=report.total("unchanged"),
                    failed=report.total("failed"),
                )
            )


# --- row <-> model ---------------------------------------------------------------------------


def _record_source_runs(conn: Connection, run_id: int, outcomes: Sequence[SourceRun]) -> None:
    if not outcomes:
        return
    names = [o.source for o in outcomes]
    for chunk in _chunks(names, 500):
        conn.execute(
            delete(run_sources).where((run_sources.c.run_id == run_id) & run_sources.c.source.in_(chunk))
        )
    conn.execute(
        insert(run_sources),
        [
            {
                "run_id": run_id,
                "source": outcome.source,
                "status": outcome.status.value,
                "http_status": outcome.http_status,
                "new": outcome.new,
                "updated": outcome.updated,
                "unchanged": outcome.unchanged,
                "failed": outcome.failed,
                "duration_ms": round(outcome.duration_s * 1000),
                "error": outcome.error,
                "warnings": json.dumps(list(outcome.warnings), ensure_ascii=False),
            }
            for outcome in outcomes
        ],
    )


def _state_from_row(row: Any) -> SourceState:
    try:
        cursor = json.loads(row["cursor"] or "{}")
    except ValueError:
        cursor = {}
    return SourceState(
        name=row["name"],
        type=row["type"],
        url=row["url"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        last_attempt=row["last_attempt"],
        last_ok=row["last_ok"],
        last_status=row["last_status"],
        last_error=row["last_error"],
        items_last_run=row["items_last_run"],
        consecutive_failures=row["consecutive_failures"],
        next_due=row["next_due"],
        paused=bool(row["paused"]),
        cursor=cursor,
    )


def _upsert_source(conn: Connection, state: SourceState, config_hash: str) -> None:
    _upsert_sources(conn, [(state, config_hash)])


def _upsert_sources(conn: Connection, rows: Sequence[tuple[SourceState, str]]) -> None:
    """Write the health rows of several sources: one statement for those stored, one for new ones."""
    if not rows:
        return
    values = [_source_values(state, config_hash) for state, config_hash in rows]
    stored: set[str] = set()
    for chunk in _chunks([v["name"] for v in values], 500):
        stored.update(conn.execute(select(sources.c.name).where(sources.c.name.in_(chunk))).scalars())
    known = [{**v, "b_name": v["name"]} for v in values if v["name"] in stored]
    if known:
        columns = [k for k in values[0] if k != "name"]
        statement = (
            update(sources)
            .where(sources.c.name == bindparam("b_name"))
            .values({k: bindparam(k) for k in columns})
        )
        conn.execute(statement, known)
    fresh = [v for v in values if v["name"] not in stored]
    if fresh:
        conn.execute(insert(sources), fresh)


def _source_values(state: SourceState, config_hash: str) -> dict[str, Any]:
    return {
        "name": state.name,
        "type": state.type,
        "config_hash": config_hash,
        "url": state.url,
        "etag": state.etag,
        "last_modified": state.last_modified,
        "last_attempt": state.last_attempt,
        "last_ok": state.last_ok,
        "last_status": state.last_status,
        "last_error": state.last_error,
        "items_last_run": state.items_last_run,
        "consecutive_failures": state.consecutive_failures,
        "next_due": state.next_due,
        "paused": state.paused,
        "cursor": json.dumps(state.cursor, sort_keys=True, ensure_ascii=False),
    }


def _evidence_json(evidence: Iterable[Evidence]) -> str:
    return json.dumps(
        [{"term": e.term, "field": e.field, "count": e.count, "weight": e.weight} for e in evidence],
        ensure_ascii=False,
    )


def _evidence_from_json(text: str) -> tuple[Evidence, ...]:
    try:
        raw = json.loads(text or "[]")
    except ValueError:
        return ()
    return tuple(
        Evidence(
            term=e["term"], field=e["field"], count=int(e.get("count", 1)), weight=float(e.get("weight", 1))
        )
        for e in raw
    )


def _item_values(item: Item) -> dict[str, Any]:
    c = item.classification or Classification(relevant=False, relevance=0.0, reason="not classified")
    return {
        "source": item.source,
        "guid": item.guid,
        "url": item.url,
        "canonical_url": item.canonical_url,
        "title": item.title,
        "author": item.author,
        "outlet": item.outlet,
        "published": item.published,
        "updated": item.updated,
        "lang": item.lang,
        "summary": item.summary,
        "content_text": item.content_text,
        "content_html": item.content_html,
        "content_hash": item.content_hash,
        "categories": json.dumps(list(item.categories), ensure_ascii=False),
        "image": item.image,
        "simhash": item.simhash,
        "story_id": item.story_id,
        **_classification_values(c),
    }


def _classification_values(c: Classification) -> dict[str, Any]:
    return {
        "relevant": c.relevant,
        "relevance": c.relevance,
        "reason": c.reason,
        "classifier": c.classifier,
        "relevance_evidence": _evidence_json(c.evidence),
    }


def _classification_signature(conn: Connection, item_id: str) -> tuple[Any, ...]:
    topics = conn.execute(
        select(item_topics.c.topic, item_topics.c.score).where(item_topics.c.item_id == item_id)
    ).all()
    return tuple(sorted((t, round(s, 6)) for t, s in topics))


def _save_items(conn: Connection, batch: Sequence[Item], now: datetime) -> SaveCounts:
    # one query finds the stored ones, one statement inserts the new ones (with their tags):
    # the first run of a source stores all its items new
    found: dict[str, Any] = {}
    for chunk in _chunks([item.id for item in batch], 500):
        query = select(
            items.c.id,
            items.c.source,
            items.c.content_hash,
            items.c.relevant,
            items.c.relevance,
            items.c.title,
            items.c.published,
            items.c.updated,
        ).where(items.c.id.in_(chunk))
        found.update((row["id"], row) for row in conn.execute(query).mappings())
    fresh: dict[str, Item] = {}
    updated = unchanged = 0
    for item in batch:
        existing = found.get(item.id)
        if existing is None:
            if item.id in fresh:
                unchanged += 1  # the same article twice in one batch: the first is kept
            else:
                fresh[item.id] = item
            continue
        if existing["source"] != item.source:
            # The same article (same canonical URL) reached us through another source: the
            # first source keeps it; story clustering links the two.
            unchanged += 1
            continue
        c = item.classification
        same = (
            existing["content_hash"] == item.content_hash
            and existing["title"] == item.title
            and existing["published"] == item.published
            and existing["updated"] == item.updated
            and c is not None
            and bool(existing["relevant"]) == c.relevant
            and round(existing["relevance"], 6) == round(c.relevance, 6)
            and _classification_signature(conn, item.id)
            == tuple(sorted((t.topic, round(t.score, 6)) for t in c.topics))
        )
        if same:
            unchanged += 1
            continue
        conn.execute(update(items).where(items.c.id == item.id).values(fetched_at=now, **_item_values(item)))
        conn.execute(delete(item_topics).where(item_topics.c.item_id == item.id))
        conn.execute(delete(item_entities).where(item_entities.c.item_id == item.id))
        _write_tags(conn, item)
        updated += 1
    if fresh:
        conn.execute(
            insert(items),
            [{"id": i.id, "first_seen": now, "fetched_at": now, **_item_values(i)} for i in fresh.values()],
        )
        _write_classifications(conn, [(i.id, i.classification) for i in fresh.values() if i.classification])
    return SaveCounts(new=len(fresh), updated=updated, unchanged=unchanged, new_ids=frozenset(fresh))


def _write_tags(conn: Connection, item: Item) -> None:
    if item.classification is not None:
        _write_classification(conn, item.id, item.classification)


def _write_classification(conn: Connection, item_id: str, c: Classification) -> None:
    _write_classifications(conn, [(item_id, c)])


def _write_classifications(conn: Connection, batch: Sequence[tuple[str, Classification]]) -> None:
    """The topic and entity rows of several items, one statement per table."""
    topic_rows = [
        {"item_id": item_id, "topic": t.topic, "score": t.score, "evidence": _evidence_json(t.evidence)}
        for item_id, c in batch
        for t in c.topics
    ]
    entity_rows = []
    for item_id, c in batch:
        entities: dict[str, Entity] = {}
        for e in c.entities:
            entities.setdefault(e.name[:200], e)
        entity_rows += [
            {"item_id": item_id, "name": name, "kind": e.kind, "mentions": e.mentions}
            for name, e in entities.items()
        ]
    if topic_rows:
        conn.execute(insert(item_topics), topic_rows)
    if entity_rows:
        conn.execute(insert(item_entities), entity_rows)


def _items_from_rows(conn: Connection, rows: Sequence[Any]) -> list[Item]:
    if not rows:
        return []
    ids = [r["id"] for r in rows]
    topics: dict[str, list[TopicTag]] = {i: [] for i in ids}
    entities: dict[str, list[Entity]] = {i: [] for i in ids}
    for chunk in _chunks(ids, 500):
        for t in conn.execute(select(item_topics).where(item_topics.c.item_id.in_(chunk))).mappings():
            topics[t["item_id"]].append(
                TopicTag(topic=t["topic"], score=t["score"], evidence=_evidence_from_json(t["evidence"]))
            )
        for e in conn.execute(select(item_entities).where(item_entities.c.item_id.in_(chunk))).mappings():
            entities[e["item_id"]].append(Entity(name=e["name"], kind=e["kind"], mentions=e["mentions"]))
    out = []
    for r in rows:
        tags = tuple(sorted(topics[r["id"]], key=lambda t: (-t.score, t.topic)))
        classification = Classification(
            relevant=bool(r["relevant"]),
            relevance=float(r["relevance"]),
            topics=tags,
            entities=tuple(sorted(entities[r["id"]], key=lambda e: (-e.mentions, e.name))),
            evidence=_evidence_from_json(r["relevance_evidence"]),
            reason=r["reason"],
            lang=r["lang"],
            classifier=r["classifier"],
        )
        out.append(
            Item(
                id=r["id"],
                source=r["source"],
                guid=r["guid"],
                title=r["title"],
                content_text=r["content_text"],
                content_html=r["content_html"],
                content_hash=r["content_hash"],
                url=r["url"],
                canonical_url=r["canonical_url"],
                summary=r["summary"],
                author=r["author"],
                outlet=r["outlet"],
                published=r["published"],
                updated=r["updated"],
                lang=r["lang"],
                categories=tuple(json.loads(r["categories"] or "[]")),
                image=r["image"],
                first_seen=r["first_seen"],
                simhash=r["simhash"],
                story_id=r["story_id"],
                classification=classification,
            )
        )
    return out


def _chunks(seq: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for i in range(0, len(seq), size):
        yield seq[i : i + size]
