"""a host turn in one statement: the function kzfeed_take_host_turn (PostgreSQL only)

Revision ID: fleet_turns
Revises: stories
Create Date: 2026-12-01

Every request of a worker sharing a PostgreSQL database takes a turn of its host
(``kzfeed.storage._hosts``). Taking one was four statements in a transaction (six round trips);
this function does the same steps in one call: lock the host's ``host_gates`` row, count the
turns running (a new snapshot: a plpgsql statement sees what was committed while it waited for
the lock), reserve the next start ``min_delay`` later and insert the turn. No table changes and
no data touched; nothing on SQLite (one process, turns in memory).
"""

from __future__ import annotations

from alembic import op

revision = "fleet_turns"
down_revision = "stories"
branch_labels = None
depends_on = None

TAKE_HOST_TURN = """
CREATE OR REPLACE FUNCTION kzfeed_take_host_turn(
    p_host varchar, p_holder varchar, p_concurrency integer, p_min_delay double precision,
    p_hold double precision, OUT turn integer, OUT wait double precision
) LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    next_start_ timestamptz;
    busy integer;
    now_ timestamptz;
    start_ timestamptz;
BEGIN
    -- the host's row, locked until the statement that called us ends
    INSERT INTO host_gates (host) VALUES (p_host)
        ON CONFLICT (host) DO UPDATE SET host = excluded.host
        RETURNING next_start INTO next_start_;
    SELECT count(*), clock_timestamp() INTO busy, now_
        FROM host_turns WHERE host = p_host AND until > clock_timestamp();
    IF busy >= p_concurrency THEN
        turn := NULL;
        wait := 0;
        RETURN;
    END IF;
    start_ := greatest(now_, coalesce(next_start_, now_));
    UPDATE host_gates SET next_start = start_ + make_interval(secs => p_min_delay) WHERE host = p_host;
    INSERT INTO host_turns (host, holder, until)
        VALUES (p_host, p_holder, start_ + make_interval(secs => p_hold))
        RETURNING id INTO turn;
    wait := extract(epoch FROM start_ - now_)::double precision;
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(TAKE_HOST_TURN)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "DROP FUNCTION IF EXISTS kzfeed_take_host_turn(varchar, varchar, integer, double precision, double precision)"
        )
