from __future__ import annotations

import pytest

from detente.errors import ValidationError
from detente.i18n.params import KINDS, TIERS, check, parse
from detente.wire.enums import Tier


def test_params_tier_choices_match_the_wire_tiers() -> None:
    assert set(TIERS) == {t.value for t in Tier}
    assert KINDS["tier"].choices == tuple(t.value for t in Tier)


def test_params_every_kind_example_is_valid() -> None:
    for kind in KINDS.values():
        assert check(kind, kind.example, "params.x", None, None) == kind.example


@pytest.mark.parametrize(
    ("kind", "text", "value"),
    [
        ("distance_nm", "2.5", 2.5),
        ("bearing_deg", "45", 45),
        ("side", "port", "port"),
        ("zone", "A 3", "A 3"),
    ],
)
def test_params_parse_operator_input(kind: str, text: str, value: object) -> None:
    assert parse(KINDS[kind], text, "params.x") == value


def test_params_parse_rejects_non_numbers_naming_the_field() -> None:
    with pytest.raises(ValidationError) as err:
        parse(KINDS["bearing_deg"], "north", "params.bearing")
    assert err.value.field == "params.bearing"
    with pytest.raises(ValidationError):
        parse(KINDS["bearing_deg"], "4.5", "params.bearing")


def test_params_describe_states_range_and_unit() -> None:
    assert KINDS["bearing_deg"].describe() == "integer 0-359 degrees true"
    assert KINDS["distance_nm"].describe(hi=10) == "number 0.1-10 nautical miles"
    assert KINDS["side"].describe() == "one of port, starboard"
