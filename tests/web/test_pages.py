"""Dashboard pages against a real node: roles, CSRF on every form, escaping, headers, twins."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import insert

from detente.store.database import Database
from detente.store.schema import tracks
from detente.testing import wait_until
from tests.web.conftest import Browser, Pair

INJECTION = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def peer_entry(pair: Pair, kind: str, body: dict[str, Any], **extra: Any) -> str:
    """An entry CN sends to US (through CN's operator API), once it has arrived at US."""
    sent = pair.cn.api(
        "POST", "/api/v1/messages", json={"to": "US", "kind": kind, "body": body, **extra}
    )

    def arrived() -> bool:
        return any(e["id"] == sent["id"] for e in pair.us.api("GET", "/api/v1/inbox")["entries"])

    wait_until(arrived, what=f"{kind} from CN at US")
    return str(sent["id"])


def own_log_size(pair: Pair) -> int:
    (row,) = pair.us.api("GET", "/api/v1/delivery")["channels"]
    return int(row["own_size"])


@pytest.fixture(scope="module")
def peer_text(pair: Pair) -> str:
    return peer_entry(pair, "text", {"text": INJECTION, "lang": "en"}, precedence="IMMEDIATE")


@pytest.fixture(scope="module")
def peer_statement(pair: Pair) -> str:
    return peer_entry(
        pair,
        "joint_statement",
        {
            "title": "Maritime safety",
            "text": {"en": "Both sides will keep 5 nm.", "zh": "双方将保持5海里。"},
        },
    )


def test_pages_render_for_every_role(browser_for: Callable[[str, str], Browser]) -> None:
    for name in ("alice", "dora", "audrey", "adam"):
        tab = browser_for("US", name)
        for path in (
            "/ui/",
            "/ui/inbox",
            "/ui/outbox",
            "/ui/compose",
            "/ui/dialogue",
            "/ui/log",
            "/ui/alarms",
            "/ui/map",
            "/ui/incidents",
        ):
            response = tab.client.get(path)
            assert response.status_code == 200, (name, path, response.text[:500])


def test_pages_carry_security_headers_and_no_inline_code(
    browser_for: Callable[[str, str], Browser],
) -> None:
    tab = browser_for("US", "dora")
    for path in ("/ui/", "/ui/inbox", "/ui/compose", "/ui/map", "/ui/login", "/ui/inbox.json"):
        response = tab.client.get(path)
        csp = response.headers["content-security-policy"]
        assert "default-src 'self'" in csp
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        if path.endswith(".json"):
            continue
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", response.text), path
        assert not re.search(r"\sstyle=", response.text), path
        assert not re.search(r"\son[a-z]+=", response.text), path


def test_pages_render_injected_text_escaped(
    browser_for: Callable[[str, str], Browser], peer_text: str
) -> None:
    tab = browser_for("US", "dora")
    page = tab.client.get("/ui/inbox").text
    assert peer_text in page
    assert (
        "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in page
    )
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    twin = tab.client.get("/ui/inbox.json").json()
    assert any(e["id"] == peer_text and e["summary"] == INJECTION for e in twin["entries"])


def test_pages_json_twin_matches_the_page(
    browser_for: Callable[[str, str], Browser], peer_text: str
) -> None:
    tab = browser_for("US", "dora")
    twin = tab.client.get("/ui/inbox.json").json()["entries"]
    (entry,) = [e for e in twin if e["id"] == peer_text]
    assert entry["precedence"] == "IMMEDIATE"
    assert entry["needs_ack"] is True
    assert entry["clock"]["deadline_t"] > entry["clock"]["start_t"]
    fragment = tab.client.get("/ui/inbox/rows").text
    assert f'data-entry-id="{peer_text}"' in fragment
    assert f'data-deadline-t="{entry["clock"]["deadline_t"]}"' in fragment
    status = tab.client.get("/ui/status.json").json()
    assert any(d["id"] == peer_text for d in status["deadlines"])


def test_pages_auditor_may_read_but_not_act(
    pair: Pair, browser_for: Callable[[str, str], Browser], peer_text: str, peer_statement: str
) -> None:
    tab = browser_for("US", "audrey")
    assert 'class="ack-form"' not in tab.client.get("/ui/inbox").text
    before = own_log_size(pair)
    refused = [
        tab.post(f"/ui/inbox/{peer_text}/ack", {}),
        tab.post("/ui/compose", {"form_kind": "text", "text": "hello", "lang": "en"}),
        tab.post(f"/ui/dialogue/{peer_statement}/endorse", {}),
        tab.post("/ui/operators", {"name": "eve", "role": "administrator", "password": "x" * 12}),
    ]
    assert [r.status_code for r in refused] == [403, 403, 403, 403]
    assert "role auditor may not acknowledge" in refused[0].text
    assert tab.client.get("/ui/operators").status_code == 403
    assert own_log_size(pair) == before


def test_pages_operator_may_send_and_acknowledge_as_the_api_allows(
    pair: Pair, browser_for: Callable[[str, str], Browser], peer_text: str, peer_statement: str
) -> None:
    tab = browser_for("US", "alice")
    before = own_log_size(pair)
    assert 'class="ack-form"' in tab.client.get("/ui/inbox").text
    assert tab.post(f"/ui/inbox/{peer_text}/ack", {}).status_code in (200, 303)
    assert own_log_size(pair) == before + 1
    sent = tab.post(
        "/ui/compose", {"form_kind": "text", "text": "Request your intentions", "lang": "en"}
    )
    assert sent.status_code == 200
    assert "Sent entry" in sent.text
    assert own_log_size(pair) == before + 2
    # Endorsing a joint statement speaks for the command: not an operator's.
    assert tab.post(f"/ui/dialogue/{peer_statement}/endorse", {}).status_code == 403
    assert own_log_size(pair) == before + 2


def test_pages_every_form_refuses_a_missing_or_wrong_csrf_token(
    pair: Pair, browser_for: Callable[[str, str], Browser], peer_text: str, peer_statement: str
) -> None:
    tab = browser_for("US", "adam")  # the administrator may do everything but skip CSRF
    forms = [
        ("/ui/compose", {"form_kind": "text", "text": "forged", "lang": "en"}),
        (f"/ui/inbox/{peer_text}/ack", {}),
        (f"/ui/dialogue/{peer_statement}/endorse", {}),
        ("/ui/preferences", {"lang": "zh"}),
        ("/ui/releases/" + "0" * 32 + "/release", {}),
        ("/ui/releases/" + "0" * 32 + "/reject", {"reason": "forged"}),
        (
            "/ui/operators",
            {"name": "mallory", "role": "administrator", "password": "x" * 12, "lang": "en"},
        ),
        ("/ui/logout", {}),
    ]
    before = own_log_size(pair)
    for path, data in forms:
        missing = tab.post(path, data, csrf=False)
        wrong = tab.post(path, {**data, "csrf": "A" * 43}, csrf=False)
        assert missing.status_code == 403, path
        assert wrong.status_code == 403, path
        assert "CSRF" in missing.text
    assert own_log_size(pair) == before
    assert "mallory" not in tab.client.get("/ui/operators").text
    page = tab.client.get("/ui/inbox")
    assert page.status_code == 200  # still logged in, still English
    assert '<html lang="en"' in page.text


def test_pages_duty_officer_acknowledges_and_the_deadline_stops(
    pair: Pair, browser_for: Callable[[str, str], Browser]
) -> None:
    ref = peer_entry(
        pair, "text", {"text": "Unsafe approach, keep clear", "lang": "en"}, precedence="FLASH"
    )
    tab = browser_for("US", "dora")
    done = tab.post(f"/ui/inbox/{ref}/ack", {})
    assert done.status_code == 303
    (entry,) = [e for e in tab.client.get("/ui/inbox.json").json()["entries"] if e["id"] == ref]
    assert entry["clock"] is None
    assert entry["ack"]["role"] == "duty_officer"

    def cleared_at_cn() -> bool:
        cn = Browser(pair.cn)
        cn.login("bo")
        outbox = cn.client.get("/ui/outbox.json").json()["entries"]
        cn.close()
        return any(e["id"] == ref and e["ack"] and e["clock"] is None for e in outbox)

    wait_until(cleared_at_cn, what="the acknowledgement at CN")


def test_pages_compose_rejects_bad_input_naming_the_field_in_both_languages(
    pair: Pair, browser_for: Callable[[str, str], Browser]
) -> None:
    bad = {"form_kind": "phrase", "code": "ALTERING_COURSE_TO", "param.course": "900"}
    english = browser_for("US", "dora")
    before = own_log_size(pair)
    refused = english.post("/ui/compose", bad)
    assert refused.status_code == 422
    assert "invalid input in field" in refused.text
    assert "params.course" in refused.text
    assert 'name="param.course" id="param-course" value="900" class="invalid"' in refused.text
    missing = english.post("/ui/compose", {"form_kind": "call_request", "topic": ""})
    assert missing.status_code == 422
    assert "Topic (topic): field required" in missing.text
    chinese = browser_for("CN", "chen")
    refused_zh = chinese.post("/ui/compose", {"form_kind": "text", "text": "", "lang": "zh"})
    assert refused_zh.status_code == 422
    assert "字段文本 (text)输入无效：缺少必填字段" in refused_zh.text
    assert own_log_size(pair) == before


def test_pages_phrase_preview_renders_both_languages(
    browser_for: Callable[[str, str], Browser],
) -> None:
    tab = browser_for("US", "alice")
    preview = tab.client.get(
        "/ui/compose/preview", params={"code": "ALTERING_COURSE_TO", "param.course": "90"}
    )
    assert preview.status_code == 200
    assert "I am altering my course to 090°." in preview.text
    assert "我正在将航向改为090°。" in preview.text
    wrong = tab.client.get(
        "/ui/compose/preview", params={"code": "ALTERING_COURSE_TO", "param.course": "x"}
    )
    assert "params.course" in wrong.text


def test_pages_vendor_serves_only_listed_files(pair: Pair) -> None:
    client = httpx.Client(base_url=pair.us.url)
    assert client.get("/ui/vendor/htmx.min.js").status_code == 200
    assert client.get("/ui/vendor/countries-50m.json").status_code == 200
    assert client.get("/ui/vendor/leaflet/package.json").status_code == 404
    assert client.get("/ui/vendor/../../pyproject.toml").status_code == 404
    client.close()


def test_pages_event_stream_announces_a_new_entry(
    pair: Pair, browser_for: Callable[[str, str], Browser]
) -> None:
    tab = browser_for("US", "audrey")
    with tab.client.stream("GET", "/ui/events") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.iter_lines()
        assert next(lines) == "retry: 1000"
        peer_entry(pair, "text", {"text": "link check by hand", "lang": "en"})
        seen = []
        for line in lines:
            seen.append(line)
            if line == "event: entries":
                break
        assert "event: entries" in seen


def test_pages_administrator_adds_an_operator_and_bad_input_names_the_field(
    pair: Pair, browser_for: Callable[[str, str], Browser], peer_statement: str
) -> None:
    tab = browser_for("US", "adam")
    weak = tab.post(
        "/ui/operators", {"name": "erin", "role": "operator", "password": "short", "lang": "en"}
    )
    assert weak.status_code == 422
    assert "Password (password)" in weak.text
    assert "erin" not in tab.client.get("/ui/operators").text.split("Add operator")[0]
    added = tab.post(
        "/ui/operators",
        {"name": "erin", "role": "auditor", "password": "a long enough password", "lang": "zh"},
    )
    assert added.status_code == 303
    records = tab.client.get("/ui/audit.json").json()["records"]
    assert any(
        r["action"] == "config_change"
        and r["operator"] == "adam"
        and r["target"] == "operator:erin"
        for r in records
    )
    erin = Browser(pair.us)
    assert erin.login("erin", "a long enough password").status_code == 303
    page = erin.client.get("/ui/inbox")
    assert '<html lang="zh-Hans"' in page.text
    assert "收件箱" in page.text
    # Her inbox names kinds and summarises entries in Chinese; the wire code stays a tooltip.
    assert '<td title="joint_statement">联合声明</td>' in page.text
    assert "联合声明：Maritime safety" in page.text
    erin.close()


def test_pages_call_and_meeting_requests_are_sent_and_endorsement_is_held(
    pair: Pair, browser_for: Callable[[str, str], Browser], peer_statement: str
) -> None:
    tab = browser_for("US", "dora")
    before = own_log_size(pair)
    call = tab.post(
        "/ui/compose",
        {
            "form_kind": "call_request",
            "topic": "Hotline check",
            "proposed_time": "2026-12-01T02:00",
            "precedence": "PRIORITY",
            "tier": "theater",
        },
    )
    assert call.status_code == 200, call.text
    assert "Sent entry" in call.text
    meeting = tab.post(
        "/ui/compose",
        {
            "form_kind": "meeting_proposal",
            "title": "Air safety talks",
            "agenda": "Intercept distances\nRadio phrases",
            "format": "video",
            "start": "2026-12-02T01:00",
            "end": "2026-12-02T02:00",
            "tier": "theater",
        },
    )
    assert meeting.status_code == 200, meeting.text
    # Endorsing is policy tier: above a duty officer, so it waits for a release authority.
    endorsed = tab.post(f"/ui/dialogue/{peer_statement}/endorse", {})
    assert endorsed.status_code == 200
    assert 'id="notice">Held for release by a second person' in endorsed.text
    assert own_log_size(pair) == before + 2
    kinds = [e["kind"] for e in tab.client.get("/ui/outbox.json").json()["entries"][:2]]
    assert kinds == ["meeting_proposal", "call_request"]
    dialogue = tab.client.get("/ui/dialogue.json").json()
    (channel,) = dialogue["channels"]
    assert any(m["title"] == "Air safety talks" for m in channel["meetings"])
    (statement,) = [s for s in channel["statements"] if s["statement_id"] == peer_statement]
    assert "US" not in statement["signed_by"]

    # A second person with the authority releases it; the drafter may not.
    (waiting,) = tab.client.get("/ui/releases.json").json()["held"]
    assert waiting["operator"] == "dora"
    assert tab.post(f"/ui/releases/{waiting['id']}/release", {}).status_code == 403
    rita = browser_for("US", "rita")
    page = rita.client.get("/ui/releases").text
    assert f'action="/ui/releases/{waiting["id"]}/release"' in page
    assert rita.post(f"/ui/releases/{waiting['id']}/release", {}).status_code == 303
    assert own_log_size(pair) == before + 3
    assert tab.client.get("/ui/releases.json").json()["held"] == []
    dialogue = tab.client.get("/ui/dialogue.json").json()
    (statement,) = [
        s for s in dialogue["channels"][0]["statements"] if s["statement_id"] == peer_statement
    ]
    assert "US" in statement["signed_by"]


def test_pages_audit_log_is_for_auditors(browser_for: Callable[[str, str], Browser]) -> None:
    assert browser_for("US", "alice").client.get("/ui/audit").status_code == 403
    auditor = browser_for("US", "audrey")
    page = auditor.client.get("/ui/audit")
    assert page.status_code == 200
    records = auditor.client.get("/ui/audit.json").json()["records"]
    assert any(r["action"] == "login" and r["operator"] == "audrey" for r in records)
    assert 'id="nav-audit"' in page.text
    assert 'id="nav-releases"' not in page.text


def test_pages_map_twin_shows_tracks_and_encounters(
    pair: Pair, browser_for: Callable[[str, str], Browser]
) -> None:
    db = Database(pair.us.settings.db_url)
    try:
        with db.writing() as conn:
            for track, party, lat_deg, lon_deg in (
                ("us-ddg-1", "US", 16.5, 114.2),
                ("cn-ddg-2", "CN", 16.52, 114.25),
            ):
                conn.execute(
                    insert(tracks).values(
                        track=track,
                        party=party,
                        name=track,
                        domain="sea",
                        t=1.0,
                        lat_deg=lat_deg,
                        lon_deg=lon_deg,
                        alt_m=0.0,
                        speed_mps=7.0,
                        course_deg=90.0,
                        vrate_mps=0.0,
                    )
                )
    finally:
        db.close()
    tab = browser_for("US", "audrey")
    data = tab.client.get("/ui/map.json").json()
    by_track = {t["track"]: t for t in data["tracks"]}
    assert by_track["cn-ddg-2"]["party"] == "CN"
    assert by_track["us-ddg-1"]["lat_deg"] == 16.5
