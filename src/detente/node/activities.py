"""The node's activity book: notices of both parties, our private plans, their conflicts.

An R-tree index (``deconflict.index``) holds every active volume. When a
peer's notice is stored, it is checked at once against our plans and our own
notices; each conflict is recorded with its overlap and raises an alarm, so
the duty officer sees it within a second of arrival. Our own draft notices
are checked before they are sent and the conflicts returned as warnings.
Plans never leave the node.

The index is a per-worker cache rebuilt from the database whenever the
notices or plans changed (``generation``), so several workers agree.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from detente.deconflict.activity import (
    ActivityCancelBody,
    ActivityNoticeBody,
    ActivityUpdateBody,
    parse_activity,
)
from detente.deconflict.conflict import ActivityKey, Conflict, ConflictBuffer
from detente.deconflict.index import ActivityIndex
from detente.deconflict.plan import Plan
from detente.deconflict.volume import Volume
from detente.node.service import NodeService
from detente.store import activities as queries
from detente.store import alarms
from detente.store.channels import ChannelRow
from detente.wire.entry import SignedEntry


def plan_ref(plan_id: str) -> str:
    return f"plan:{plan_id}"


class ActivityBook:
    def __init__(self, service: NodeService) -> None:
        self.service = service
        self._lock = threading.Lock()
        self._index: ActivityIndex | None = None
        self._generation: tuple[int, int] | None = None
        self._channel_of: dict[str, str] = {}
        self._titles: dict[str, str] = {}
        self.recorded = 0

    def _buffer(self) -> ConflictBuffer:
        rows = [r for r in self.service.channels() if r.state == "active"]
        if not rows:
            return ConflictBuffer(0.0, 0.0)
        terms = self.service.channel_settings(rows[0]).activities
        return ConflictBuffer(terms.buffer_m, terms.buffer_s)

    def index(self) -> ActivityIndex:
        """The current index, rebuilt if notices or plans changed since last time."""
        with self.service.db.reading() as conn:
            generation = queries.generation(conn)
            if self._index is not None and generation == self._generation:
                return self._index
            notices = queries.activity_entries(conn)
            plans = queries.list_plans(conn)
        with self._lock:
            index = ActivityIndex(self._buffer())
            self._channel_of.clear()
            for entry_id, channel_id, party, payload, _t in notices:
                body = parse_activity(payload["kind"], payload["body"])
                if isinstance(body, ActivityNoticeBody):
                    index.add(ActivityKey(party, entry_id), body.volumes)
                    self._channel_of[entry_id] = channel_id
                    self._titles[entry_id] = body.title
                elif isinstance(body, ActivityUpdateBody):
                    index.remove(ActivityKey(party, body.ref))
                    index.add(ActivityKey(party, body.ref), body.volumes)
                    self._titles[body.ref] = body.title
                else:
                    index.remove(ActivityKey(party, body.ref))
            for data in plans:
                plan = Plan.model_validate(data)
                index.add(plan.key, plan.volumes)
                self._titles[plan.key.activity] = plan.title
            self._index, self._generation = index, generation
            return index

    # our side -------------------------------------------------------------------

    def check_draft(self, volumes: Sequence[Volume]) -> list[dict[str, Any]]:
        """Conflicts a notice of ours would have with the peer's notices (warnings)."""
        found = self.index().check(volumes, exclude_party=self.service.party)
        return [self._describe(c) for c in found]

    def add_plan(self, plan: Plan) -> list[dict[str, Any]]:
        """Store a private plan and return its conflicts with the peer's notices."""
        with self.service.db.writing() as conn:
            queries.put_plan(
                conn, plan.plan_id, plan.kind, plan.title, plan.model_dump(mode="json")
            )
        conflicts = self.index().check(plan.volumes, exclude_party=plan.party, key=plan.key)
        self._record(conflicts, None)
        return [self._describe(c) for c in conflicts]

    # arrivals ---------------------------------------------------------------------

    def on_stored(self, row: ChannelRow, stored: Sequence[SignedEntry]) -> None:
        """A notice from the peer: check it against our plans and notices, now."""
        for item in stored:
            entry = item.entry
            if entry.kind not in ("activity_notice", "activity_update"):
                continue
            body = parse_activity(entry.kind, entry.body)
            if isinstance(body, ActivityCancelBody):
                continue
            key_id = body.ref if isinstance(body, ActivityUpdateBody) else item.id
            index = self.index()
            conflicts = index.check(
                body.volumes,
                exclude_party=entry.party,
                key=ActivityKey(entry.party, key_id),
            )
            self._record(conflicts, row.channel_id)

    def _record(self, conflicts: Sequence[Conflict], channel_id: str | None) -> None:
        me = self.service.party
        for conflict in conflicts:
            if conflict.a is None or me not in (conflict.a.party, conflict.b.party):
                continue  # two other parties' activities: not ours to raise
            described = self._describe(conflict)
            with self.service.db.writing() as conn:
                new = queries.record_conflict(
                    conn, conflict.a.activity, conflict.b.activity, channel_id, described
                )
                self.recorded += int(new)
                if new:
                    alarms.raise_alarm(
                        conn,
                        kind="activity_conflict",
                        severity=3,
                        text=f"{described['a_title']} ({conflict.a.party}) overlaps "
                        f"{described['b_title']} ({conflict.b.party}): "
                        f"{described['area_km2']:.1f} km², {described['start']} to "
                        f"{described['end']}",
                        ref=_conflict_ref(conflict.a.activity, conflict.b.activity),
                        channel_id=channel_id,
                        details={"a": conflict.a.activity, "b": conflict.b.activity},
                    )

    def _describe(self, conflict: Conflict) -> dict[str, Any]:
        data: dict[str, Any] = dict(conflict.to_dict())
        a_party, a_activity = (
            (conflict.a.party, conflict.a.activity) if conflict.a else (self.service.party, "draft")
        )
        data["a_title"] = self._titles.get(a_activity, a_activity)
        data["b_title"] = self._titles.get(conflict.b.activity, conflict.b.activity)
        data["parties"] = [a_party, conflict.b.party]
        return data


def _conflict_ref(a: str, b: str) -> str:
    import hashlib

    low, high = sorted((a, b))
    return hashlib.sha256(f"{low}|{high}".encode()).hexdigest()
