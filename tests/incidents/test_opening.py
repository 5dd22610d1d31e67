"""Opening from an alert: both sides compute the same event key; the body states the facts."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from detente.incidents.opening import encounter_event_key, opening_from_alert, report_event_key
from tests.incidents.builders import head_on_alert

track = st.text(min_size=1, max_size=40)


@settings(max_examples=100)
@given(track, track, st.integers(min_value=0, max_value=59))
def test_event_key_is_the_same_whichever_side_lists_the_pair_first(
    a: str, b: str, second: int
) -> None:
    at = datetime(2026, 11, 27, 9, 30, second, tzinfo=UTC)
    assert encounter_event_key(a, b, at) == encounter_event_key(b, a, at)
    assert encounter_event_key(a, b, at).endswith(":20261127T0930Z")


def test_event_key_differs_by_minute_and_pair() -> None:
    at = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
    later = datetime(2026, 11, 27, 9, 31, tzinfo=UTC)
    assert encounter_event_key("a", "b", at) != encounter_event_key("a", "b", later)
    assert encounter_event_key("a", "b", at) != encounter_event_key("a", "c", at)


def test_opening_from_a_critical_sea_alert() -> None:
    alert = head_on_alert()
    body = opening_from_alert(alert, "ab" * 32, datetime(2026, 11, 27, 9, 0, 5, tzinfo=UTC))
    assert body.type.value == "unsafe_encounter_sea"
    assert body.level == 3 and "critical" in body.tags
    assert body.title == "Critical encounter: Haikou / Decatur"
    assert "500 m" in body.facts[0]
    assert [link.kind for link in body.links] == ["entry", "encounter", "track", "track"]
    assert body.links[0].id == "ab" * 32
    assert body.event_key == encounter_event_key(
        "mmsi:369000002", "mmsi:412000001", datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    )


def test_report_event_key_is_per_party_and_title() -> None:
    at = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    assert report_event_key("US", "Laser", at) != report_event_key("CN", "Laser", at)
    assert report_event_key("US", "Laser", at).startswith("report:US:")
