"""Map layers and the incidents board on two real nodes fed a crossing, a plan and a notice."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.geo.distance import haversine_m, initial_bearing_deg
from detente.testing import NodeProcess, connect, make_node, wait_until
from detente.web.mapdata import predicted_run
from tests.node.test_activity_flow import area, collection
from tests.node.test_encounter_live import crossing
from tests.web.conftest import PASSWORD, Browser, add_operators
from tests.web.shots import screenshot_path

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [  # as tests/web/test_browser.py launches it
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
TITLE = "Unsafe <b>approach</b> & shadowing"


@dataclass
class Fed:
    us: NodeProcess
    cn: NodeProcess
    incident: str
    feed_start_t: float  # the crossing's first state; one per track every 10 s from then


def _feed(us: NodeProcess, cn: NodeProcess) -> tuple[str, float]:
    plan = collection(
        "Dewey transit",
        "transit",
        area(119.5, 24.0, 0.6),
        "2026-12-01T00:00:00Z",
        "2026-12-01T12:00:00Z",
        0,
    )
    us.api("POST", "/api/v1/plans", json={"plan_id": "dewey-transit", "geojson": plan})
    fire = collection(
        "PLA live-fire",
        "live_fire",
        area(119.8, 24.3, 0.5),
        "2026-12-01T06:00:00Z",
        "2026-12-01T18:00:00Z",
        12000,
    )
    cn.api("POST", "/api/v1/activities/notify", json={"to": "US", "geojson": fire})
    start_t = time.time() - 28 * 60
    lines = crossing(start_t)
    us.api("POST", "/api/v1/tracks", json={"format": "jsonl", "lines": lines})
    opened = us.api(
        "POST",
        "/api/v1/incidents",
        json={
            "to": "CN",
            "type": "unsafe_encounter_sea",
            "title": TITLE,
            "facts": ["Kunming crossed USS Dewey's bow at about 100 m."],
            "level": 3,
        },
    )
    wait_until(
        lambda: us.api("GET", "/api/v1/activities")["conflicts"], timeout_s=15, what="conflict"
    )
    wait_until(
        lambda: us.api("GET", "/api/v1/encounters")["encounters"], timeout_s=15, what="encounter"
    )
    incident_id: str = opened["id"]
    us.api(
        "POST",
        f"/api/v1/incidents/{incident_id}/assessment",
        json={"level": 3, "rationale": "Crossed the bow at 100 m", "lang": "en"},
    )
    cn.api(
        "POST",
        f"/api/v1/incidents/{incident_id}/assessment",
        json={"level": 2, "rationale": "Professional <i>manoeuvre</i>", "lang": "en"},
    )
    wait_until(
        lambda: "CN" in us.api("GET", f"/api/v1/incidents/{incident_id}")["assessments"],
        timeout_s=15,
        what="CN's assessment at US",
    )
    return incident_id, start_t


@pytest.fixture(scope="module")
def fed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fed]:
    root: Path = tmp_path_factory.mktemp("map-incidents")
    us = make_node(root / "us", "US", "INDOPACOM J3")
    cn = make_node(root / "cn", "CN", "Eastern Theater Command")
    connect(us, cn)
    add_operators(
        us,
        (("alice", "operator", "en"), ("dora", "duty_officer", "en"), ("audrey", "auditor", "en")),
    )
    add_operators(cn, (("chen", "duty_officer", "zh"),))
    nodes = (NodeProcess(us), NodeProcess(cn))
    try:
        for node in nodes:
            node.start(wait=False)
        for node in nodes:
            node.wait_ready(timeout_s=90.0)
        yield Fed(nodes[0], nodes[1], *_feed(*nodes))
    finally:
        for node in nodes:
            node.stop()


@pytest.fixture
def tabs() -> Iterator[list[Browser]]:
    opened: list[Browser] = []
    yield opened
    for tab in opened:
        tab.close()


def login(tabs: list[Browser], node: NodeProcess, name: str) -> Browser:
    tab = Browser(node)
    assert tab.login(name).status_code == 303
    tabs.append(tab)
    return tab


@settings(max_examples=150, deadline=None)
@given(
    lat_deg=st.floats(-80, 80),
    lon_deg=st.floats(-180, 179.9),
    course_deg=st.floats(0, 359.9),
    speed_mps=st.floats(0.5, 300),
    tcpa_s=st.floats(1, 1800),
)
def test_predicted_run_goes_speed_times_tcpa_along_the_course(
    lat_deg: float, lon_deg: float, course_deg: float, speed_mps: float, tcpa_s: float
) -> None:
    state = {"lat_deg": lat_deg, "lon_deg": lon_deg, "course_deg": course_deg}
    (lat0, lon0), (lat1, lon1) = predicted_run({**state, "speed_mps": speed_mps}, tcpa_s)
    assert (lat0, lon0) == (lat_deg, lon_deg)
    run_m = speed_mps * tcpa_s
    assert float(haversine_m(lat0, lon0, lat1, lon1)) == pytest.approx(run_m, rel=1e-6, abs=1e-3)
    bearing = float(initial_bearing_deg(lat0, lon0, lat1, lon1))
    assert abs((bearing - course_deg + 180) % 360 - 180) < 0.01
    # A CPA already passed predicts no run.
    assert predicted_run({**state, "speed_mps": speed_mps}, -tcpa_s)[1] == [lat_deg, lon_deg]


def test_map_json_has_cpa_lines_volumes_and_conflicts(fed: Fed, tabs: list[Browser]) -> None:
    tab = login(tabs, fed.us, "audrey")
    data: dict[str, Any] = tab.client.get("/ui/map.json").json()
    (encounter,) = data["encounters"]
    assert encounter["level"] == "critical"
    runs = {line["track"]: line["path"] for line in encounter["cpa_lines"]}
    assert set(runs) == {"USS-DEWEY", "PLAN-172"}
    # Dewey heads north: its predicted run ends north of where it starts, same longitude.
    (lat0, lon0), (lat1, lon1) = runs["USS-DEWEY"]
    assert lat1 > lat0
    assert lon1 == pytest.approx(lon0, abs=1e-9)
    # Kunming heads west.
    (_, k_lon0), (_, k_lon1) = runs["PLAN-172"]
    assert k_lon1 < k_lon0
    volumes = {(v["source"], v["party"], v["title"]) for v in data["volumes"]}
    assert volumes == {("plan", "US", "Dewey transit"), ("notice", "CN", "PLA live-fire")}
    (conflict,) = data["conflicts"]
    assert conflict["region"]["type"] == "Polygon"
    assert data["replay"]["shows"] == "live"
    assert {t["track"] for t in data["tracks"]} == {"USS-DEWEY", "PLAN-172"}
    assert not any(t["stale"] for t in data["tracks"]), "both ships report live"


def test_map_replay_shows_what_was_active_then(fed: Fed, tabs: list[Browser]) -> None:
    tab = login(tabs, fed.us, "audrey")
    live = tab.client.get("/ui/map.json").json()
    (encounter,) = live["encounters"]
    first_alert_t = encounter["first_alert_t"]
    before_alert = tab.client.get("/ui/map.json", params={"at": f"{first_alert_t - 60:.0f}"})
    replayed = before_alert.json()
    assert replayed["encounters"] == []
    assert replayed["volumes"] == []  # both windows are on 2026-12-01
    assert replayed["replay"]["shows"] != "live"
    assert replayed["replay"]["shows"].startswith("tracks")
    after_alert = tab.client.get("/ui/map.json", params={"at": f"{first_alert_t + 1:.0f}"})
    assert [e["encounter"] for e in after_alert.json()["encounters"]] == [encounter["encounter"]]
    before_feed = tab.client.get("/ui/map.json", params={"at": f"{fed.feed_start_t - 60:.0f}"})
    assert before_feed.json()["tracks"] == []  # nothing had reported yet
    sent = [json.loads(line) for line in crossing(fed.feed_start_t)]
    now = {t["track"]: t for t in live["tracks"]}
    for at in (round(fed.feed_start_t + 5 * 60), round(first_alert_t + 1)):
        tracks = tab.client.get("/ui/map.json", params={"at": str(at)}).json()["tracks"]
        then = {t["track"]: t for t in tracks}
        assert set(then) == {"USS-DEWEY", "PLAN-172"}
        assert set(then["USS-DEWEY"]) == set(now["USS-DEWEY"])  # the live tracks' shape
        for name, track in then.items():
            # The feed's last state at or before the instant (it sends one every 10 s).
            (report,) = [s for s in sent if s["track"] == name and at - 10 < s["t"] <= at]
            assert track["t"] == pytest.approx(report["t"], abs=1e-6)
            assert (track["lat_deg"], track["lon_deg"]) == (report["lat"], report["lon"])
    # Five minutes in, both were far from where they are now: Dewey (northbound) south
    # of it, Kunming (westbound) east of it.
    early = tab.client.get("/ui/map.json", params={"at": f"{fed.feed_start_t + 300:.0f}"})
    then = {t["track"]: t for t in early.json()["tracks"]}
    assert then["USS-DEWEY"]["lat_deg"] < now["USS-DEWEY"]["lat_deg"]
    assert then["PLAN-172"]["lon_deg"] > now["PLAN-172"]["lon_deg"]
    in_windows = tab.client.get("/ui/map.json", params={"at": "1796119200"}).json()  # 12-01 09Z
    assert len(in_windows["volumes"]) == 2
    assert len(in_windows["conflicts"]) == 1
    early = tab.client.get("/ui/map.json", params={"at": "1796086800"}).json()  # 12-01 01Z
    assert [v["title"] for v in early["volumes"]] == ["Dewey transit"]
    assert early["conflicts"] == []
    refused = tab.client.get("/ui/map.json", params={"at": "yesterday"})
    assert refused.status_code == 422
    assert refused.json()["field"] == "at"


def test_map_page_has_the_replay_slider_and_says_what_replays(
    fed: Fed, tabs: list[Browser]
) -> None:
    page = login(tabs, fed.us, "audrey").client.get("/ui/map")
    assert page.status_code == 200
    assert 'id="replay-at"' in page.text
    assert "A replay shows each track where it last reported" in page.text
    assert "one report kept every 10 s" in page.text
    assert "more than 10 min older is not shown" in page.text
    chinese = login(tabs, fed.cn, "chen").client.get("/ui/map")
    assert chinese.status_code == 200
    assert "回放显示每条航迹在所选时刻或之前最后一次报告的位置" in chinese.text
    assert "每10秒保存一次报告" in chinese.text
    assert "10分钟以上的航迹不显示" in chinese.text


def test_incidents_board_groups_by_state_and_escapes(fed: Fed, tabs: list[Browser]) -> None:
    tab = login(tabs, fed.us, "alice")
    board = tab.client.get("/ui/incidents.json").json()
    columns = {c["state"]: c["incidents"] for c in board["columns"]}
    assert set(columns) == {"opened", "acknowledged", "in_dialogue", "resolved", "closed_one_sided"}
    ours = [i for cards in columns.values() for i in cards if i["id"] == fed.incident]
    assert len(ours) == 1
    assert ours[0]["assessments"] == {"CN": 2, "US": 3}
    assert ours[0]["levels_differ"] is True
    page = tab.client.get("/ui/incidents")
    assert page.status_code == 200
    assert "Unsafe &lt;b&gt;approach&lt;/b&gt; &amp; shadowing" in page.text
    assert TITLE not in page.text
    assert f'incident-card level-{ours[0]["level"]}" data-incident-id="{fed.incident}"' in page.text
    assert "≠ Assessments differ" in page.text
    assert f'href="/ui/incidents/{fed.incident}"' in page.text
    fragment = tab.client.get("/ui/incidents/rows")
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert "approach" in fragment.text


def test_incidents_board_in_chinese(fed: Fed, tabs: list[Browser]) -> None:
    tab = login(tabs, fed.cn, "chen")
    page = tab.client.get("/ui/incidents")
    assert page.status_code == 200
    assert "已开启" in page.text
    assert "海上不安全相遇" in page.text
    assert "Unsafe &lt;b&gt;approach&lt;/b&gt;" in page.text
    detail = tab.client.get(f"/ui/incidents/{fed.incident}")
    assert detail.status_code == 200
    assert "处置预案" in detail.text
    assert "下载事后报告" in detail.text
    assert "Professional &lt;i&gt;manoeuvre&lt;/i&gt;" in detail.text


def test_incident_page_shows_timeline_assessments_and_playbook(
    fed: Fed, tabs: list[Browser]
) -> None:
    tab = login(tabs, fed.us, "alice")
    page = tab.client.get(f"/ui/incidents/{fed.incident}")
    assert page.status_code == 200
    assert "Ask the other ship for its intentions" in page.text
    assert 'id="send-step"' in page.text
    assert "Professional &lt;i&gt;manoeuvre&lt;/i&gt;" in page.text
    data = tab.client.get(f"/ui/incidents/{fed.incident}.json").json()
    kinds = {(r["party"], r["kind"]) for r in data["timeline"]}
    assert ("US", "incident_open") in kinds
    assert ("CN", "incident_assessment") in kinds
    assert all(r["received_t"] for r in data["timeline"] if r["party"] == "CN")
    report = tab.client.get(f"/ui/incidents/{fed.incident}/report")
    assert report.status_code == 200
    assert "attachment" in report.headers["content-disposition"]
    assert "approach" in report.text
    assert tab.client.get("/ui/incidents/not-an-id").status_code == 422
    unknown = tab.client.get(f"/ui/incidents/{'0' * 64}")
    assert unknown.status_code == 404


def test_step_button_sends_the_step_with_csrf_and_the_authority_gate(
    fed: Fed, tabs: list[Browser]
) -> None:
    tab = login(tabs, fed.us, "dora")
    path = f"/ui/incidents/{fed.incident}/step"
    assert tab.post(path, {}, csrf=False).status_code == 403
    assert login(tabs, fed.us, "audrey").post(path, {}).status_code == 403
    # The first step is FLASH: beyond an operator's precedences, so the gate refuses it.
    refused = login(tabs, fed.us, "alice").post(path, {"step": "request_intentions"})
    assert refused.status_code == 403
    assert "FLASH" in refused.text
    before = tab.client.get(f"/ui/incidents/{fed.incident}.json").json()
    assert before["next_step"]["id"] == "request_intentions"
    sent = tab.post(path, {"step": "request_intentions"})
    assert sent.status_code == 303, sent.text
    assert sent.headers["location"] == f"/ui/incidents/{fed.incident}"
    after = tab.client.get(f"/ui/incidents/{fed.incident}.json").json()
    done = {s["id"]: s for s in after["steps"]}
    assert done["request_intentions"]["done"] is True
    assert after["next_step"]["id"] == "propose_separation"

    def arrived() -> bool:
        shown = fed.cn.api("GET", f"/api/v1/incidents/{fed.incident}")
        return any(
            r["party"] == "US" and r["entry_id"] == done["request_intentions"]["entry_id"]
            for r in shown["timeline"]
        )

    wait_until(arrived, timeout_s=15, what="the step at CN")


@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"SKIPPING BROWSER TEST LOUDLY: no {CHROMIUM}")
def test_browser_draws_the_layers_and_the_board_without_csp_errors(fed: Fed) -> None:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=20_000)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 960}).new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            failed: list[str] = []
            page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
            page.goto(fed.us.url + "/ui/login")
            page.fill("#name", "audrey")
            page.fill("#password", PASSWORD)
            page.click("#login-form button[type=submit]")
            expect(page.locator(".who")).to_contain_text("audrey")
            page.goto(fed.us.url + "/ui/map")
            expect(page.locator("#map[data-layers-loaded]")).to_have_count(1)
            expect(page.locator("#map[data-basemap-loaded]")).to_have_count(1)
            expect(page.locator("#map path.cpa-line")).to_have_count(2)
            expect(page.locator("#map path.volume")).to_have_count(2)
            expect(page.locator("#map path.conflict")).to_have_count(1)
            expect(page.locator("#map path.encounter-mark.level-critical")).to_have_count(1)
            expect(page.locator("#map.leaflet-zoom-anim")).to_have_count(0)  # fitted, still
            page.screenshot(path=str(screenshot_path("map")), full_page=True)
            page.goto(fed.us.url + "/ui/incidents")
            expect(page.locator(".incident-card", has_text="approach")).to_have_count(1)
            page.screenshot(path=str(screenshot_path("incidents")), full_page=True)
            assert failed == []
            # The browser's own favicon request shows only as a console line; pages' are above.
            assert [e for e in errors if not e.startswith("Failed to load resource")] == []
        finally:
            browser.close()
