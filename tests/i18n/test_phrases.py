from __future__ import annotations

import math
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.errors import ValidationError
from detente.i18n.phrases import LANGS, PhraseBody, _phrase, catalogue, lookup, validate
from detente.wire.kinds import KindRegistry
from tests.i18n.strategies import phrase_params


def test_catalogue_templates_use_exactly_the_declared_params() -> None:
    for phrase in catalogue().values():
        names = {spec.name for spec in phrase.params}
        for lang in LANGS:
            fields = {f for _, f, _, _ in string.Formatter().parse(phrase.templates[lang]) if f}
            assert fields == names, (phrase.code, lang)


def test_catalogue_codes_are_upper_snake_and_unique() -> None:
    codes = list(catalogue())
    assert len(codes) == len(set(codes))
    assert all(c == c.upper() and " " not in c for c in codes)


def test_catalogue_covers_the_required_situations() -> None:
    codes = set(catalogue())
    for required in [
        "ALTERING_COURSE_TO_SIDE",
        "INCREASING_SPEED",
        "DECREASING_SPEED",
        "STOPPING_ENGINES",
        "TURNING",
        "REQUEST_HOLD_COURSE_AND_SPEED",
        "INTEND_PASS_ASTERN",
        "INTEND_PASS_AHEAD",
        "REQUEST_INTENTIONS",
        "INTEND_OVERTAKE",
        "KEEP_CLEAR",
        "RESTRICTED_IN_ABILITY_TO_MANOEUVRE",
        "FLIGHT_OPERATIONS",
        "GUNNERY_OPERATIONS",
        "REPLENISHMENT_AT_SEA",
        "SUBMARINE_OPERATIONS",
        "MINE_COUNTERMEASURES",
        "UNMANNED_AIRCRAFT_OPERATING",
        "NOT_UNDER_COMMAND",
        "STANDING_INTO_DANGER",
        "ESCORTING_YOU",
        "APPROACHING_DECLARED_ZONE",
        "TURN_HEADING",
        "FOLLOW_ME",
        "YOU_MAY_PROCEED",
        "DESCEND_TO_ALTITUDE",
        "CLIMB_TO_ALTITUDE",
        "AT_MINIMUM_SAFE_DISTANCE",
        "REQUEST_CALL_AT_TIER",
        "CONFIRM_RECEIPT",
        "PROPOSE_SEPARATION",
        "REQUEST_MEETING",
        "INCIDENT_CLOSED",
        "REQUEST_DE_ESCALATION",
    ]:
        assert required in codes


def test_lookup_unknown_code_names_code() -> None:
    with pytest.raises(ValidationError) as err:
        lookup("NO_SUCH_PHRASE")
    assert err.value.field == "code"
    assert "unknown phrase code" in err.value.reason


@pytest.mark.parametrize(
    ("params", "field", "reason"),
    [
        ({}, "params.distance", "needs parameter"),
        ({"distance": 2, "speed": 3}, "params.speed", "takes no parameter"),
        ({"distance": "2"}, "params.distance", "expected a number"),
        ({"distance": True}, "params.distance", "expected a number"),
        ({"distance": 0}, "params.distance", "out of range"),
        ({"distance": 1000}, "params.distance", "out of range"),
        ({"distance": math.nan}, "params.distance", "finite"),
        ({"distance": math.inf}, "params.distance", "finite"),
    ],
)
def test_validate_rejects_bad_distance_naming_the_field(
    params: dict[str, object], field: str, reason: str
) -> None:
    with pytest.raises(ValidationError) as err:
        validate("KEEP_CLEAR_BY", params)
    assert err.value.field == field
    assert reason in err.value.reason


@pytest.mark.parametrize(
    ("code", "params", "field"),
    [
        ("ALTERING_COURSE_TO", {"course": 360}, "params.course"),
        ("ALTERING_COURSE_TO", {"course": -1}, "params.course"),
        ("ALTERING_COURSE_TO", {"course": 10.5}, "params.course"),
        ("ALTERING_COURSE_TO_SIDE", {"side": "left"}, "params.side"),
        ("REQUEST_IMMEDIATE_CALL", {"tier": "presidential"}, "params.tier"),
        ("REQUEST_RESPONSE_BY", {"time": "tomorrow"}, "params.time"),
        ("REQUEST_RESPONSE_BY", {"time": "2026-11-27T09:30:00"}, "params.time"),
        ("REQUEST_RESPONSE_BY", {"time": "1999-11-27T09:30:00Z"}, "params.time"),
        ("THIS_IS", {"callsign": ""}, "params.callsign"),
        ("THIS_IS", {"callsign": "x" * 41}, "params.callsign"),
        ("THIS_IS", {"callsign": "{evil}"}, "params.callsign"),
        ("THIS_IS", {"callsign": "line\nbreak"}, "params.callsign"),
        ("THIS_IS", {"callsign": 7}, "params.callsign"),
        ("THIS_IS", {"callsign": "Eagle\u202e10"}, "params.callsign"),
        ("THIS_IS", {"callsign": "a\u2028b"}, "params.callsign"),
        ("REQUEST_REDUCE_SPEED", {"speed": 61}, "params.speed"),
        ("MAINTAIN_FLIGHT_LEVEL", {"callsign": "A1", "level": 5}, "params.level"),
        ("SHIPS_IN_ZONE", {"count": 0, "zone": "A"}, "params.count"),
    ],
)
def test_validate_rejects_bad_values_naming_the_field(
    code: str, params: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as err:
        validate(code, params)
    assert err.value.field == field


def test_validate_normalises_what_is_signed() -> None:
    assert validate("KEEP_CLEAR_BY", {"distance": 2.0}) == {"distance": 2}
    assert validate("KEEP_CLEAR_BY", {"distance": 2.04}) == {"distance": 2}
    assert validate("KEEP_CLEAR_BY", {"distance": 2.25}) == {"distance": 2.2}
    assert validate("ALTERING_COURSE_TO", {"course": 45.0}) == {"course": 45}
    assert validate("REQUEST_RESPONSE_BY", {"time": "2026-11-27T17:30:00+08:00"}) == {
        "time": "2026-11-27T09:30:00Z"
    }
    assert validate("THIS_IS", {"callsign": "  Eagle 01 "}) == {"callsign": "Eagle 01"}
    assert validate("REQUEST_RESPONSE_BY", {"time": "2026-11-27T09:30:59.9Z"}) == {
        "time": "2026-11-27T09:30:00Z"
    }


@pytest.mark.parametrize("code", list(catalogue()))
@settings(max_examples=5, deadline=None)
@given(data=st.data())
def test_validate_is_idempotent(code: str, data: st.DataObject) -> None:
    params = data.draw(phrase_params(catalogue()[code]))
    once = validate(code, params)
    assert validate(code, once) == once


def test_phrase_body_carries_code_and_normalised_params_only() -> None:
    body = PhraseBody(code="KEEP_CLEAR_BY", params={"distance": 2.0}, lang="zh")
    assert body.model_dump() == {"code": "KEEP_CLEAR_BY", "params": {"distance": 2}, "lang": "zh"}
    assert PhraseBody.KIND == "phrase"


def test_phrase_body_rejects_through_the_kind_registry() -> None:
    registry = KindRegistry([PhraseBody])
    ok = registry.validate("phrase", {"code": "WILCO", "params": {}})
    assert isinstance(ok, PhraseBody)
    with pytest.raises(ValidationError) as err:
        registry.validate("phrase", {"code": "KEEP_CLEAR_BY", "params": {"distance": 0}})
    assert err.value.field == "params.distance"
    with pytest.raises(ValidationError) as err:
        registry.validate("phrase", {"code": "NOPE", "params": {}})
    assert err.value.field == "code"
    with pytest.raises(ValidationError) as err:
        registry.validate("phrase", {"code": "WILCO", "params": {}, "lang": "fr"})
    assert err.value.field == "lang"
    with pytest.raises(ValidationError) as err:
        registry.validate("phrase", {"code": "WILCO", "params": {}, "text": "rendered"})
    assert err.value.field == "body.text"


def test_phrase_safety_flag_follows_category() -> None:
    assert lookup("KEEP_CLEAR").safety
    assert not lookup("REQUEST_MEETING").safety


@pytest.mark.parametrize(
    "raw",
    [
        {"code": "lower_case", "category": "safety", "params": {}, "en": "x", "zh": "x"},
        {"code": "A_B", "category": "gossip", "params": {}, "en": "x", "zh": "x"},
        {
            "code": "A_B",
            "category": "safety",
            "params": {"d": "distance_nm"},
            "en": "{d}",
            "zh": "x",
        },
        {"code": "A_B", "category": "safety", "params": {}, "en": "{d}", "zh": "x"},
        {
            "code": "A_B",
            "category": "safety",
            "params": {"d": "furlongs"},
            "en": "{d}",
            "zh": "{d}",
        },
        {
            "code": "A_B",
            "category": "safety",
            "params": {"d": {"kind": "distance_nm", "max": 5000}},
            "en": "{d}",
            "zh": "{d}",
        },
        {
            "code": "A_B",
            "category": "safety",
            "params": {"d": {"kind": "distance_nm", "example": 0}},
            "en": "{d}",
            "zh": "{d}",
        },
    ],
)
def test_catalogue_loader_rejects_bad_entries(raw: dict[str, object]) -> None:
    with pytest.raises((ValueError, ValidationError)):
        _phrase(raw)
