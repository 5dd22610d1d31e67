from __future__ import annotations

import json

from click.testing import CliRunner

from detente.cli.main import main
from detente.cli.phrases import phrase
from detente.i18n.phrases import catalogue


def test_phrase_list_json_describes_every_phrase() -> None:
    result = CliRunner().invoke(phrase, ["list", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["code"] for r in rows] == list(catalogue())
    by_code = {r["code"]: r for r in rows}
    keep_clear = by_code["KEEP_CLEAR_BY"]
    assert keep_clear["category"] == "safety"
    assert keep_clear["text"] == "Keep clear of me by at least 2 NM."
    assert keep_clear["params"]["distance"] == {
        "type": "distance_nm",
        "description": "number 0.1-999 nautical miles",
        "min": 0.1,
        "max": 999,
        "unit": "nautical miles",
    }


def test_phrase_list_json_in_chinese_by_category() -> None:
    result = CliRunner().invoke(
        phrase, ["list", "--format", "json", "--lang", "zh", "--category", "channel"]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert rows
    assert {r["category"] for r in rows} == {"channel"}
    assert (
        next(r for r in rows if r["code"] == "INCIDENT_CLOSED")["text"]
        == "我方认为该事件已经了结。"
    )


def test_phrase_list_table_is_readable() -> None:
    result = CliRunner().invoke(main, ["phrase", "list", "--category", "air_intercept"])
    assert result.exit_code == 0, result.output
    assert "FOLLOW_ME" in result.output
    assert "KEEP_CLEAR" not in result.output


def test_phrase_render_both_languages_by_default() -> None:
    args = ["render", "CONTACT_BEARING_RANGE", "bearing=45", "distance=3.5"]
    result = CliRunner().invoke(phrase, args)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "en: I hold you bearing 045°, range 3.5 NM.",
        "zh: 你位于我方位045°，距离3.5海里。",
    ]


def test_phrase_render_one_language_with_local_time() -> None:
    args = [
        "render",
        "REQUEST_CALL_AT_TIER",
        "tier=policy",
        "time=2026-11-27T09:30Z",
        "--lang",
        "zh",
    ]
    result = CliRunner().invoke(phrase, [*args, "--tz", "Asia/Shanghai"])
    assert result.exit_code == 0, result.output
    assert (
        result.output == "我方请求于世界时2026年11月27日09:30（北京时间17:30）进行政策层级通话。\n"
    )


def test_phrase_render_errors_name_the_parameter() -> None:
    runner = CliRunner()
    out_of_range = runner.invoke(phrase, ["render", "KEEP_CLEAR_BY", "distance=0"])
    assert out_of_range.exit_code == 2
    assert "params.distance" in out_of_range.output
    not_a_number = runner.invoke(phrase, ["render", "KEEP_CLEAR_BY", "distance=far"])
    assert "params.distance" in not_a_number.output
    missing = runner.invoke(phrase, ["render", "KEEP_CLEAR_BY"])
    assert "params.distance" in missing.output
    extra = runner.invoke(phrase, ["render", "WILCO", "speed=3"])
    assert "params.speed" in extra.output
    malformed = runner.invoke(phrase, ["render", "WILCO", "speed"])
    assert "KEY=VALUE" in malformed.output
    unknown = runner.invoke(phrase, ["render", "NOPE"])
    assert unknown.exit_code == 2
    assert "code: unknown phrase code" in unknown.output
