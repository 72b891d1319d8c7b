"""run errors as records: the kind, URL and time of why a run did not store a source

Revision ID: run_errors
Revises: i14_story_keys
Create Date: 2026-11-30

``run_sources.error`` held one string; it stays the message, next to ``error_kind`` (fetch,
source, crash, paused, not_due, skipped), ``error_url`` and ``error_at``. Rows written before
get them from what they have: the kind from the source's status and the message, the URL as
the first http(s) URL in the message, the time as when the run finished (or started).
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "run_errors"
down_revision = "i14_story_keys"
branch_labels = None
depends_on = None

_URL = re.compile(r"https?://[^\s'\"()<>]+")
_FETCH = re.compile(
    r"\bHTTP \d{3}\b|could not connect|timeout|took longer than|network error|refused to fetch|"
    r"redirects? from|asked kzfeed to wait|invalid URL|not an http\(s\) URL|sent nothing for"
)


def kind_of(status: str, message: str) -> str:
    """The kind of a stored error from its source's status and its message."""
    if status == "paused":
        return "paused"
    if status == "skipped":
        return "not_due" if message.startswith("not due before") else "skipped"
    if " crashed: " in message:
        return "crash"
    return "fetch" if _FETCH.search(message) else "source"


def upgrade() -> None:
    with op.batch_alter_table("run_sources") as batch:
        batch.add_column(sa.Column("error_kind", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("error_url", sa.Text(), nullable=True))
        batch.add_column(sa.Column("error_at", sa.DateTime(timezone=True), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT s.run_id, s.source, s.status, s.error, COALESCE(r.finished_at, r.started_at) AS at "
            "FROM run_sources AS s JOIN runs AS r ON r.id = s.run_id WHERE s.error IS NOT NULL"
        )
    ).all()
    update = sa.text(
        "UPDATE run_sources SET error_kind = :kind, error_url = :url, error_at = :at "
        "WHERE run_id = :run_id AND source = :source"
    )
    for row in rows:
        found = _URL.search(row.error)
        conn.execute(
            update,
            {
                "kind": kind_of(row.status, row.error),
                "url": found.group(0).rstrip(".,;:") if found else None,
                "at": row.at,
                "run_id": row.run_id,
                "source": row.source,
            },
        )


def downgrade() -> None:
    with op.batch_alter_table("run_sources") as batch:
        batch.drop_column("error_at")
        batch.drop_column("error_url")
        batch.drop_column("error_kind")
