"""render inputs: what the feeds were last rendered from, so that a run that stored nothing skips them

Revision ID: render_inputs
Revises: runs_status
Create Date: 2026-12-01

A SQLite run rendered every feed at its end even when it stored nothing (every feed answering
304): at 200 feeds two thirds of such a run, to write no file. ``render_state.inputs`` keeps a
digest of what the last render was made from (kzfeed's version and the configuration that
shapes the feeds: output folder, base URL, title, subtitle, feed size, languages); a run that
stored nothing, with the feeds not dirty and the digest unchanged, leaves them as they are.
A database upgraded from before has no digest: its next run renders, as before. No data changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "render_inputs"
down_revision = "runs_status"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("render_state", schema=None) as batch_op:
        batch_op.add_column(sa.Column("inputs", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("render_state", schema=None) as batch_op:
        batch_op.drop_column("inputs")
