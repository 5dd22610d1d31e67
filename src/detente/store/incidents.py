"""Queries for incidents: one channel's entries in the canonical order the fold reads.

Incidents are folded from the logs on demand (``detente.incidents.state``),
so there is nothing to keep in step: these queries only read entries and,
for each, when the reader's node stored it.

Must never write: incident state lives in the signed entries alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from detente.store.schema import entries, receipts

SKIPPED_KINDS = ("receipt", "link_check", "audit_anchor")
"""Machine traffic no incident reads; skipping it keeps a fold cheap."""


@dataclass(frozen=True, slots=True)
class FoldRow:
    id: str
    party: str
    seq: int
    t: float
    kind: str
    precedence: str
    tier: str
    payload: str
    stored_t: float
    """When our node stored it."""
    read_t: float | None
    """When the other side's node stored it: our receipt time for theirs, theirs for ours."""


def channel_rows(
    conn: Connection, channel_id: str, *, skip: Sequence[str] = SKIPPED_KINDS
) -> list[FoldRow]:
    """Both logs of a channel in (time, party, seq) order: the same order on both nodes."""
    receipt_t = (
        select(func.min(receipts.c.t))
        .where(
            receipts.c.channel_id == entries.c.channel_id,
            receipts.c.of_party == entries.c.party,
            receipts.c.by_party != entries.c.party,
            receipts.c.up_to_seq >= entries.c.seq,
        )
        .scalar_subquery()
    )
    query = (
        select(
            entries.c.id,
            entries.c.party,
            entries.c.seq,
            entries.c.t,
            entries.c.kind,
            entries.c.precedence,
            entries.c.tier,
            entries.c.payload,
            entries.c.received_t,
            receipt_t.label("receipt_t"),
        )
        .where(entries.c.channel_id == channel_id, entries.c.kind.not_in(list(skip)))
        .order_by(entries.c.t, entries.c.party, entries.c.seq)
    )
    return [
        FoldRow(
            r.id,
            r.party,
            int(r.seq),
            float(r._mapping["t"]),
            r.kind,
            r.precedence,
            r.tier,
            r.payload,
            float(r.received_t),
            float(r.receipt_t) if r.receipt_t is not None else None,
        )
        for r in conn.execute(query)
    ]


def channels_with_incidents(conn: Connection) -> list[str]:
    """Channels holding at least one incident opening."""
    rows = conn.execute(
        select(entries.c.channel_id).where(entries.c.kind == "incident_open").distinct()
    )
    return [r.channel_id for r in rows]
