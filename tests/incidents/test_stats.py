"""Statistics across incidents, and response times within one, per side."""

from __future__ import annotations

from typing import Any

from detente.incidents.state import IncidentBook
from detente.incidents.stats import incident_stats, response_times
from tests.incidents.builders import KEY, ack, assess, close, endorse, h, opening, say


def _book() -> IncidentBook:
    book = IncidentBook(("CN", "US"))
    book.feed(
        [
            # US opens at 0, CN acknowledges at 30, both talk, resolved at 600.
            opening(10, "US", 0),
            ack(11, "CN", 30, ref=10),
            say(12, "US", 40, 10),
            ack(13, "CN", 100, ref=12),
            say(14, "CN", 120, 10, code="WILCO"),
            ack(15, "US", 130, ref=14),
            close(16, "US", 500, 10),
            endorse(17, "CN", 600, 10, proposal=16),
            # CN opens another at 1000; US acknowledges at 1090; still open, assessed 2 by CN.
            opening(20, "CN", 1000, key=KEY.replace("0900", "0916"), level=2),
            ack(21, "US", 1090, ref=20),
            assess(22, "CN", 1100, 20, 2),
            # A third, never acknowledged.
            opening(30, "US", 2000, key=KEY.replace("0900", "0933"), level=4),
        ]
    )
    return book


def test_incident_stats_counts_and_medians_per_side() -> None:
    stats: Any = incident_stats(_book().views())
    assert stats["count"] == 3
    assert stats["by_type"] == {"unsafe_encounter_sea": 3}
    assert stats["by_level"] == {"2": 1, "3": 1, "4": 1}
    assert stats["by_state"] == {"acknowledged": 1, "opened": 1, "resolved": 1}
    us = stats["per_side"]["US"]
    assert us["opened"] == 2
    assert us["time_to_peer_ack"] == {"count": 1, "median_s": 30.0, "max_s": 30.0}
    assert us["time_to_resolution"]["median_s"] == 600.0
    assert us["time_to_acknowledge_others"]["median_s"] == 90.0
    cn = stats["per_side"]["CN"]
    assert cn["time_to_peer_ack"]["median_s"] == 90.0
    assert cn["time_to_resolution"]["count"] == 0
    assert stats["time_to_peer_ack"]["median_s"] == 60.0


def test_response_times_per_side_within_one_incident() -> None:
    times = response_times(_book().view(h(10)))
    assert times["CN"] == {"count": 2, "median_s": 45.0, "max_s": 60.0}
    assert times["US"] == {"count": 1, "median_s": 10.0, "max_s": 10.0}


def test_incident_stats_of_nothing() -> None:
    stats: Any = incident_stats([])
    assert stats["count"] == 0 and stats["time_to_peer_ack"]["median_s"] is None
