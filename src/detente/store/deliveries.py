"""Per-peer delivery cursors: how far each peer confirmed storing our log."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, select, update

from detente.store.schema import deliveries


@dataclass(frozen=True, slots=True)
class Delivery:
    channel_id: str
    peer: str
    acked_seq: int
    attempts: int
    last_ok_t: float | None
    last_error: str | None


_GET = select(deliveries).where(
    deliveries.c.channel_id == bindparam("channel_id"), deliveries.c.peer == bindparam("peer")
)
"""Read before every push: built once (see ``logs.py`` for why)."""


def get(conn: Connection, channel_id: str, peer: str) -> Delivery:
    row = conn.execute(_GET, {"channel_id": channel_id, "peer": peer}).first()
    if row is None:
        return Delivery(channel_id, peer, 0, 0, None, None)
    return Delivery(
        row.channel_id,
        row.peer,
        int(row.acked_seq),
        int(row.attempts),
        row.last_ok_t,
        row.last_error,
    )


def mark_ok(conn: Connection, channel_id: str, peer: str, acked_seq: int) -> None:
    """Advance the cursor; it never moves back, whatever order answers arrive in."""
    conn.execute(
        update(deliveries)
        .where(
            deliveries.c.channel_id == channel_id,
            deliveries.c.peer == peer,
            deliveries.c.acked_seq < acked_seq,
        )
        .values(acked_seq=acked_seq)
    )
    conn.execute(
        update(deliveries)
        .where(deliveries.c.channel_id == channel_id, deliveries.c.peer == peer)
        .values(attempts=0, last_ok_t=time.time(), last_error=None)
    )


def mark_failed(conn: Connection, channel_id: str, peer: str, error: str) -> None:
    conn.execute(
        update(deliveries)
        .where(deliveries.c.channel_id == channel_id, deliveries.c.peer == peer)
        .values(attempts=deliveries.c.attempts + 1, last_error=error[:500])
    )
