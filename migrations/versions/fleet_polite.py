"""politeness shared by workers (host turns, robots.txt) and coalesced rendering

Revision ID: fleet_polite
Revises: fleet_claims
Create Date: 2026-11-30

Four new tables, empty at first: ``host_gates`` (when the next request to a host may start),
``host_turns`` (requests running now, per host), ``robots_txt`` (each site's robots.txt, fetched
by one worker for all) and ``render_state`` (whether the feeds miss stored changes). Stored data
is not touched; the first run after the upgrade renders the feeds as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "fleet_polite"
down_revision = "fleet_claims"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "host_gates",
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("next_start", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("host", name=op.f("pk_host_gates")),
    )
    op.create_table(
        "host_turns",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("holder", sa.String(length=128), server_default="", nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_host_turns")),
    )
    with op.batch_alter_table("host_turns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_host_turns_host"), ["host"], unique=False)
    op.create_table(
        "robots_txt",
        sa.Column("origin", sa.String(length=300), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("origin", name=op.f("pk_robots_txt")),
    )
    op.create_table(
        "render_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("dirty", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("rendered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rendered_by", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_render_state")),
    )


def downgrade() -> None:
    op.drop_table("render_state")
    op.drop_table("robots_txt")
    with op.batch_alter_table("host_turns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_host_turns_host"))
    op.drop_table("host_turns")
    op.drop_table("host_gates")
