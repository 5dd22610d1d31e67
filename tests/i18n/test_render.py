from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.errors import ValidationError
from detente.i18n.phrases import LANGS, PhraseBody, catalogue, validate
from detente.i18n.render import (
    example_params,
    format_param,
    render,
    render_all,
    render_body,
    render_example,
)
from detente.i18n.units import number
from tests.i18n.strategies import ZONES, phrase_params

CODES = list(catalogue())


def _raw_number_forms(kind: str, value: object) -> list[str]:
    """How the bare number must look in the text, independent of the formatter under test."""
    if kind in {"bearing_deg", "heading_deg", "course_deg"}:
        return [f"{value:03d}"]
    if kind == "flight_level":
        return [f"FL{value:03d}"]
    if kind in {"count", "duration_min"}:
        return []  # durations are split into hours and minutes
    if kind in {"alt_ft", "alt_m"}:
        return [f"{int(value):,}"]  # type: ignore[call-overload]
    if kind in {"distance_nm", "speed_kn"}:
        return [number(float(value), 1)]  # type: ignore[arg-type]
    return []


@pytest.mark.parametrize("code", CODES)
@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_render_every_code_every_language_every_parameter(code: str, data: st.DataObject) -> None:
    phrase = catalogue()[code]
    params = data.draw(phrase_params(phrase))
    local_tz = data.draw(st.sampled_from(ZONES))
    normalised = validate(code, params)
    for lang in LANGS:
        text = render(code, params, lang, local_tz=local_tz)
        assert text
        assert "{" not in text
        assert "}" not in text
        for spec in phrase.params:
            written = format_param(code, spec.name, params[spec.name], lang, local_tz=local_tz)
            assert written in text, (spec.name, written, text)
            for form in _raw_number_forms(spec.kind.name, normalised[spec.name]):
                assert form in text, (spec.name, form, text)
        if lang == "zh":
            assert re.search(r"[\u4e00-\u9fff]", text)


def test_render_catalogue_has_at_least_fifty_codes_in_every_category() -> None:
    phrases = catalogue().values()
    assert len(phrases) >= 50
    assert {p.category for p in phrases} == {
        "manoeuvre",
        "intention",
        "safety",
        "operations",
        "air_intercept",
        "communication",
        "channel",
    }


@pytest.mark.parametrize(
    ("code", "params", "en", "zh"),
    [
        (
            "ALTERING_COURSE_TO_SIDE",
            {"side": "starboard"},
            "I am altering my course to starboard.",
            "我正在向右转向。",
        ),
        (
            "INTEND_OVERTAKE",
            {"side": "port"},
            "I intend to overtake you on your port side.",
            "我准备从你左舷追越。",
        ),
        (
            "KEEP_CLEAR_BY",
            {"distance": 2},
            "Keep clear of me by at least 2 NM.",
            "请与我保持至少2海里的距离。",
        ),
        (
            "CONTACT_BEARING_RANGE",
            {"bearing": 45, "distance": 3.5},
            "I hold you bearing 045°, range 3.5 NM.",
            "你位于我方位045°，距离3.5海里。",
        ),
        (
            "MY_COURSE_AND_SPEED",
            {"course": 5, "speed": 12},
            "My course is 005°, my speed is 12 kn.",
            "我的航向为005°，航速为12节。",
        ),
        (
            "DESCEND_TO_ALTITUDE",
            {"callsign": "Eagle 01", "altitude": 3000},
            "Eagle 01, descend to 3,000 ft (914 m).",
            "Eagle 01，下降至914米（3,000英尺）。",
        ),
        (
            "DESCEND_TO_ALTITUDE_M",
            {"callsign": "南海01", "altitude": 600},
            "南海01, descend to 1,969 ft (600 m).",
            "南海01，下降至600米（1,969英尺）。",
        ),
        (
            "MAINTAIN_FLIGHT_LEVEL",
            {"callsign": "RCH123", "level": 350},
            "RCH123, maintain FL350.",
            "RCH123，保持飞行高度层FL350（10,668米）。",
        ),
        (
            "TURN_HEADING",
            {"callsign": "Eagle 01", "heading": 270},
            "Eagle 01, turn heading 270° immediately.",
            "Eagle 01，立即转向航向270°。",
        ),
        (
            "REQUEST_CALL_AT_TIER",
            {"tier": "policy", "time": "2026-11-27T09:30:00Z"},
            "We request a call at the policy level at 0930Z 27 Nov 2026 (17:30 Asia/Shanghai).",
            "我方请求于世界时2026年11月27日09:30（北京时间17:30）进行政策层级通话。",
        ),
        (
            "PROPOSE_PAUSE_IN_ZONE",
            {"zone": "Area A-3", "duration": 150},
            "We propose a pause of 2 hours 30 minutes in all operations in Area A-3.",
            "我方建议在Area A-3暂停一切行动2小时30分钟。",
        ),
        (
            "SWITCH_FREQUENCY",
            {"frequency": 121.5},
            "Request you switch to 121.5 MHz.",
            "请转换至121.5兆赫。",
        ),
        ("FIRE_CONTROL_RADAR_CEASE", {}, None, "你正在用火控雷达照射我，请立即停止。"),
        ("WILCO", {}, "Understood, will comply.", "明白，照办。"),
    ],
)
def test_render_hand_checked(code: str, params: dict[str, object], en: str | None, zh: str) -> None:
    both = render_all(code, params, local_tz="Asia/Shanghai")
    if en is not None:
        assert both["en"] == en
    assert both["zh"] == zh


def test_render_time_crossing_midnight_names_local_date() -> None:
    params = {"time": "2026-11-27T18:45:00Z"}
    assert render("REQUEST_RESPONSE_BY", params, "en", local_tz="Asia/Shanghai") == (
        "We request your response by 1845Z 27 Nov 2026 (02:45 28 Nov Asia/Shanghai)."
    )
    assert render("REQUEST_RESPONSE_BY", params, "zh", local_tz="Asia/Shanghai") == (
        "请你方于世界时2026年11月27日18:45（北京时间11月28日02:45）前答复。"
    )


def test_render_time_without_zone_is_utc_only() -> None:
    text = render("REQUEST_RESPONSE_BY", {"time": "2026-11-27T11:30:00+02:00"}, "en")
    assert text == "We request your response by 0930Z 27 Nov 2026."


def test_render_time_unnamed_zone_shows_zone_id_in_chinese() -> None:
    text = render(
        "REQUEST_RESPONSE_BY", {"time": "2026-07-01T12:00:00Z"}, "zh", local_tz="Asia/Kolkata"
    )
    assert text == "请你方于世界时2026年7月1日12:00（当地时间17:30，Asia/Kolkata）前答复。"


def test_render_daylight_saving_is_applied_to_local_time() -> None:
    summer = render(
        "REQUEST_RESPONSE_BY", {"time": "2026-07-01T12:00:00Z"}, "en", local_tz="America/New_York"
    )
    winter = render(
        "REQUEST_RESPONSE_BY", {"time": "2026-01-15T12:00:00Z"}, "en", local_tz="America/New_York"
    )
    assert "(08:00 America/New_York)" in summer
    assert "(07:00 America/New_York)" in winter


def test_render_unsupported_language_names_lang() -> None:
    with pytest.raises(ValidationError) as err:
        render("WILCO", {}, "fr")
    assert err.value.field == "lang"
    assert "unsupported language" in err.value.reason


def test_render_bad_parameter_names_it() -> None:
    with pytest.raises(ValidationError) as err:
        render("KEEP_CLEAR_BY", {"distance": -1}, "zh")
    assert err.value.field == "params.distance"


@pytest.mark.parametrize("code", CODES)
def test_render_example_renders_in_both_languages(code: str) -> None:
    phrase = catalogue()[code]
    assert validate(code, example_params(phrase)) == example_params(phrase)
    for lang in LANGS:
        assert "{" not in render_example(phrase, lang)


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "../etc/passwd", ""])
def test_render_unknown_zone_names_local_tz(zone: str) -> None:
    with pytest.raises(ValidationError) as err:
        render("REQUEST_RESPONSE_BY", {"time": "2026-11-27T09:30:00Z"}, "en", local_tz=zone)
    assert err.value.field == "local_tz"


def test_render_body_in_the_readers_language() -> None:
    body = PhraseBody(code="INTEND_OVERTAKE", params={"side": "starboard"}, lang="en")
    assert render_body(body, "zh") == "我准备从你右舷追越。"
    assert render_body(body, "en") == "I intend to overtake you on your starboard side."
