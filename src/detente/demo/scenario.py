"""The demonstration scenario: ten minutes of the South China Sea and the Taiwan Strait.

A list of beats, each at a simulated second, each a statement or an action
one side takes through its own node's operator API, exactly as an officer or
a sensor would. Between beats the simulator's traffic streams into both
nodes. What the nodes then do by themselves (conflict checks, encounter
alerts, deadlines and escalation, incidents) is the point of the demo: no
beat fakes it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from detente.deconflict.simulator.scenario import Scenario
from detente.deconflict.simulator.writers import jsonl_lines
from detente.testing import NodeProcess

SCENARIO_MINUTES = 10.0


@dataclass
class DemoContext:
    """What beats share: the two nodes, the clock, and what earlier beats produced."""

    us: NodeProcess
    cn: NodeProcess
    scenario: Scenario
    speed: float
    started_wall: float
    facts: dict[str, Any] = field(default_factory=dict)

    def sim_t(self) -> float:
        return self.scenario.start_t + (time.time() - self.started_wall) * self.speed

    def iso(self, sim_offset_s: float) -> str:
        t = self.scenario.start_t + sim_offset_s
        return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def send(
        self,
        node: NodeProcess,
        kind: str,
        body: dict[str, Any],
        *,
        precedence: str = "ROUTINE",
        tier: str = "operational",
        refs: list[str] | None = None,
    ) -> dict[str, Any]:
        to = "CN" if node is self.us else "US"
        result: dict[str, Any] = node.api(
            "POST",
            "/api/v1/messages",
            json={
                "to": to,
                "kind": kind,
                "body": body,
                "precedence": precedence,
                "tier": tier,
                "refs": refs or [],
            },
        )
        return result


@dataclass(frozen=True)
class Beat:
    at_s: float
    caption: str
    run: Callable[[DemoContext], None]


class TrackFeeder(threading.Thread):
    """Streams the scenario's reports into both nodes as simulated time passes."""

    def __init__(self, ctx: DemoContext, lines: list[tuple[float, str]]) -> None:
        super().__init__(daemon=True)
        self.ctx = ctx
        self.lines = lines
        self.stop = threading.Event()
        self.sent = 0
        self.errors = 0

    def run(self) -> None:
        index = 0
        while not self.stop.is_set() and index < len(self.lines):
            now = self.ctx.sim_t()
            batch: list[str] = []
            while index < len(self.lines) and self.lines[index][0] <= now and len(batch) < 5000:
                batch.append(self.lines[index][1])
                index += 1
            if batch:
                for node in (self.ctx.us, self.ctx.cn):
                    try:
                        node.api("POST", "/api/v1/tracks", json={"format": "jsonl", "lines": batch})
                    except Exception:
                        self.errors += 1
                self.sent += len(batch)
            self.stop.wait(0.5)


def feed_lines(scenario: Scenario) -> list[tuple[float, str]]:
    """Each report as a JSON line with its simulated time, in time order."""
    return [
        (state.t, line) for state, line in zip(scenario.states, jsonl_lines(scenario), strict=True)
    ]


def _box(lon: float, lat: float, dlon: float, dlat: float) -> list[list[list[float]]]:
    return [
        [[lon, lat], [lon + dlon, lat], [lon + dlon, lat + dlat], [lon, lat + dlat], [lon, lat]]
    ]


def _collection(
    ctx: DemoContext,
    title: str,
    kind: str,
    box: list[list[list[float]]],
    start_s: float,
    end_s: float,
    upper_m: float,
) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "properties": {"kind": kind, "title": title},
        "features": [
            {
                "type": "Feature",
                "id": "area-1",
                "geometry": {"type": "Polygon", "coordinates": box},
                "properties": {
                    "start": ctx.iso(start_s),
                    "end": ctx.iso(end_s),
                    "alt_lower_m": 0,
                    "alt_upper_m": upper_m,
                },
            }
        ],
    }


def routine_phrase(ctx: DemoContext) -> None:
    sent = ctx.send(
        ctx.us,
        "phrase",
        {"code": "MY_COURSE_AND_SPEED", "params": {"course": 15, "speed": 14}},
    )
    ctx.facts["routine_phrase"] = sent["id"]


def cn_acknowledges_phrase(ctx: DemoContext) -> None:
    _wait_arrival(ctx.cn, ctx.facts["routine_phrase"])
    ctx.cn.api(
        "POST",
        "/api/v1/acknowledge",
        json={"ref": ctx.facts["routine_phrase"], "role": "duty officer", "officer": "Lt Cdr Wang"},
    )
    ctx.send(ctx.cn, "phrase", {"code": "INTEND_PASS_ASTERN", "params": {}})


def us_plans_transit(ctx: DemoContext) -> None:
    plan = _collection(
        ctx,
        "USS Decatur Taiwan Strait transit",
        "transit",
        _box(119.3, 23.6, 0.8, 1.2),
        0,
        6 * 3600,
        0,
    )
    ctx.us.api("POST", "/api/v1/plans", json={"plan_id": "decatur-transit", "geojson": plan})


def cn_notifies_live_fire(ctx: DemoContext) -> None:
    fire = _collection(
        ctx,
        "Eastern Theater live-fire exercise",
        "live_fire",
        _box(119.6, 24.0, 0.6, 0.6),
        1800,
        4 * 3600,
        15_000,
    )
    result = ctx.cn.api(
        "POST",
        "/api/v1/activities/notify",
        json={"to": "US", "geojson": fire, "precedence": "IMMEDIATE"},
    )
    ctx.facts["live_fire"] = result["id"]


def us_flash_unanswered(ctx: DemoContext) -> None:
    sent = ctx.send(
        ctx.us,
        "text",
        {
            "lang": "en",
            "text": "Request you confirm the live-fire window; our transit corridor overlaps it.",
        },
        precedence="FLASH",
        tier="operational",
    )
    ctx.facts["unanswered_flash"] = sent["id"]


def us_call_request(ctx: DemoContext) -> None:
    sent = ctx.send(
        ctx.us,
        "call_request",
        {
            "tier": "theater",
            "urgency": "IMMEDIATE",
            "topic": "Unsafe encounter near Gaven Reef and the live-fire area",
            "proposed_times": [ctx.iso(900), ctx.iso(1800)],
        },
        precedence="IMMEDIATE",
        tier="theater",
    )
    ctx.facts["call_request"] = sent["id"]


def meeting(ctx: DemoContext) -> None:
    slot = {"start": ctx.iso(3600), "end": ctx.iso(5400)}
    proposal = ctx.send(
        ctx.us,
        "meeting_proposal",
        {
            "title": "Theater commanders' video call",
            "agenda": ["Destroyer crossing near Gaven Reef", "Live-fire area and transit"],
            "format": "video",
            "candidate_slots": [slot],
            "tier": "theater",
        },
        precedence="PRIORITY",
        tier="theater",
    )
    ctx.facts["meeting"] = proposal["id"]
    _wait_arrival(ctx.cn, proposal["id"])
    ctx.send(
        ctx.cn,
        "meeting_response",
        {"ref": proposal["id"], "response": "accept", "accepted_slot": slot},
        tier="theater",
    )


def readouts(ctx: DemoContext) -> None:
    ctx.send(
        ctx.us,
        "readout",
        {
            "ref": ctx.facts["meeting"],
            "lang": "en",
            "text": "Both sides reviewed the crossing; US asked for 2 NM separation.",
        },
        tier="theater",
    )
    ctx.send(
        ctx.cn,
        "readout",
        {
            "ref": ctx.facts["meeting"],
            "lang": "zh",
            "text": "双方回顾了会遇情况；中方提出美舰应避开演习区域。",
        },
        tier="theater",
    )


def _incident(ctx: DemoContext, node: NodeProcess) -> dict[str, Any]:
    """The sea incident the nodes opened by themselves from the destroyer crossing."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = node.api("GET", "/api/v1/incidents")["incidents"]
        if found:
            incident: dict[str, Any] = found[0]
            ctx.facts["incident"] = incident["id"]
            return incident
        time.sleep(0.5)
    raise TimeoutError("no incident was opened from the encounter")


def acknowledge_alerts_and_incident(ctx: DemoContext) -> None:
    """CN's duty officer reads the alerts; whoever did not open the incident acknowledges it."""
    incident = _incident(ctx, ctx.cn)
    inbox = ctx.cn.api("GET", "/api/v1/inbox", params={"limit": 500})["entries"]
    for entry in inbox:
        if entry["kind"] == "encounter_alert" and entry["party"] == "US":
            ctx.cn.api(
                "POST",
                "/api/v1/acknowledge",
                json={"ref": entry["id"], "role": "duty officer", "officer": "Lt Cdr Wang"},
            )
    detail = ctx.cn.api("GET", f"/api/v1/incidents/{incident['id']}")
    reader = ctx.cn if detail["opener"] == "US" else ctx.us
    _wait_arrival(reader, incident["id"])
    reader.api(
        "POST",
        "/api/v1/acknowledge",
        json={"ref": incident["id"], "role": "duty officer", "officer": "watch officer"},
    )


def incident_steps(ctx: DemoContext) -> None:
    incident_id = ctx.facts.get("incident") or _incident(ctx, ctx.us)["id"]
    ctx.us.api("POST", f"/api/v1/incidents/{incident_id}/steps", json={})
    ctx.cn.api("POST", f"/api/v1/incidents/{incident_id}/steps", json={})


def assessments(ctx: DemoContext) -> None:
    incident_id = ctx.facts["incident"]
    ctx.us.api(
        "POST",
        f"/api/v1/incidents/{incident_id}/assessment",
        json={"level": 3, "rationale": "Critical crossing at 150 yards, risk of collision."},
    )
    ctx.cn.api(
        "POST",
        f"/api/v1/incidents/{incident_id}/assessment",
        json={"level": 2, "rationale": "双方保持了安全距离，属不安全会遇。", "lang": "zh"},
    )


def resolution(ctx: DemoContext) -> None:
    incident_id = ctx.facts["incident"]
    ctx.us.api(
        "POST",
        f"/api/v1/incidents/{incident_id}/close",
        json={
            "outcome": "resolved",
            "agreed_facts": [
                "The destroyers passed 137 m apart near Gaven Reef.",
                "Both ships altered course to starboard after the alert.",
            ],
            "measures": ["Keep at least 2 NM separation in the area for 72 hours."],
        },
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            ctx.cn.api("POST", f"/api/v1/incidents/{incident_id}/endorse")
            return
        except RuntimeError:
            time.sleep(0.5)  # the proposal is still on its way
    raise TimeoutError("the resolution proposal did not reach CN")


def _wait_arrival(node: NodeProcess, entry_id: str, timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        entries = node.api("GET", "/api/v1/inbox", params={"limit": 500})["entries"]
        if any(e["id"] == entry_id for e in entries):
            return
        time.sleep(0.2)
    raise TimeoutError(f"{entry_id[:12]} did not arrive")


BEATS: list[Beat] = [
    Beat(10, "US → CN standard phrase: my course and speed", routine_phrase),
    Beat(25, "CN acknowledges and answers: will pass astern", cn_acknowledges_phrase),
    Beat(40, "US files a private plan: Taiwan Strait transit", us_plans_transit),
    Beat(60, "CN notifies a live-fire exercise over the transit corridor", cn_notifies_live_fire),
    Beat(
        90,
        "US FLASH: confirm the window (CN will not acknowledge: watch the deadline)",
        us_flash_unanswered,
    ),
    Beat(
        380,
        "Duty officers acknowledge the encounter alerts and the incident",
        acknowledge_alerts_and_incident,
    ),
    Beat(395, "Both sides send the next step of their de-escalation playbook", incident_steps),
    Beat(400, "US requests a call at theater tier", us_call_request),
    Beat(430, "Each side assesses the incident's level (3 and 2: shown, not hidden)", assessments),
    Beat(450, "US proposes a meeting; CN accepts", meeting),
    Beat(520, "Both sides write their readouts", readouts),
    Beat(560, "US proposes the resolution; CN endorses it: resolved, signed by both", resolution),
]
