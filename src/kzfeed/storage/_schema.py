"""The database tables (SQLAlchemy Core). Private to ``kzfeed.storage``: nothing else imports it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.types import TypeDecorator

__all__ = ["include_name", "metadata"]

# Named constraints so that Alembic can alter them on SQLite (batch mode) and PostgreSQL alike.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive, in UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given to the database; make it timezone-aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]


sources = Table(
    "sources",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("type", String(64), nullable=False),
    Column("config_hash", String(64), nullable=False, server_default=""),
    Column("url", Text),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("last_attempt", UTCDateTime),
    Column("last_ok", UTCDateTime),
    Column("last_status", Integer),
    Column("last_error", Text),
    Column("items_last_run", Integer, nullable=False, server_default="0"),
    Column("consecutive_failures", Integer, nullable=False, server_default="0"),
    Column("next_due", UTCDateTime),
    Column("paused", Boolean, nullable=False, server_default="0"),
    Column("paused_reason", Text),
    Column("cursor", Text, nullable=False, server_default="{}"),
    # when the source is next to be fetched (database time; NULL: now), and who holds it
    # (``kzfeed.storage._leases``: claims, heartbeats and takeover on PostgreSQL)
    Column("due_at", UTCDateTime),
    Column("lease_owner", String(128)),
    Column("lease_expires", UTCDateTime),
    Index(None, "due_at"),
)

items = Table(
    "items",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("source", String(64), nullable=False),
    Column("guid", Text, nullable=False),
    Column("url", Text),
    Column("canonical_url", Text, unique=True),
    Column("title", Text, nullable=False),
    Column("author", Text),
    Column("outlet", Text),
    Column("published", UTCDateTime),
    Column("updated", UTCDateTime),
    Column("lang", String(16)),
    Column("summary", Text),
    Column("content_text", Text, nullable=False),
    Column("content_html", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("categories", Text, nullable=False, server_default="[]"),
    Column("image", Text),
    Column("simhash", BigInteger),
    Column("story_id", String(36)),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("fetched_at", UTCDateTime, nullable=False),
    Column("relevant", Boolean, nullable=False, server_default="0"),
    Column("relevance", Float, nullable=False, server_default="0"),
    Column("reason", Text, nullable=False, server_default=""),
    Column("classifier", String(64), nullable=False, server_default=""),
    Column("relevance_evidence", Text, nullable=False, server_default="[]"),
    UniqueConstraint("source", "guid"),
    # a story's members and what its rows are made of, read from the index alone (revision
    # story_members; kzfeed.storage._storyrows): the row's other columns follow its text
    Index("ix_items_story_members", "story_id", "relevant", "id", "first_seen", "published", "updated"),
    Index(None, "relevant", "published"),
    Index(None, "fetched_at"),  # what changed since the last render (kzfeed.publish)
    # story keys of a batch are looked up by these (kzfeed.storage._stories), never all read
    Index(None, "content_hash"),
    Index(None, "guid"),
    Index(None, "published"),
    Index(None, "first_seen"),
)
#: an item's date as ``kzfeed items``, ``export`` and ``prune`` order and cut by it: its last
#: update, else its publication, else when kzfeed first saw it
item_date = func.coalesce(items.c.updated, items.c.published, items.c.first_seen)
# ``items`` and ``export`` read in this order (newest first, then by id) and ``prune`` counts a
# date range: both follow an index instead of sorting or reading every stored row (revision
# item_dates; expression indexes, which SQLAlchemy cannot reflect on SQLite: Alembic's
# autogenerate skips them there with a warning, and a batch rewrite of ``items`` drops them)
Index("ix_items_relevant_date", items.c.relevant, item_date.desc(), items.c.id)
Index("ix_items_date", item_date.desc(), items.c.id)

item_topics = Table(
    "item_topics",
    metadata,
    Column("item_id", String(36), ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    Column("topic", String(64), primary_key=True),
    Column("score", Float, nullable=False),
    Column("evidence", Text, nullable=False, server_default="[]"),
    Index(None, "topic"),
)

item_entities = Table(
    "item_entities",
    metadata,
    Column("item_id", String(36), ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(200), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("mentions", Integer, nullable=False, server_default="1"),
    Index(None, "name"),
)

# Each stored report's story signals (``kzfeed.stories.Signals``, as JSON) with the content hash
# and the signals' version they were worked out for: a run reads these for the reports around a
# new one instead of reading every such report in full and working them out again. Written with
# a new report; dropped when its item changes (a later read works them out and writes them).
story_signals = Table(
    "story_signals",
    metadata,
    Column("item_id", String(36), ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    Column("content_hash", String(64), nullable=False),
    Column("version", String(32), nullable=False),
    Column("signals", Text, nullable=False),
)

# The stories the feeds show (those with a relevant report), kept by every write of items
# (``_storyrows``): the head of a feed is the newest rows by arrival, an index range, not a
# pass over the items.
stories = Table(
    "stories",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("arrived", UTCDateTime, nullable=False),  # when kzfeed first saw a relevant report
    Column("date", UTCDateTime, nullable=False),  # the lead report's date
    Column("latest", UTCDateTime, nullable=False),  # the newest date of its reports
    Column("reports", Integer, nullable=False),
    Index(None, "arrived", "date", "id"),
    Index(None, "date", "id"),
    Index(None, "latest"),
)

story_topics = Table(
    "story_topics",
    metadata,
    Column("story_id", String(36), ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True),
    Column("topic", String(64), primary_key=True),
    Column("arrived", UTCDateTime, nullable=False),
    Column("date", UTCDateTime, nullable=False),
    Index(None, "topic", "arrived", "date", "story_id"),
)

# Each large feed's story count at a checkpoint (``_counts``): the arrival key of one of its
# stories and how many sort at or before it (``feed``: a topic, or "" for the overall feed);
# triggers on ``stories`` and ``story_topics`` (revision ``story_counts``) log each change at or
# before a checkpoint to ``story_count_changes``, which a render folds in.
story_counts = Table(
    "story_counts",
    metadata,
    Column("feed", String(64), primary_key=True),
    Column("arrived", UTCDateTime, nullable=False),
    Column("date", UTCDateTime, nullable=False),
    Column("story_id", String(36), nullable=False),
    Column("stories", Integer, nullable=False),
)

story_count_changes = Table(
    "story_count_changes",
    metadata,
    Column("feed", String(64), nullable=False),
    Column("delta", Integer, nullable=False),
    Index(None, "feed"),
)

# When the last complete render of an output folder started: the next one reads only the items
# changed since (``kzfeed.publish._publish``).
renders = Table(
    "renders",
    metadata,
    Column("output_dir", Text, primary_key=True),
    Column("started", UTCDateTime, nullable=False),
    Column("renderer", String(32), nullable=False),  # what wrote it (``kzfeed.publish.RENDERER``)
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("status", String(16), nullable=False),
    Column("worker", String(128), nullable=False, server_default=""),
    Column("new", Integer, nullable=False, server_default="0"),
    Column("updated", Integer, nullable=False, server_default="0"),
    Column("unchanged", Integer, nullable=False, server_default="0"),
    Column("failed", Integer, nullable=False, server_default="0"),
    Index(None, "status"),  # the runs still running, looked up by every run (mark_stale_runs)
)

run_sources = Table(
    "run_sources",
    metadata,
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("source", String(64), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("http_status", Integer),
    Column("new", Integer, nullable=False, server_default="0"),
    Column("updated", Integer, nullable=False, server_default="0"),
    Column("unchanged", Integer, nullable=False, server_default="0"),
    Column("failed", Integer, nullable=False, server_default="0"),
    Column("duration_ms", Integer, nullable=False, server_default="0"),
    # why the source was not stored (kzfeed.models.RunError): its message, kind, URL and time
    Column("error", Text),
    Column("error_kind", String(16)),
    Column("error_url", Text),
    Column("error_at", UTCDateTime),
    Column("warnings", Text, nullable=False, server_default="[]"),
)

# The workers working now on a PostgreSQL database, by the heartbeat that renews their leases
# (``kzfeed status``); a row is dropped when its worker ends, or an hour after it went silent.
workers = Table(
    "workers",
    metadata,
    Column("name", String(128), primary_key=True),  # "worker:pid", the owner of its leases
    Column("host", String(255), nullable=False, server_default=""),
    Column("pid", Integer, nullable=False, server_default="0"),
    Column("started_at", UTCDateTime, nullable=False),
    Column("heartbeat_at", UTCDateTime, nullable=False),
)

http_cache = Table(
    "http_cache",
    metadata,
    Column("url", Text, primary_key=True),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("expires", UTCDateTime),
    Column("retry_after", UTCDateTime),
    Column("last_status", Integer),
)


# Politeness shared by every worker of one PostgreSQL database (``kzfeed.storage._hosts``):
# when the next request to a host may start, the turns being used now, and robots.txt.
host_gates = Table(
    "host_gates",
    metadata,
    Column("host", String(255), primary_key=True),
    Column("next_start", UTCDateTime),
)

host_turns = Table(
    "host_turns",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("host", String(255), nullable=False),
    Column("holder", String(128), nullable=False, server_default=""),
    Column("until", UTCDateTime, nullable=False),  # a turn of a worker that died ends by itself
    Index(None, "host"),
)

robots_txt = Table(
    "robots_txt",
    metadata,
    Column("origin", String(300), primary_key=True),
    Column("fetched_at", UTCDateTime, nullable=False),
    Column("status", Integer, nullable=False),  # 0: the site could not be reached
    Column("body", Text, nullable=False, server_default=""),
)

# Whether the feeds miss stored changes, and when they were last rendered (one row, id 1), from
# what (``inputs``: a digest of kzfeed's version and the configuration that shapes the feeds).
render_state = Table(
    "render_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("dirty", Boolean, nullable=False, server_default="0"),
    Column("rendered_at", UTCDateTime),
    Column("rendered_by", String(128)),
    Column("inputs", String(64)),
)


def include_name(name: str | None, type_: str, _parent_names: object = None) -> bool:
    """Whether Alembic compares a table: not the SQLite full-text index ``items_fts`` and its shadow
    tables, which the migration creates by hand (SQLAlchemy has no virtual tables)."""
    return not (type_ == "table" and (name or "").startswith("items_fts"))
