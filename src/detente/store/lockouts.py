"""Refused operator API tokens per source address, in the database every worker shares.

Counting in the database (not in a worker's memory) is what makes a lockout
survive a restart and hold across all workers of an operations centre. The
window is fixed, starting at an address's first refusal: simpler than a
sliding window, and never more lenient than ``max_failures`` per window.
Each call is one statement or one short write transaction; the caller owns
the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from detente.store.schema import token_lockouts

_ROW = select(token_lockouts).where(token_lockouts.c.source == bindparam("source"))
"""Read on every operator API request a worker has not seen lately: built once."""


@dataclass(frozen=True, slots=True)
class LockoutRow:
    source: str
    failures: int
    window_start_t: float
    locked_until_t: float | None


def get(conn: Connection, source: str) -> LockoutRow | None:
    row = conn.execute(_ROW, {"source": source}).first()
    if row is None:
        return None
    return LockoutRow(row.source, int(row.failures), row.window_start_t, row.locked_until_t)


def count_failure(
    conn: Connection,
    source: str,
    now: float,
    *,
    max_failures: int,
    window_s: float,
    lockout_s: float,
) -> float | None:
    """Count one refusal; returns the lockout's end when this refusal starts one.

    Call inside a write transaction: SQLite's ``BEGIN IMMEDIATE`` and
    PostgreSQL's row lock (``FOR UPDATE``) keep two workers from losing a count.
    """
    row = conn.execute(_ROW.with_for_update(), {"source": source}).first()
    if row is None:
        failures, start, locked = 0, now, None
    else:
        failures, start, locked = int(row.failures), row.window_start_t, row.locked_until_t
    if now - start > window_s:
        failures, start = 0, now
    failures += 1
    starts = failures >= max_failures and (locked is None or locked <= now)
    if starts:
        failures, locked = 0, now + lockout_s
    values = {"failures": failures, "window_start_t": start, "locked_until_t": locked}
    if row is None:
        conn.execute(insert(token_lockouts).values(source=source, **values))
    else:
        conn.execute(
            update(token_lockouts).where(token_lockouts.c.source == source).values(**values)
        )
    return locked if starts else None


def clear_failures(conn: Connection, source: str) -> None:
    """A valid token from ``source``: its count starts again (a running lockout stays)."""
    conn.execute(
        update(token_lockouts)
        .where(token_lockouts.c.source == source, token_lockouts.c.failures > 0)
        .values(failures=0)
    )


def forget_stale(conn: Connection, now: float, *, window_s: float, keep: int) -> None:
    """Drop rows whose window and lockout are over, then all but the ``keep`` newest counts."""
    conn.execute(
        delete(token_lockouts).where(
            token_lockouts.c.window_start_t < now - window_s,
            (token_lockouts.c.locked_until_t.is_(None)) | (token_lockouts.c.locked_until_t <= now),
        )
    )
    total = conn.execute(select(func.count()).select_from(token_lockouts)).scalar_one()
    if total <= keep:
        return
    newest = (
        select(token_lockouts.c.source).order_by(token_lockouts.c.window_start_t.desc()).limit(keep)
    )
    # A running lockout is never forgotten: flooding from many addresses must not free one.
    conn.execute(
        delete(token_lockouts).where(
            token_lockouts.c.source.not_in(newest),
            (token_lockouts.c.locked_until_t.is_(None)) | (token_lockouts.c.locked_until_t <= now),
        )
    )
