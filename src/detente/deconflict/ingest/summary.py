"""One row per track of an ingest: who, how many states, when, and where it was last.

What ``detente tracks summary`` prints, kept in the library so the web and
API views can show the same rows. Must never re-read files: it only folds the
states an ``IngestReport`` already holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from detente.deconflict.ingest.report import IngestReport
from detente.deconflict.track import TrackState
from detente.types import JSONObject

MALFORMED_SHOWN = 100


def iso_utc(t: float) -> str:
    """Epoch seconds as ISO-8601 UTC with a ``Z``, to the millisecond at most."""
    moment = datetime.fromtimestamp(t, tz=UTC)
    text = moment.isoformat(timespec="milliseconds" if moment.microsecond else "seconds")
    return text.replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class TrackSummary:
    """A track's identity, state count, time span and last position."""

    track: str
    party: str | None
    name: str | None
    domain: str
    states: int
    first_t: float
    last_t: float
    lat_deg: float
    lon_deg: float

    def to_dict(self) -> JSONObject:
        return {
            "track": self.track,
            "party": self.party,
            "name": self.name,
            "domain": self.domain,
            "states": self.states,
            "first_t": iso_utc(self.first_t),
            "last_t": iso_utc(self.last_t),
            "lat": round(self.lat_deg, 6),
            "lon": round(self.lon_deg, 6),
        }


def summarize(states: Iterable[TrackState]) -> list[TrackSummary]:
    """Rows sorted by track id; the last state (by time) gives party, name and position."""
    first: dict[str, TrackState] = {}
    last: dict[str, TrackState] = {}
    counts: dict[str, int] = {}
    for state in states:
        key = state.track
        counts[key] = counts.get(key, 0) + 1
        if key not in first or state.t < first[key].t:
            first[key] = state
        if key not in last or state.t >= last[key].t:
            last[key] = state
    return [
        TrackSummary(
            track=key,
            party=last[key].party,
            name=last[key].name,
            domain=last[key].domain,
            states=counts[key],
            first_t=first[key].t,
            last_t=last[key].t,
            lat_deg=last[key].lat_deg,
            lon_deg=last[key].lon_deg,
        )
        for key in sorted(counts)
    ]


def summary_json(report: IngestReport) -> JSONObject:
    """The JSON document of ``detente tracks summary``."""
    return {
        "tracks": [row.to_dict() for row in summarize(report.states)],
        "malformed": report.malformed_count,
        "malformed_lines": [
            {"file": bad.source, "line": bad.line, "reason": bad.reason}
            for bad in report.malformed[:MALFORMED_SHOWN]
        ],
    }
