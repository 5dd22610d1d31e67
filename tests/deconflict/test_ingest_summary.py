"""Track summaries: one row per track, last state wins, times in ISO-8601 UTC."""

from __future__ import annotations

from detente.deconflict.ingest import IngestReport, Malformed
from detente.deconflict.ingest.summary import MALFORMED_SHOWN, iso_utc, summarize, summary_json
from detente.deconflict.track import TrackState


def _state(track: str, t: float, lat: float, party: str | None = None) -> TrackState:
    return TrackState(track, t, lat, 114.0, 5.0, 90.0, party=party)


def test_iso_utc_is_z_suffixed_and_keeps_milliseconds() -> None:
    assert iso_utc(1_767_225_600.0) == "2026-01-01T00:00:00Z"
    assert iso_utc(1_767_225_600.25) == "2026-01-01T00:00:00.250Z"


def test_summarize_counts_and_takes_the_latest_state_whatever_the_order() -> None:
    rows = summarize(
        [
            _state("b", 5.0, 2.0),
            _state("a", 9.0, 1.5, "CN"),
            _state("a", 1.0, 1.0),
            _state("a", 4.0, 1.2),
        ]
    )
    assert [(r.track, r.states, r.first_t, r.last_t, r.lat_deg, r.party) for r in rows] == [
        ("a", 3, 1.0, 9.0, 1.5, "CN"),
        ("b", 1, 5.0, 5.0, 2.0, None),
    ]


def test_summary_json_caps_the_malformed_list_but_counts_all() -> None:
    report = IngestReport(
        states=[_state("a", 0.0, 1.0)],
        malformed=[Malformed(n, "bad", "f.nmea") for n in range(1, 151)],
        malformed_count=400,
    )
    doc = summary_json(report)
    assert doc["malformed"] == 400
    assert isinstance(doc["malformed_lines"], list)
    assert len(doc["malformed_lines"]) == MALFORMED_SHOWN
    assert doc["malformed_lines"][0] == {"file": "f.nmea", "line": 1, "reason": "bad"}
