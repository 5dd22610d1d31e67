"""Queries on alarms: what an operator must see until someone clears it.

Any part of the node raises alarms here (equivocation, missed deadlines, a
link down). Raising is idempotent per ``(kind, ref)``: the same fault seen
again keeps one row, and a cleared alarm whose fault comes back is reopened
rather than duplicated. An alarm without ``ref`` is not deduplicated.

This module never decides what deserves an alarm and never deletes one: a
cleared alarm stays as history.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, insert, select, update

from detente.errors import NotFoundError, ValidationError
from detente.store.schema import alarms
from detente.types import JSONObject

MIN_SEVERITY = 1
MAX_SEVERITY = 5


@dataclass(frozen=True, slots=True)
class Alarm:
    """One alarm row."""

    alarm_id: int
    channel_id: str | None
    kind: str
    severity: int
    ref: str | None
    text: str
    details: JSONObject
    raised_t: float
    cleared_t: float | None
    created: bool = False
    """True when the call that returned this alarm opened (or reopened) it; not stored."""

    @property
    def is_open(self) -> bool:
        return self.cleared_t is None

    def to_dict(self) -> JSONObject:
        return {
            "id": self.alarm_id,
            "channel": self.channel_id,
            "kind": self.kind,
            "severity": self.severity,
            "ref": self.ref,
            "text": self.text,
            "details": self.details,
            "raised_t": self.raised_t,
            "cleared_t": self.cleared_t,
        }


def _alarm(row: object) -> Alarm:
    m = row._mapping  # type: ignore[attr-defined]
    return Alarm(
        alarm_id=int(m["alarm_id"]),
        channel_id=m["channel_id"],
        kind=m["kind"],
        severity=int(m["severity"]),
        ref=m["ref"],
        text=m["text"],
        details=json.loads(m["details"]),
        raised_t=float(m["raised_t"]),
        cleared_t=None if m["cleared_t"] is None else float(m["cleared_t"]),
    )


def raise_alarm(
    conn: Connection,
    kind: str,
    severity: int,
    text: str,
    *,
    ref: str | None = None,
    channel_id: str | None = None,
    details: JSONObject | None = None,
    now_s: float | None = None,
) -> Alarm:
    """Open an alarm, or return the one already open for ``(kind, ref)``.

    ``created`` on the result says whether this call opened (or reopened) it.

    A repeat never lowers the severity (it may raise it); a cleared alarm
    raised again is reopened with the new text and details, since the fault
    is back.
    """
    if not MIN_SEVERITY <= severity <= MAX_SEVERITY:
        raise ValidationError(
            f"severity {severity} is outside {MIN_SEVERITY}..{MAX_SEVERITY}", field="severity"
        )
    if not kind or len(kind) > 40:
        raise ValidationError("kind must be 1 to 40 characters", field="kind")
    if ref is not None and len(ref) > 64:
        raise ValidationError("ref must be at most 64 characters", field="ref")
    now = time.time() if now_s is None else now_s
    details_text = json.dumps(details or {}, sort_keys=True, separators=(",", ":"))
    if ref is not None:
        existing = find(conn, kind, ref, lock=True)
        if existing is not None:
            if existing.is_open:
                if severity > existing.severity:
                    conn.execute(
                        update(alarms)
                        .where(alarms.c.alarm_id == existing.alarm_id)
                        .values(severity=severity)
                    )
                    return replace(existing, severity=severity)
                return existing
            conn.execute(
                update(alarms)
                .where(alarms.c.alarm_id == existing.alarm_id)
                .values(
                    severity=severity,
                    text=text,
                    details=details_text,
                    raised_t=now,
                    cleared_t=None,
                    channel_id=channel_id,
                )
            )
            return replace(get(conn, existing.alarm_id), created=True)
    values = {
        "channel_id": channel_id,
        "kind": kind,
        "severity": severity,
        "ref": ref,
        "text": text,
        "details": details_text,
        "raised_t": now,
        "cleared_t": None,
    }
    if ref is None:
        result = conn.execute(insert(alarms).values(**values))
        return replace(get(conn, int(result.inserted_primary_key[0])), created=True)  # type: ignore[index]
    # A concurrent writer may have opened the same alarm since we looked.
    result = conn.execute(_insert_or_ignore(conn).values(**values))
    found = find(conn, kind, ref)
    assert found is not None
    return replace(found, created=bool(result.rowcount))


def _insert_or_ignore(conn: Connection) -> Any:
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(alarms).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(alarms).on_conflict_do_nothing()


def find(conn: Connection, kind: str, ref: str, *, lock: bool = False) -> Alarm | None:
    """The alarm for ``(kind, ref)``, open or cleared."""
    query = select(alarms).where(alarms.c.kind == kind, alarms.c.ref == ref)
    if lock and conn.dialect.name != "sqlite":
        query = query.with_for_update()
    row = conn.execute(query).first()
    return _alarm(row) if row is not None else None


def get(conn: Connection, alarm_id: int) -> Alarm:
    row = conn.execute(select(alarms).where(alarms.c.alarm_id == alarm_id)).first()
    if row is None:
        raise NotFoundError(f"no alarm {alarm_id}", field="alarm_id")
    return _alarm(row)


def list_open(
    conn: Connection,
    *,
    channel_id: str | None = None,
    kind: str | None = None,
    min_severity: int = MIN_SEVERITY,
) -> list[Alarm]:
    """Open alarms, most severe first, then oldest first."""
    query = select(alarms).where(alarms.c.cleared_t.is_(None), alarms.c.severity >= min_severity)
    if channel_id is not None:
        query = query.where(alarms.c.channel_id == channel_id)
    if kind is not None:
        query = query.where(alarms.c.kind == kind)
    query = query.order_by(alarms.c.severity.desc(), alarms.c.raised_t, alarms.c.alarm_id)
    return [_alarm(r) for r in conn.execute(query)]


def list_all(
    conn: Connection,
    *,
    channel_id: str | None = None,
    kind: str | None = None,
    limit: int = 200,
) -> list[Alarm]:
    """Open and cleared alarms, newest first: the history."""
    query = select(alarms)
    if channel_id is not None:
        query = query.where(alarms.c.channel_id == channel_id)
    if kind is not None:
        query = query.where(alarms.c.kind == kind)
    query = query.order_by(alarms.c.raised_t.desc(), alarms.c.alarm_id.desc()).limit(limit)
    return [_alarm(r) for r in conn.execute(query)]


def clear_kind_ref(conn: Connection, *, kind: str, ref: str, now_s: float | None = None) -> bool:
    """Clear the open alarm for ``(kind, ref)``, if any (its fault went away); True if one was."""
    result = conn.execute(
        update(alarms)
        .where(alarms.c.kind == kind, alarms.c.ref == ref, alarms.c.cleared_t.is_(None))
        .values(cleared_t=time.time() if now_s is None else now_s)
    )
    return bool(result.rowcount)


def clear(conn: Connection, alarm_id: int, *, now_s: float | None = None) -> Alarm:
    """Clear one alarm by id (an operator dealt with it); clearing twice is harmless."""
    found = get(conn, alarm_id)
    if not found.is_open:
        return found
    now = time.time() if now_s is None else now_s
    conn.execute(update(alarms).where(alarms.c.alarm_id == alarm_id).values(cleared_t=now))
    return replace(found, cleared_t=now)
