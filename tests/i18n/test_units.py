from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.i18n import units


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [
        (0, 0, "0"),
        (3000, 0, "3,000"),
        (2.0, 1, "2"),
        (2.5, 1, "2.5"),
        (121.5, 3, "121.5"),
        (-0.0, 1, "0"),
    ],
)
def test_number_drops_trailing_zeros_and_groups_thousands(
    value: float, decimals: int, text: str
) -> None:
    assert units.number(value, decimals) == text


def test_bearing_is_three_digits_and_named_in_chinese() -> None:
    assert units.bearing(45, "en") == "045°"
    assert units.bearing(45, "zh") == "方位045°"
    assert units.bearing(0, "en") == "000°"


def test_distance_and_speed_units_per_language() -> None:
    assert units.distance_nm(2, "en") == "2 NM"
    assert units.distance_nm(2, "zh") == "2海里"
    assert units.speed_kn(12, "en") == "12 kn"
    assert units.speed_kn(12.5, "zh") == "12.5节"


def test_altitude_feet_first_in_english_metres_first_in_chinese() -> None:
    assert units.altitude_ft(3000, "en") == "3,000 ft (914 m)"
    assert units.altitude_ft(3000, "zh") == "914米（3,000英尺）"
    assert units.altitude_m(1000, "en") == "3,281 ft (1,000 m)"
    assert units.altitude_m(1000, "zh") == "1,000米（3,281英尺）"


def test_flight_level_adds_metric_height_in_chinese() -> None:
    assert units.flight_level(350, "en") == "FL350"
    assert units.flight_level(90, "en") == "FL090"
    assert units.flight_level(350, "zh") == "飞行高度层FL350（10,668米）"


@pytest.mark.parametrize(
    ("minutes", "en", "zh"),
    [
        (1, "1 minute", "1分钟"),
        (45, "45 minutes", "45分钟"),
        (60, "1 hour", "1小时"),
        (150, "2 hours 30 minutes", "2小时30分钟"),
    ],
)
def test_duration_reads_naturally(minutes: int, en: str, zh: str) -> None:
    assert units.duration_min(minutes, "en") == en
    assert units.duration_min(minutes, "zh") == zh


def test_time_utc_in_beijing_time() -> None:
    moment = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
    assert (
        units.time_utc(moment, "en", "Asia/Shanghai") == "0930Z 27 Nov 2026 (17:30 Asia/Shanghai)"
    )
    assert (
        units.time_utc(moment, "zh", "Asia/Shanghai")
        == "世界时2026年11月27日09:30（北京时间17:30）"
    )
    assert units.time_utc(moment, "zh") == "世界时2026年11月27日09:30"


@settings(max_examples=100)
@given(st.floats(0.1, 999, allow_nan=False).map(lambda x: round(x, 1)))
def test_distance_number_round_trips(value_nm: float) -> None:
    text = units.distance_nm(value_nm, "en")
    assert float(text.removesuffix(" NM").replace(",", "")) == pytest.approx(value_nm)


@settings(max_examples=100)
@given(st.integers(0, 66000))
def test_altitude_conversion_is_within_half_a_metre(alt_ft: int) -> None:
    text = units.altitude_ft(alt_ft, "zh")
    alt_m = int(text.split("米")[0].replace(",", ""))
    assert abs(alt_m - alt_ft * 0.3048) <= 0.5
