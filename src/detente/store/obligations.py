"""Queries on what entries oblige: acknowledgements, escalations, outages, suspensions.

These tables are derived from entries inside the same transaction that
stores the entry, so they can always be rebuilt from the logs and never
disagree with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, insert, select, update

from detente.store.schema import (
    acks,
    entries,
    escalations,
    outages,
    receipts,
    suspensions,
)


def record_ack(
    conn: Connection, *, ref: str, party: str, channel_id: str, ack_id: str, role: str, t: float
) -> bool:
    """Record the first acknowledgement of ``ref`` by ``party``; False if one exists."""
    exists = conn.execute(
        select(acks.c.ack_id).where(acks.c.ref == ref, acks.c.party == party)
    ).first()
    if exists:
        return False
    conn.execute(
        insert(acks).values(
            ref=ref, party=party, channel_id=channel_id, ack_id=ack_id, role=role, t=t
        )
    )
    return True


def ack_of(conn: Connection, ref: str, party: str) -> tuple[str, str, float] | None:
    """(ack entry id, role, time) of ``party``'s acknowledgement of ``ref``."""
    row = conn.execute(
        select(acks.c.ack_id, acks.c.role, acks.c.t).where(acks.c.ref == ref, acks.c.party == party)
    ).first()
    return (row.ack_id, row.role, float(row._mapping["t"])) if row else None


def record_escalation(
    conn: Connection, *, ref: str, tier: str, channel_id: str, escalation_id: str, t: float
) -> None:
    conn.execute(
        insert(escalations).values(
            ref=ref, tier=tier, channel_id=channel_id, escalation_id=escalation_id, t=t
        )
    )


def escalations_of(conn: Connection, ref: str) -> list[tuple[str, float]]:
    """(tier, time) of every escalation of ``ref``, oldest first."""
    rows = conn.execute(
        select(escalations.c.tier, escalations.c.t)
        .where(escalations.c.ref == ref)
        .order_by(escalations.c.t)
    )
    return [(r.tier, float(r._mapping["t"])) for r in rows]


def hold_item(conn: Connection, ref: str) -> None:
    """Lock the stored entry ``ref`` until the caller's transaction ends.

    Storing an acknowledgement and raising a missed-deadline alarm both take
    this lock first, so one always sees the other's commit: an alarm is never
    raised over an acknowledgement that cleared it a moment before. (SQLite
    admits one writer at a time anyway and ignores the lock.)
    """
    conn.execute(select(entries.c.id).where(entries.c.id == ref).with_for_update())


@dataclass(frozen=True, slots=True)
class OpenItem:
    """A statement awaiting a human acknowledgement from ``reader``."""

    id: str
    channel_id: str
    author: str
    seq: int
    kind: str
    precedence: str
    tier: str
    t: float
    received_t: float
    receipt_t: float | None


def unacknowledged(
    conn: Connection,
    *,
    channel_id: str,
    author: str,
    reader: str,
    kinds: list[str],
    not_after_t: float | None = None,
) -> list[OpenItem]:
    """Statements by ``author`` needing acknowledgement that ``reader`` has not given.

    ``not_after_t`` skips statements too young for any deadline to have passed,
    so a tick stays cheap however many fresh statements wait.
    """
    receipt_t = (
        select(func.min(receipts.c.t))
        .where(
            receipts.c.channel_id == entries.c.channel_id,
            receipts.c.by_party == reader,
            receipts.c.up_to_seq >= entries.c.seq,
        )
        .scalar_subquery()
    )
    query = (
        select(
            entries.c.id,
            entries.c.channel_id,
            entries.c.party,
            entries.c.seq,
            entries.c.kind,
            entries.c.precedence,
            entries.c.tier,
            entries.c.t,
            entries.c.received_t,
            receipt_t.label("receipt_t"),
        )
        .select_from(
            entries.outerjoin(acks, and_(acks.c.ref == entries.c.id, acks.c.party == reader))
        )
        .where(
            entries.c.channel_id == channel_id,
            entries.c.party == author,
            entries.c.kind.in_(kinds),
            acks.c.ack_id.is_(None),
        )
        .order_by(entries.c.seq)
    )
    if not_after_t is not None:
        query = query.where(entries.c.t <= not_after_t)
    return [
        OpenItem(
            r.id,
            r.channel_id,
            r.party,
            int(r.seq),
            r.kind,
            r.precedence,
            r.tier,
            float(r._mapping["t"]),
            float(r.received_t),
            float(r.receipt_t) if r.receipt_t is not None else None,
        )
        for r in conn.execute(query)
    ]


def open_outage(conn: Connection, channel_id: str, peer: str) -> tuple[int, float, int] | None:
    """(id, start, missed checks) of the current outage towards ``peer``."""
    row = conn.execute(
        select(outages.c.outage_id, outages.c.start_t, outages.c.missed_checks).where(
            outages.c.channel_id == channel_id, outages.c.peer == peer, outages.c.end_t.is_(None)
        )
    ).first()
    return (int(row.outage_id), float(row.start_t), int(row.missed_checks)) if row else None


def start_outage(
    conn: Connection, channel_id: str, peer: str, start_t: float, missed_checks: int
) -> None:
    conn.execute(
        insert(outages).values(
            channel_id=channel_id, peer=peer, start_t=start_t, missed_checks=missed_checks
        )
    )


def update_outage(conn: Connection, outage_id: int, *, missed_checks: int) -> None:
    conn.execute(
        update(outages).where(outages.c.outage_id == outage_id).values(missed_checks=missed_checks)
    )


def end_outage(conn: Connection, outage_id: int, end_t: float) -> None:
    conn.execute(update(outages).where(outages.c.outage_id == outage_id).values(end_t=end_t))


def record_outage(
    conn: Connection, channel_id: str, peer: str, start_t: float, end_t: float, missed: int
) -> None:
    """An outage the peer reported: recorded closed, as the peer saw it."""
    conn.execute(
        insert(outages).values(
            channel_id=channel_id, peer=peer, start_t=start_t, end_t=end_t, missed_checks=missed
        )
    )


def list_outages(conn: Connection, channel_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(outages).where(outages.c.channel_id == channel_id).order_by(outages.c.start_t)
    )
    return [dict(r._mapping) for r in rows]


def start_suspension(
    conn: Connection, *, entry_id: str, channel_id: str, party: str, reason: str, t: float
) -> None:
    conn.execute(
        insert(suspensions).values(
            entry_id=entry_id, channel_id=channel_id, party=party, reason=reason, start_t=t
        )
    )


def end_suspension(conn: Connection, *, entry_id: str, resume_id: str, t: float) -> None:
    conn.execute(
        update(suspensions)
        .where(suspensions.c.entry_id == entry_id)
        .values(end_t=t, resume_id=resume_id)
    )


_ACTIVE_SUSPENSIONS = select(suspensions).where(
    suspensions.c.channel_id == bindparam("channel_id"), suspensions.c.end_t.is_(None)
)
"""Checked for every entry sent or received: built once (see ``logs.py`` for why)."""


def active_suspensions(conn: Connection, channel_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(_ACTIVE_SUSPENSIONS, {"channel_id": channel_id})
    return [dict(r._mapping) for r in rows]


def list_suspensions(conn: Connection, channel_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(suspensions)
        .where(suspensions.c.channel_id == channel_id)
        .order_by(suspensions.c.start_t)
    )
    return [dict(r._mapping) for r in rows]
