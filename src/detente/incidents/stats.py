"""Statistics across incidents and response times within one, per side.

Times are measured between signed entry times (each side's own clock, as
signed), never on the reading node's clock, so both nodes compute the same
figures from the same logs.

Pure: it must never read a clock or a database.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Sequence

from detente.incidents.state import IncidentView, State
from detente.types import JSONObject, JSONValue
from detente.wire.entry import parse_t


def _seconds(start: str, end: str) -> float:
    return (parse_t(end) - parse_t(start)).total_seconds()


def _summary(values: Sequence[float]) -> JSONObject:
    return {
        "count": len(values),
        "median_s": statistics.median(values) if values else None,
        "max_s": max(values) if values else None,
    }


def time_to_peer_ack_s(view: IncidentView) -> float | None:
    """From the opening to the first acknowledgement of it by another side."""
    acks = [a.t for p, a in view.acknowledged_by.items() if p != view.opener]
    return _seconds(view.opened_t, min(acks)) if acks else None


def time_to_resolution_s(view: IncidentView) -> float | None:
    resolved = view.first_t(State.RESOLVED)
    return _seconds(view.opened_t, resolved) if resolved else None


def incident_stats(views: Iterable[IncidentView]) -> JSONObject:
    """Counts by type, level and state; median times per opening side and per acknowledging side."""
    listed = list(views)
    parties = sorted({p for v in listed for p in v.parties})
    per_side: dict[str, JSONValue] = {}
    for party in parties:
        mine = [v for v in listed if v.opener == party]
        peer_ack = [t for v in mine if (t := time_to_peer_ack_s(v)) is not None]
        resolution = [t for v in mine if (t := time_to_resolution_s(v)) is not None]
        own_ack = [
            _seconds(v.opened_t, v.acknowledged_by[party].t)
            for v in listed
            if v.opener != party and party in v.acknowledged_by
        ]
        per_side[party] = {
            "opened": len(mine),
            "time_to_peer_ack": _summary(peer_ack),
            "time_to_resolution": _summary(resolution),
            "time_to_acknowledge_others": _summary(own_ack),
        }
    every_ack = [t for v in listed if (t := time_to_peer_ack_s(v)) is not None]
    every_resolution = [t for v in listed if (t := time_to_resolution_s(v)) is not None]
    return {
        "count": len(listed),
        "by_type": dict(sorted(Counter(v.type for v in listed).items())),
        "by_level": {str(k): n for k, n in sorted(Counter(v.level for v in listed).items())},
        "by_state": dict(sorted(Counter(v.state.value for v in listed).items())),
        "time_to_peer_ack": _summary(every_ack),
        "time_to_resolution": _summary(every_resolution),
        "per_side": per_side,
    }


def response_times(view: IncidentView) -> JSONObject:
    """Per side: how long it took to acknowledge the other side's entries on the timeline."""
    delays: dict[str, list[float]] = {p: [] for p in view.parties}
    for row in view.timeline:
        for ack in row.acks:
            if ack.party != row.party:
                delays.setdefault(ack.party, []).append(_seconds(row.t, ack.t))
    return {party: _summary(values) for party, values in sorted(delays.items())}
