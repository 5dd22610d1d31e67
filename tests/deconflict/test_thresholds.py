"""Channel thresholds: the agreed defaults, ordering, and errors that name the field."""

from __future__ import annotations

from typing import Any

import pytest

from detente.deconflict.thresholds import EncounterThresholds, Level
from detente.errors import ValidationError


def default_json() -> dict[str, Any]:
    return EncounterThresholds.default().model_dump(mode="json")


def test_thresholds_defaults_in_metres() -> None:
    t = EncounterThresholds.default()
    assert t.sea.caution.range_m == pytest.approx(3704.0)
    assert t.sea.critical.range_m == pytest.approx(457.2)
    assert t.sea.warning.within_s == 900
    assert t.air.caution.vertical_m == pytest.approx(609.6)
    assert t.air.critical.range_m == pytest.approx(152.4)
    assert t.air.max_age_s == 30 and t.sea.max_age_s == 600
    assert t.reach_m == pytest.approx(5 * 1852.0)


def test_thresholds_round_trip_json() -> None:
    assert EncounterThresholds.from_json(default_json()) == EncounterThresholds.default()


def test_thresholds_disordered_levels_name_the_field() -> None:
    data = default_json()
    data["sea"]["warning"]["range_m"] = 5000.0
    with pytest.raises(ValidationError) as err:
        EncounterThresholds.from_json(data)
    assert err.value.field == "thresholds.sea.warning.range_m"
    assert "exceeds caution" in err.value.reason


def test_thresholds_critical_longer_lookahead_than_warning_refused() -> None:
    data = default_json()
    data["air"]["critical"]["within_s"] = 600.0
    with pytest.raises(ValidationError) as err:
        EncounterThresholds.from_json(data)
    assert err.value.field == "thresholds.air.critical.within_s"


def test_thresholds_negative_value_refused() -> None:
    data = default_json()
    data["air"]["caution"]["vertical_m"] = -1.0
    with pytest.raises(ValidationError) as err:
        EncounterThresholds.from_json(data)
    assert err.value.field == "thresholds.air.caution.vertical_m"
    assert "greater than 0" in err.value.reason


def test_thresholds_vertical_limit_on_one_level_only_refused() -> None:
    data = default_json()
    data["sea"]["critical"]["vertical_m"] = 100.0
    with pytest.raises(ValidationError) as err:
        EncounterThresholds.from_json(data)
    assert err.value.field == "thresholds.sea.critical.vertical_m"


def test_thresholds_unknown_field_refused() -> None:
    data = default_json()
    data["sea"]["caution"]["range_nm"] = 2.0
    with pytest.raises(ValidationError) as err:
        EncounterThresholds.from_json(data)
    assert err.value.field == "thresholds.sea.caution.range_nm"


def test_thresholds_scaled_grows_ranges_not_times() -> None:
    grown = EncounterThresholds.default().sea.scaled(1.5)
    assert grown.critical.range_m == pytest.approx(457.2 * 1.5)
    assert grown.critical.within_s == 600


def test_level_order_and_labels() -> None:
    assert Level.CRITICAL > Level.WARNING > Level.CAUTION > Level.NONE
    assert Level.WARNING.label == "warning"
    with pytest.raises(ValueError, match="NONE"):
        EncounterThresholds.default().sea.level(Level.NONE)
