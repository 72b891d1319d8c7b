"""sources are due, not rounds: due_at per source, worker heartbeats; rounds dropped

Revision ID: fleet_claims
Revises: run_errors
Create Date: 2026-11-30

Each source gets ``due_at``, when it is next to be fetched (NULL: now); a source waiting out a
back-off or a Retry-After keeps that wait (``next_due`` is copied). Workers on PostgreSQL claim
due sources in batches and renew their leases with a heartbeat kept in ``workers``. Rounds
(``rounds``, ``sources.round_done``) are gone: a source is done when its ``due_at`` moved on.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "fleet_claims"
down_revision = "run_errors"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.add_column(sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_sources_due_at"), ["due_at"], unique=False)
        batch_op.drop_column("round_done")
    op.execute("UPDATE sources SET due_at = next_due, lease_owner = NULL, lease_expires = NULL")
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rounds_scope_finished_at"))
    op.drop_table("rounds")
    op.create_table(
        "workers",
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("host", sa.String(length=255), server_default="", nullable=False),
        sa.Column("pid", sa.Integer(), server_default="0", nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_workers")),
    )


def downgrade() -> None:
    op.drop_table("workers")
    op.create_table(
        "rounds",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rounds")),
    )
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rounds_scope_finished_at"), ["scope", "finished_at"], unique=False
        )
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.add_column(sa.Column("round_done", sa.Integer(), nullable=True))
        batch_op.drop_index(batch_op.f("ix_sources_due_at"))
        batch_op.drop_column("due_at")
