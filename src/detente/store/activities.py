"""Queries on plans (ours, private), activity notices (both logs) and their conflicts."""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select

from detente.store.schema import activity_conflicts, entries, plans

ACTIVITY_KINDS = ("activity_notice", "activity_update", "activity_cancel")


def put_plan(conn: Connection, plan_id: str, kind: str, title: str, data: dict[str, Any]) -> None:
    conn.execute(delete(plans).where(plans.c.plan_id == plan_id))
    conn.execute(
        insert(plans).values(
            plan_id=plan_id, kind=kind, title=title, data=json.dumps(data), created_t=time.time()
        )
    )


def delete_plan(conn: Connection, plan_id: str) -> bool:
    return bool(conn.execute(delete(plans).where(plans.c.plan_id == plan_id)).rowcount)


def list_plans(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(select(plans).order_by(plans.c.created_t))
    return [json.loads(r.data) for r in rows]


def activity_entries(conn: Connection) -> list[tuple[str, str, str, dict[str, Any], float]]:
    """(entry id, channel, party, payload, t) of every activity entry, in time order."""
    rows = conn.execute(
        select(entries.c.id, entries.c.channel_id, entries.c.party, entries.c.payload, entries.c.t)
        .where(entries.c.kind.in_(ACTIVITY_KINDS))
        .order_by(entries.c.t, entries.c.seq)
    )
    return [
        (r.id, r.channel_id, r.party, json.loads(r.payload), float(r._mapping["t"])) for r in rows
    ]


def generation(conn: Connection) -> tuple[int, int]:
    """Changes when notices or plans change: a cheap staleness check for worker caches."""
    notices = conn.execute(
        select(func.count()).select_from(entries).where(entries.c.kind.in_(ACTIVITY_KINDS))
    ).scalar()
    own = conn.execute(select(func.count()).select_from(plans)).scalar()
    return int(notices or 0), int(own or 0)


def record_conflict(
    conn: Connection, a_ref: str, b_ref: str, channel_id: str | None, data: dict[str, Any]
) -> bool:
    """Store a conflict once per pair (either order); True if it is new."""
    low, high = sorted((a_ref, b_ref))
    exists = conn.execute(
        select(activity_conflicts.c.conflict_id).where(
            activity_conflicts.c.a_ref == low, activity_conflicts.c.b_ref == high
        )
    ).first()
    if exists:
        return False
    conn.execute(
        insert(activity_conflicts).values(
            a_ref=low,
            b_ref=high,
            channel_id=channel_id,
            data=json.dumps(data),
            detected_t=time.time(),
        )
    )
    return True


def list_conflicts(conn: Connection, limit: int = 500) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(activity_conflicts).order_by(activity_conflicts.c.detected_t.desc()).limit(limit)
    )
    return [
        {
            "a": r.a_ref,
            "b": r.b_ref,
            "channel": r.channel_id,
            "detected_t": r.detected_t,
            **json.loads(r.data),
        }
        for r in rows
    ]
