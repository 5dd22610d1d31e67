"""A whole incident between two real node processes, from a critical alert to a signed resolution.

Deadlines are made short through the channel terms (a FLASH deadline of two
seconds), never by mocking a clock. US's node sends the critical sea
encounter alert itself through the operator API (as its encounter pipeline
does); both nodes open the incident from it and agree on one id.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from detente.errors import ValidationError
from detente.incidents.report import pdf_converter
from detente.link.outgoing import Draft
from detente.link.settings import LinkSettings
from detente.node import incidents as node_incidents
from detente.node.channel_settings import ChannelSettings
from detente.node.service import NodeService
from detente.testing import NodeProcess, connect, make_node, running_pair, wait_until
from detente.wire.enums import Precedence
from tests.incidents.builders import head_on_alert

TERMS = ChannelSettings(
    link=LinkSettings(
        ack_deadlines_s={
            Precedence.FLASH: 2.0,
            Precedence.IMMEDIATE: 600.0,
            Precedence.PRIORITY: 600.0,
            Precedence.ROUTINE: 600.0,
        },
        link_check_interval_s=1.0,
        pull_interval_s=0.5,
    )
)


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[NodeProcess, NodeProcess]]:
    with running_pair(tmp_path, terms=TERMS) as nodes:
        yield nodes


def refused(node: NodeProcess, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = httpx.request(
        method,
        node.url + path,
        json=body,
        headers={"authorization": f"Bearer {node._token}"},
        timeout=30.0,
    )
    assert response.status_code == 422, response.text
    data: dict[str, Any] = response.json()
    return data


def incidents(node: NodeProcess) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = node.api("GET", "/api/v1/incidents")["incidents"]
    return found


def show(node: NodeProcess, incident_id: str) -> dict[str, Any]:
    shown: dict[str, Any] = node.api("GET", f"/api/v1/incidents/{incident_id}")
    return shown


def incident_alarm(node: NodeProcess, incident_id: str, *, cleared: bool = False) -> bool:
    found = [
        a
        for a in node.api("GET", "/api/v1/alarms")["alarms"]
        if a["kind"] == "incident" and a["ref"] == incident_id
    ]
    return bool(found) and all(bool(a["cleared_t"]) is cleared for a in found)


def has_entry(node: NodeProcess, entry_id: str) -> bool:
    return any(e["id"] == entry_id for e in node.api("GET", "/api/v1/inbox")["entries"])


def ack(node: NodeProcess, entry_id: str) -> None:
    wait_until(lambda: has_entry(node, entry_id), what=f"{entry_id[:12]} at {node.settings.party}")
    node.api(
        "POST",
        "/api/v1/acknowledge",
        json={"ref": entry_id, "role": "duty officer", "officer": "Cdr Li"},
    )


def test_critical_sea_encounter_runs_to_a_signed_resolution(
    pair: tuple[NodeProcess, NodeProcess],
) -> None:
    us, cn = pair
    alert = us.api(
        "POST",
        "/api/v1/messages",
        json={
            "to": "CN",
            "kind": "encounter_alert",
            "precedence": "IMMEDIATE",
            "body": head_on_alert().model_dump(mode="json"),
        },
    )

    # Both nodes open it from the alert and agree on one id (a race merges by the smaller id).
    def same_incident() -> str | None:
        mine, theirs = incidents(us), incidents(cn)
        if len(mine) == 1 and len(theirs) == 1 and mine[0]["id"] == theirs[0]["id"]:
            return str(mine[0]["id"])
        return None

    incident_id = wait_until(same_incident, what="one incident with one id on both nodes")
    listed = incidents(us)[0]
    assert listed["type"] == "unsafe_encounter_sea" and listed["state"] == "opened"
    assert listed["level"] == 3 and listed["parties"] == ["CN", "US"]
    opened = show(us, incident_id)
    assert opened["timeline"][0]["role"] == "source"
    assert opened["timeline"][0]["entry_id"] == alert["id"]
    opener = opened["opener"]
    for node in (us, cn):  # every dashboard shows the open incident as an alarm
        wait_until(lambda n=node: incident_alarm(n, incident_id), what="incident alarm")  # type: ignore[misc]
    peer = cn if opener == "US" else us

    # Before the peer acknowledges, a joint resolution is refused before signing.
    error = refused(
        us,
        "POST",
        f"/api/v1/incidents/{incident_id}/close",
        {"outcome": "resolved", "agreed_facts": ["Passed at 500 m"]},
    )
    assert "never acknowledged" in error["reason"] and error["field"] == "body.outcome"
    # So is an assessment of an incident that does not exist.
    error = refused(
        us,
        "POST",
        "/api/v1/messages",
        {
            "to": "CN",
            "kind": "incident_assessment",
            "body": {"incident": "ab" * 32, "level": 2, "rationale": "x"},
        },
    )
    assert "no incident" in error["reason"] and error["field"] == "body.incident"

    # The peer's human acknowledges the opening; a second acknowledgement is refused.
    ack(peer, incident_id)
    wait_until(lambda: show(us, incident_id)["state"] == "acknowledged", what="acknowledged")
    error = refused(peer, "POST", "/api/v1/acknowledge", {"ref": incident_id, "role": "duty"})
    assert "already acknowledged" in error["reason"]

    # Step 1 (FLASH) goes unacknowledged: the deadline passes and the incident escalates a tier.
    upcoming = us.api("GET", f"/api/v1/incidents/{incident_id}/next-step")
    assert upcoming["next_step"]["id"] == "request_intentions" and upcoming["next_step"]["due_t"]
    step1 = us.api("POST", f"/api/v1/incidents/{incident_id}/steps", json={})
    assert step1["kind"] == "phrase" and step1["step"]["id"] == "request_intentions"
    escalated = wait_until(
        lambda: (s := show(cn, incident_id))["escalations"] and s, what="escalation at CN"
    )
    assert escalated["escalations"][0]["ref"] == step1["id"]
    assert escalated["tier"] in ("theater", "policy")
    ack(cn, step1["id"])

    # The remaining steps are sent and acknowledged in turn.
    sent = [step1]
    for expected in ("propose_separation", "call_next_tier", "meeting"):
        step = us.api("POST", f"/api/v1/incidents/{incident_id}/steps", json={})
        assert step["step"]["id"] == expected
        ack(cn, step["id"])
        sent.append(step)
    assert sent[2]["kind"] == "call_request" and sent[3]["kind"] == "meeting_proposal"

    # CN answers on the record and assesses lower than US: both shown, the difference flagged.
    cn.api(
        "POST",
        "/api/v1/messages",
        json={
            "to": "US",
            "kind": "phrase",
            "body": {"code": "WILCO", "params": {}},
            "refs": [incident_id],
        },
    )
    cn.api(
        "POST",
        f"/api/v1/incidents/{incident_id}/assessment",
        json={"level": 2, "rationale": "Unsafe but no collision risk as we saw it"},
    )
    us.api(
        "POST",
        f"/api/v1/incidents/{incident_id}/assessment",
        json={"level": 3, "rationale": "CPA under 1,000 m"},
    )

    def everything_at_us() -> dict[str, Any] | None:
        s = show(us, incident_id)
        steps_acked = all(any(a["party"] == "CN" for a in st["acks"]) for st in s["steps"])
        ok = s["state"] == "in_dialogue" and len(s["assessments"]) == 2 and steps_acked
        return s if ok else None

    state = wait_until(everything_at_us, what="dialogue, both assessments and acked steps at US")
    assert state["levels_differ"] and state["level"] == 3 and state["next_step"] is None
    assert [st["done"] for st in state["steps"]] == [True] * 4

    # US proposes the resolution; CN endorses the exact words: resolved on both sides.
    proposal = us.api(
        "POST",
        f"/api/v1/incidents/{incident_id}/close",
        json={
            "outcome": "resolved",
            "agreed_facts": ["The ships passed at about 500 m", "No damage"],
            "measures": ["Keep 2 nm separation in this area"],
        },
    )
    wait_until(lambda: show(cn, incident_id)["proposal"] == proposal["id"], what="proposal at CN")
    cn.api("POST", f"/api/v1/incidents/{incident_id}/endorse")
    for node in (us, cn):
        final = wait_until(
            lambda n=node: (s := show(n, incident_id))["state"] == "resolved" and s,  # type: ignore[misc]
            what=f"resolved at {node.settings.party}",
        )
        assert final["closing"]["signed_by"] == ["US", "CN"]
        assert final["id"] == incident_id

    for node in (us, cn):
        wait_until(
            lambda n=node: incident_alarm(n, incident_id, cleared=True),  # type: ignore[misc]
            what="incident alarm cleared by the resolution",
        )

    # The timeline merges both logs in time order, with reception and acknowledgement times.
    timeline = show(us, incident_id)["timeline"]
    assert [r["t"] for r in timeline] == sorted(r["t"] for r in timeline)
    assert {r["party"] for r in timeline} == {"US", "CN"}
    step_rows = [r for r in timeline if r["entry_id"] in {s["id"] for s in sent}]
    assert all(r["received_t"] and r["acks"][0]["party"] == "CN" for r in step_rows)

    # Statistics and the after-action report, over the API.
    stats = us.api("GET", "/api/v1/incidents/stats")
    assert stats["count"] == 1 and stats["by_type"] == {"unsafe_encounter_sea": 1}
    assert stats["per_side"][opener]["time_to_resolution"]["count"] == 1
    assert stats["per_side"][opener]["time_to_peer_ack"]["median_s"] > 0
    html = httpx.get(
        us.url + f"/api/v1/incidents/{incident_id}/report",
        headers={"authorization": f"Bearer {us._token}"},
        timeout=60,
    ).text
    assert "After-action report" in html and "resolved" in html
    assert "Keep 2 nm separation in this area" in html and "Haikou" in html
    png = re.search(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert png is not None and base64.b64decode(png.group(1)).startswith(b"\x89PNG")
    assert len(png.group(1)) > 20_000
    # An operator can open one by hand too; the scale's meanings come in both languages.
    report = us.api(
        "POST",
        "/api/v1/incidents",
        json={
            "to": "CN",
            "title": "Fire-control radar illumination",
            "facts": ["Radar lock 09:12Z"],
            "tags": ["fire_control_radar"],
        },
    )
    wait_until(lambda: len(incidents(cn)) == 2, what="the operator's report at CN")
    assert show(cn, report["id"])["level"] == 3 and show(cn, report["id"])["type"] == (
        "operator_report"
    )
    assert "危险" in us.api("GET", "/api/v1/incidents/levels?lang=zh")["levels"][2]["meaning"]
    if pdf_converter() is not None:
        pdf = httpx.get(
            us.url + f"/api/v1/incidents/{incident_id}/report.pdf",
            headers={"authorization": f"Bearer {us._token}"},
            timeout=120,
        )
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def _sync(a: NodeService, b: NodeService, channel: str) -> None:
    for sender, reader in ((a, b), (b, a)):
        start = reader.mirror_size(channel, sender.party) + 1
        envelopes, _ = sender.own_entries(channel, start, 1000)
        if envelopes:
            reader.receive(channel, sender.party, envelopes)


def test_simultaneous_openings_merge_identically_on_both_nodes(tmp_path: Path) -> None:
    us_settings = make_node(tmp_path / "us", "US", "INDOPACOM J3")
    cn_settings = make_node(tmp_path / "cn", "CN", "Southern Theater Command")
    channel = connect(us_settings, cn_settings)
    us, cn = NodeService(us_settings), NodeService(cn_settings)
    try:
        for service in (us, cn):
            service.migrate()
            node_incidents.install(service)
        key = "encounter:00112233aabbccdd:20261127T0900Z"
        # Both sides open the same event before either has heard from the other.
        opened = [
            node_incidents.open_incident(
                service,
                channel,
                incident_type="unsafe_encounter_sea",
                title=f"Seen by {service.party}",
                facts=["Two ships closing"],
                tags=["critical"],
                event_key=key,
            ).id
            for service in (us, cn)
        ]
        # A second opening of the same event on one side is refused before signing.
        with pytest.raises(ValidationError, match="already covers this event") as caught:
            node_incidents.open_incident(
                us,
                channel,
                incident_type="unsafe_encounter_sea",
                title="again",
                facts=["x"],
                event_key=key,
            )
        assert caught.value.field == "body.event_key"
        _sync(us, cn, channel)
        _sync(us, cn, channel)
        views = [node_incidents.list_incidents(service) for service in (us, cn)]
        assert views[0] == views[1]
        (only,) = views[0]
        assert only["id"] == min(opened) and only["duplicates"] == [max(opened)]
        # Acknowledging the duplicate is acknowledging the incident, on both sides.
        loser_author = us if max(opened) == opened[0] else cn
        reader = cn if loser_author is us else us
        reader.send(
            channel,
            [Draft("acknowledge", {"ref": max(opened), "role": "watch"}, refs=(max(opened),))],
        )
        _sync(us, cn, channel)
        states = [node_incidents.detail(service, max(opened))["state"] for service in (us, cn)]
        assert states == ["acknowledged", "acknowledged"]
    finally:
        us.close()
        cn.close()
