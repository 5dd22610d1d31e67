"""The ``encounter_alert`` body built from a real lifecycle snapshot."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError as PydanticValidationError

from detente.deconflict.alert import EncounterAlertBody, suggested_phrase
from detente.deconflict.encounter import Encounter, EncounterTracker
from detente.deconflict.thresholds import Level
from detente.deconflict.track import TrackState
from detente.geo.distance import destination_deg
from detente.i18n.phrases import validate
from detente.wire.body import Body

T0 = 1_700_000_000.0


def open_encounter(domain: str = "sea") -> Encounter:
    lat_b, lon_b = destination_deg(10.0, 114.0, 90.0, 3000.0)
    if domain == "air":
        a = TrackState(
            "a", T0, 10.0, 114.0, 200.0, 90.0, alt_m=8000.0, domain="air", party="US", name="P-8A"
        )
        b = TrackState(
            "b",
            T0,
            float(lat_b),
            float(lon_b),
            200.0,
            270.0,
            alt_m=8010.0,
            domain="air",
            party="CN",
            name="J-11",
        )
    else:
        a = TrackState("a", T0, 10.0, 114.0, 8.0, 90.0, party="US", name="USS A")
        b = TrackState("b", T0, float(lat_b), float(lon_b), 8.0, 270.0, party="CN", name="PLAN B")
    tracker = EncounterTracker()
    tracker.update([a, b])
    (encounter,) = tracker.open_encounters()
    return encounter


def test_encounter_alert_body_from_sea_encounter() -> None:
    encounter = open_encounter()
    body = EncounterAlertBody.from_encounter(encounter)
    assert body.KIND == "encounter_alert"
    assert body.SAFETY_FLOOR is True
    assert isinstance(body, Body)
    assert body.level == "critical"
    assert body.phrase == "REQUEST_ALTER_COURSE_TO_SIDE"
    assert body.phrase_params == {"side": "starboard"}
    validate(body.phrase, body.phrase_params)  # a real catalogue phrase, with its parameters
    assert body.a.party == "US" and body.b.name == "PLAN B"
    assert body.cpa_m == pytest.approx(0.0, abs=1.0)
    assert body.tcpa_s == pytest.approx(3000.0 / 16.0, rel=1e-3)
    assert body.cpa_time == datetime.fromtimestamp(T0 + body.tcpa_s, tz=UTC)
    dumped = body.model_dump(mode="json")
    assert dumped["cpa_time"].endswith("Z")
    assert EncounterAlertBody.model_validate(dumped) == body


def test_encounter_alert_body_air_phrase_and_override() -> None:
    encounter = open_encounter("air")
    assert EncounterAlertBody.from_encounter(encounter).phrase == "KEEP_CLEAR"
    assert (
        EncounterAlertBody.from_encounter(encounter, phrase="REQUEST_INTENTIONS").phrase
        == "REQUEST_INTENTIONS"
    )
    assert suggested_phrase(replace(encounter, level=Level.CAUTION)) == ("REQUEST_INTENTIONS", {})


def test_encounter_alert_body_is_frozen_and_strict() -> None:
    body = EncounterAlertBody.from_encounter(open_encounter())
    with pytest.raises(PydanticValidationError):
        EncounterAlertBody.model_validate({**body.model_dump(), "extra": 1})
    with pytest.raises(PydanticValidationError):
        EncounterAlertBody.model_validate({**body.model_dump(), "phrase": "turn right please"})
    with pytest.raises(PydanticValidationError):
        body.level = "caution"  # type: ignore[misc]


def test_encounter_alert_body_refuses_level_none() -> None:
    with pytest.raises(ValueError, match="NONE"):
        EncounterAlertBody.from_encounter(replace(open_encounter(), level=Level.NONE))
