"""The encounter watch: tracks in, encounters screened, alerts out, with no one in the loop.

Track states arrive from live feeds (TCP, UDP) and the operator API; every
half second the watch screens them per channel with that channel's agreed
thresholds. When an encounter between our unit and the peer's reaches the
pre-delegated level, the node itself sends an ``encounter_alert`` entry (the
safety floor: it flows even while dialogue is suspended), at most once per
level per encounter. Predicted incursions into the other party's notified
volumes raise alarms on our side.

Time is the data's own (the newest report), so replays and simulations run
at any speed. Each batch's latest states and its thinned history (for the
map's replay) commit in one transaction; the history's retention follows the
wall clock, as the map's replay span does.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Sequence

from detente.deconflict.alert import EncounterAlertBody
from detente.deconflict.attribution.registry import UnitRegistry
from detente.deconflict.encounter import Encounter, EncounterEvent, EncounterTracker, EventKind
from detente.deconflict.incursion import predict_incursions
from detente.deconflict.thresholds import Level
from detente.deconflict.track import TrackState
from detente.link.outgoing import Draft
from detente.node.activities import ActivityBook
from detente.node.own_voice import speak
from detente.node.service import NodeService
from detente.store import alarms, track_history
from detente.store import tracks as queries
from detente.store.channels import ChannelRow
from detente.wire.enums import Precedence, Tier

log = logging.getLogger(__name__)

PRECEDENCE = {
    Level.CRITICAL: Precedence.FLASH,
    Level.WARNING: Precedence.IMMEDIATE,
    Level.CAUTION: Precedence.PRIORITY,
}
MAX_PENDING = 200_000


def _row(encounter: Encounter) -> dict[str, object]:
    data = {
        "cpa_m": encounter.cpa_m,
        "tcpa_s": encounter.tcpa_s,
        "range_m": encounter.range_m,
        "vsep_m": encounter.vsep_m,
        "first_cpa_m": encounter.first_cpa_m,
        "first_tcpa_s": encounter.first_tcpa_s,
        "cpa_t": encounter.cpa_t,
        "a_state": _state(encounter.a),
        "b_state": _state(encounter.b),
        "clear_reason": encounter.clear_reason,
    }
    return {
        "encounter_id": encounter.id,
        "domain": encounter.domain,
        "track_a": encounter.a.track,
        "track_b": encounter.b.track,
        "party_a": encounter.a.party,
        "party_b": encounter.b.party,
        "level": encounter.level.label,
        "max_level": encounter.max_level.label,
        "first_alert_t": encounter.first_alert_t,
        "closest_m": encounter.closest_m,
        "closest_t": encounter.closest_t,
        "updated_t": encounter.updated_t,
        "cleared_t": encounter.cleared_t,
        "data": json.dumps(data),
    }


def _state(state: TrackState) -> dict[str, object]:
    return {
        "track": state.track,
        "party": state.party,
        "name": state.name,
        "lat_deg": state.lat_deg,
        "lon_deg": state.lon_deg,
        "alt_m": state.alt_m,
        "course_deg": state.course_deg,
        "speed_mps": state.speed_mps,
        "t": state.t,
    }


class EncounterWatch:
    """Fed by feeds and the API; ticked by the duty holder."""

    def __init__(
        self, service: NodeService, book: ActivityBook, registry: UnitRegistry | None = None
    ) -> None:
        self.service = service
        self.book = book
        self.registry = registry
        self._lock = threading.Lock()
        self._pending: list[TrackState] = []
        self._trackers: dict[str, EncounterTracker] = {}
        self._latest: dict[str, TrackState] = {}
        self._history = track_history.HistoryWriter()
        self.alerts_sent = 0
        self.dropped = 0

    def ingest(self, states: Sequence[TrackState]) -> None:
        """Thread-safe: queue states for the next tick (attributed to parties here)."""
        if self.registry is not None:
            states = [self.registry.attribute(s) for s in states]
        with self._lock:
            room = MAX_PENDING - len(self._pending)
            if room < len(states):
                self.dropped += len(states) - max(room, 0)
                states = states[: max(room, 0)]
            self._pending.extend(states)

    def tick(self, now: float) -> None:
        with self._lock:
            batch, self._pending = self._pending, []
        if not batch:
            return
        self._store(batch, now)
        for state in batch:
            held = self._latest.get(state.track)
            if held is None or state.t >= held.t:
                self._latest[state.track] = state
        data_now = max(s.t for s in batch)
        for row in self.service.channels():
            if row.state != "active":
                continue
            terms = self.service.channel_settings(row).encounters
            tracker = self._trackers.get(row.channel_id)
            if tracker is None:
                tracker = EncounterTracker(terms.thresholds, parties=[m.party for m in row.members])
                self._trackers[row.channel_id] = tracker
            for event in tracker.update(batch, now_s=data_now):
                self._handle(row, event)
        self._incursions(data_now)

    def _store(self, batch: Sequence[TrackState], now: float) -> None:
        """Latest states and the thinned history commit together: a replay never shows
        a past the map's live view did not have."""
        try:
            with self.service.db.writing() as conn:
                queries.put_latest(conn, batch)
                self._history.write(conn, batch, now)
        except Exception:
            self._history.forget()  # it may remember states the rollback undid
            raise

    def _handle(self, row: ChannelRow, event: EncounterEvent) -> None:
        encounter = event.encounter
        with self.service.db.writing() as conn:
            queries.put_encounter(conn, _row(encounter))
            alerted, _alerted_t = queries.alert_state(conn, encounter.id)
        if event.kind not in (EventKind.OPENED, EventKind.LEVEL_RAISED):
            return
        terms = self.service.channel_settings(row).encounters
        notify_at = Level[terms.notify_level.upper()]
        me = self.service.party
        parties = {encounter.a.party, encounter.b.party}
        peers = {m.party for m in row.peers}
        if encounter.level < notify_at or me not in parties or not parties & peers:
            return
        if alerted is not None and Level[alerted.upper()] >= encounter.level:
            return  # this level was already told; only a rise is news
        body = EncounterAlertBody.from_encounter(encounter)
        said = speak(
            self.service,
            row.channel_id,
            [
                Draft(
                    "encounter_alert",
                    body.model_dump(mode="json"),
                    PRECEDENCE[encounter.level],
                    Tier.OPERATIONAL,
                )
            ],
            duty="encounters",
        )
        # Held for a person (the terms do not pre-delegate this level) still counts
        # as told at this level: the held row and its alarm stand for it.
        sent = said.signed[0] if said.signed else None
        if sent is not None:
            self.alerts_sent += 1
        with self.service.db.writing() as conn:
            queries.mark_alerted(
                conn,
                encounter.id,
                encounter.level.label,
                sent.id if sent is not None else None,
                sent.entry.t_epoch if sent is not None else time.time(),
            )

    def _incursions(self, data_now: float) -> None:
        rows = [r for r in self.service.channels() if r.state == "active"]
        if not rows:
            return
        horizon = self.service.channel_settings(rows[0]).activities.incursion_horizon_s
        fresh = [s for s in self._latest.values() if data_now - s.t < 600]
        me = self.service.party
        for incursion in predict_incursions(fresh, self.book.index(), horizon_s=horizon):
            if me not in (incursion.party, incursion.activity.party):
                continue
            ref = hashlib.sha256(
                f"{incursion.track}|{incursion.activity.activity}".encode()
            ).hexdigest()
            with self.service.db.writing() as conn:
                alarms.raise_alarm(
                    conn,
                    kind="incursion",
                    severity=3,
                    text=f"{incursion.track} ({incursion.party}) predicted inside "
                    f"{incursion.activity.party}'s activity {incursion.activity.activity[:12]} "
                    f"in {incursion.time_to_entry_s:.0f} s",
                    ref=ref,
                    details=dict(incursion.to_dict()),
                )
