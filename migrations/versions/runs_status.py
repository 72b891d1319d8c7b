"""runs by status: the run that starts finds the runs still marked running with an index

Revision ID: runs_status
Revises: story_signals
Create Date: 2026-12-01

Every run first marks the runs still ``running`` of dead processes ``interrupted``
(``StoreProtocol.mark_stale_runs``): without an index that read every run ever recorded, one a
quarter of an hour for years (7 ms a run at 35,000 runs, 58 ms at 350,000 on SQLite). The index
on ``runs.status`` makes it a lookup of the few running ones. No data changes.
"""

from __future__ import annotations

from alembic import op

revision = "runs_status"
down_revision = "story_signals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_runs_status", "runs", ["status"])


def downgrade() -> None:
    op.drop_index("ix_runs_status", table_name="runs")
