"""Change marks: one short hash per live topic, cheap enough to compute twice a second.

A page records the marks *before* it reads its data and hands them to the
event stream (``?since=``), and every event carries them back as its id,
so no change is lost between rendering a page and opening its stream, or
while the stream reconnects. Marks come from small tables only (log heads,
delivery cursors, alarms), never from counting the entries table.
"""

from __future__ import annotations

import hashlib
from typing import Final

from sqlalchemy import func, select

from detente.node.service import NodeService
from detente.store.schema import alarms, deliveries, log_heads

TOPICS: Final = ("entries", "alarms", "delivery")

Marks = dict[str, str]


def current(service: NodeService) -> Marks:
    """The marks now; a topic changed when its mark did."""
    with service.db.reading() as conn:
        heads = conn.execute(select(func.count(), func.sum(log_heads.c.size))).one()
        alarm_mark = conn.execute(
            select(
                func.count(),
                func.max(alarms.c.alarm_id),
                func.max(alarms.c.raised_t),
                func.max(alarms.c.cleared_t),
            )
        ).one()
        cursors = conn.execute(select(func.count(), func.sum(deliveries.c.acked_seq))).one()
    return {
        "entries": _digest(tuple(heads)),
        "alarms": _digest(tuple(alarm_mark)),
        "delivery": _digest(tuple(cursors)),
    }


def _digest(mark: tuple[object, ...]) -> str:
    return hashlib.sha256(repr(tuple(str(v) for v in mark)).encode()).hexdigest()[:12]


def encode(marks: Marks) -> str:
    return ".".join(f"{topic}:{mark}" for topic, mark in sorted(marks.items()))


def decode(value: str | None) -> Marks:
    """Marks from an id or query value; anything unrecognised is dropped."""
    out: Marks = {}
    for part in (value or "")[:500].split("."):
        topic, _, mark = part.partition(":")
        if topic in TOPICS and len(mark) == 12 and all(c in "0123456789abcdef" for c in mark):
            out[topic] = mark
    return out
