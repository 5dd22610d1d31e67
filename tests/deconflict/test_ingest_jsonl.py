"""JSON-lines states: strict validation, with the offending key named."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.deconflict.ingest import StateDecoder
from detente.deconflict.ingest.jsonl import KNOT_MPS, parse_state
from detente.errors import IngestError

GOOD = {
    "track": "DDG-1",
    "t": "2026-01-01T00:00:00Z",
    "lat": 15.0,
    "lon": 117.0,
    "speed_kn": 18.0,
    "course_deg": 45.0,
}


def test_jsonl_state_in_si_units_with_defaults() -> None:
    state = parse_state(json.dumps(GOOD))
    assert state.t == 1_767_225_600.0
    assert state.speed_mps == pytest.approx(18 * KNOT_MPS)
    assert (state.alt_m, state.vrate_mps, state.domain, state.party, state.name) == (
        0.0,
        0.0,
        "sea",
        None,
        None,
    )


def test_jsonl_optional_fields_and_epoch_time() -> None:
    line = json.dumps(
        GOOD
        | {
            "t": 1_767_225_600,
            "alt_m": 9000,
            "vrate_mps": -5,
            "domain": "air",
            "party": "US",
            "name": "P-8A",
        }
    )
    state = parse_state(line)
    assert (state.t, state.alt_m, state.vrate_mps, state.domain, state.party, state.name) == (
        1_767_225_600.0,
        9000.0,
        -5.0,
        "air",
        "US",
        "P-8A",
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lat": 91.0}, "lat"),
        ({"lon": -180.5}, "lon"),
        ({"speed_kn": True}, "speed_kn"),
        ({"speed_kn": -1}, "speed_kn"),
        ({"course_deg": "east"}, "course_deg"),
        ({"t": "2026-01-01T00:00:00"}, "t"),
        ({"t": "yesterday"}, "t"),
        ({"domain": "space"}, "domain"),
        ({"party": "us"}, "party"),
        ({"colour": "grey"}, "colour"),
        ({"track": ""}, "track"),
    ],
)
def test_jsonl_invalid_value_names_the_field(change: dict[str, object], field: str) -> None:
    with pytest.raises(IngestError) as caught:
        parse_state(json.dumps(GOOD | change))
    assert caught.value.field == field


def test_jsonl_missing_key_is_named() -> None:
    with pytest.raises(IngestError) as caught:
        parse_state(json.dumps({k: v for k, v in GOOD.items() if k != "course_deg"}))
    assert (caught.value.field, caught.value.reason) == ("course_deg", "is required")


def test_jsonl_decoder_counts_bad_lines_and_keeps_going() -> None:
    decoder = StateDecoder("jsonl")
    assert decoder.feed_line("[1, 2]", 0.0) == []
    assert decoder.feed_line("{not json", 0.0) == []
    assert len(decoder.feed_line(json.dumps(GOOD), 0.0)) == 1
    assert [(m.line, m.reason) for m in decoder.malformed] == [
        (1, "json: must be a JSON object"),
        (2, "json: not valid JSON"),
    ]


@given(
    st.floats(-90, 90),
    st.floats(-180, 180),
    st.floats(0, 5000),
    st.floats(0, 360),
)
@settings(max_examples=100)
def test_jsonl_round_trips_every_valid_state(
    lat: float, lon: float, speed_kn: float, course: float
) -> None:
    state = parse_state(
        json.dumps(GOOD | {"lat": lat, "lon": lon, "speed_kn": speed_kn, "course_deg": course})
    )
    assert (state.lat_deg, state.lon_deg) == (lat, lon)
    assert state.speed_mps == pytest.approx(speed_kn * KNOT_MPS)
    assert 0 <= state.course_deg < 360
