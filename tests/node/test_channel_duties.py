"""Deadlines, escalation, link checks and suspension, provoked for real between two nodes.

Intervals are made short through the channel terms (never by mocking the
node's clock): a FLASH deadline of two seconds, link checks every second.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from detente.link.settings import LinkSettings
from detente.node.channel_settings import ChannelSettings
from detente.testing import NodeProcess, running_pair, wait_until
from detente.wire.enums import Precedence

FAST = ChannelSettings(
    link=LinkSettings(
        ack_deadlines_s={
            Precedence.FLASH: 2.0,
            Precedence.IMMEDIATE: 3.0,
            Precedence.PRIORITY: 600.0,
            Precedence.ROUTINE: 600.0,
        },
        link_check_interval_s=1.0,
        link_check_missed_alarm=2,
        pull_interval_s=0.5,
    )
)


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[NodeProcess, NodeProcess]]:
    with running_pair(tmp_path, terms=FAST) as nodes:
        yield nodes


def send(
    node: NodeProcess,
    to: str,
    text: str,
    precedence: str = "ROUTINE",
    kind: str = "text",
    body: dict[str, Any] | None = None,
) -> dict[str, Any]:
    result: dict[str, Any] = node.api(
        "POST",
        "/api/v1/messages",
        json={
            "to": to,
            "kind": kind,
            "body": body or {"text": text, "lang": "en"},
            "precedence": precedence,
        },
    )
    return result


def alarms_of(node: NodeProcess, prefix: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = node.api("GET", "/api/v1/alarms")["alarms"]
    return [a for a in found if a["kind"].startswith(prefix)]


def inbox(node: NodeProcess, kind: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = node.api("GET", "/api/v1/inbox")["entries"]
    return [e for e in entries if e["kind"] == kind]


def test_missed_flash_deadline_alarms_both_sides_and_escalates(
    pair: tuple[NodeProcess, NodeProcess],
) -> None:
    us, cn = pair
    flash = send(us, "CN", "Request your intentions", "FLASH")
    # Nobody at CN acknowledges: after 2 s both nodes raise the alarm ...
    (mine,) = wait_until(
        lambda: alarms_of(us, "deadline_missed:operational"), timeout_s=60, what="US alarm"
    )
    assert mine["ref"] == flash["id"] and mine["cleared_t"] is None
    wait_until(lambda: alarms_of(cn, "deadline_missed:operational"), timeout_s=60, what="CN alarm")
    # ... and US's node escalates the item to the theater tier, which CN receives.
    (escalation,) = wait_until(
        lambda: inbox(cn, "escalation"), timeout_s=60, what="escalation at CN"
    )
    assert escalation["body"]["ref"] == flash["id"]
    assert escalation["body"]["to_tier"] == "theater"
    assert escalation["tier"] == "theater"
    # Still nobody: theater misses too and it goes to policy, the top.
    wait_until(lambda: alarms_of(us, "deadline_missed:theater"), what="theater deadline")
    wait_until(lambda: alarms_of(cn, "deadline_missed:theater"), what="theater deadline at CN")
    wait_until(
        lambda: any(e["body"]["to_tier"] == "policy" for e in inbox(cn, "escalation")),
        what="escalation to policy",
    )
    # A human at CN finally acknowledges: every deadline alarm on the item clears on both sides.
    cn.api(
        "POST",
        "/api/v1/acknowledge",
        json={"ref": flash["id"], "role": "duty officer", "officer": "Cdr Li"},
    )

    def cleared(node: NodeProcess) -> bool:
        return all(a["cleared_t"] for a in alarms_of(node, "deadline_missed"))

    wait_until(lambda: cleared(us), what="US alarms cleared by the acknowledgement")
    wait_until(lambda: cleared(cn), what="CN alarms cleared")


def test_acknowledged_in_time_raises_no_alarm_and_twice_is_refused(
    pair: tuple[NodeProcess, NodeProcess],
) -> None:
    us, cn = pair
    item = send(us, "CN", "Maintaining course", "IMMEDIATE")
    wait_until(
        lambda: [e for e in cn.api("GET", "/api/v1/inbox")["entries"] if e["id"] == item["id"]],
        what="arrival",
    )
    cn.api("POST", "/api/v1/acknowledge", json={"ref": item["id"], "role": "duty officer"})
    response = httpx.post(
        cn.url + "/api/v1/acknowledge",
        json={"ref": item["id"], "role": "duty officer"},
        headers={"authorization": f"Bearer {cn._token}"},
    )
    assert response.status_code == 422
    assert "already acknowledged" in response.json()["reason"]
    assert response.json()["field"] == "body.ref"
    status = wait_until(
        lambda: (
            (s := us.api("GET", "/api/v1/status"))["channels"][0]["peers"][0]["out"]["ack_latency"][
                "count"
            ]
            and s
        ),
        what="ack latency in US status",
    )
    figures = status["channels"][0]["peers"][0]["out"]
    assert figures["ack_latency"]["p50_s"] is not None
    assert figures["receipt_latency"]["count"] >= 1
    import time

    time.sleep(3.5)  # past the IMMEDIATE deadline: acknowledged items never alarm
    assert alarms_of(us, "deadline_missed") == []


def test_link_down_is_alarmed_and_outage_recorded_on_both_sides(
    pair: tuple[NodeProcess, NodeProcess],
) -> None:
    us, cn = pair
    wait_until(lambda: inbox(us, "link_check") and inbox(cn, "link_check"), what="link checks")

    def open_down() -> list[dict[str, Any]]:
        return [a for a in alarms_of(us, "link_down") if a["cleared_t"] is None]

    # US may have started first and seen a short outage while CN booted: let it close,
    # then count from here.
    wait_until(lambda: not open_down(), timeout_s=20, what="start-up outage over")
    before_us = len(alarms_of(us, "link_was_down"))
    before_cn = len(alarms_of(cn, "link_was_down"))
    cn.kill()

    (down,) = wait_until(open_down, timeout_s=20, what="link down")
    assert down["severity"] == 4
    status = us.api("GET", "/api/v1/status")["channels"][0]["peers"][0]
    assert status["current_outage"] is not None, status
    cn.start()
    wait_until(lambda: not open_down(), timeout_s=20, what="link back at US")
    wait_until(lambda: len(alarms_of(us, "link_was_down")) > before_us, what="outage at US")
    wait_until(
        lambda: len(alarms_of(cn, "link_was_down")) > before_cn,
        timeout_s=20,
        what="outage report at CN",
    )
    was_down = alarms_of(cn, "link_was_down")[0]  # newest first
    assert "US reports the link was down" in was_down["text"]
    report = inbox(cn, "outage_report")[0]
    assert report["body"]["missed_checks"] >= 2
    health = us.api("GET", "/api/v1/status")["channels"][0]["peers"][0]
    assert health["outages"] >= 1
    assert health["current_outage"] is None
    assert health["availability"] < 1.0


def test_suspended_channel_refuses_dialogue_and_carries_the_safety_floor(
    pair: tuple[NodeProcess, NodeProcess],
) -> None:
    us, cn = pair
    channel = us.api("GET", "/api/v1/node")["channels"][0]["id"]
    before = send(us, "CN", "Before the suspension")
    suspension = us.api(
        "POST",
        f"/api/v1/channels/{channel}/suspend",
        json={"reason": "Protest at the boarding of our vessel"},
    )
    wait_until(lambda: inbox(cn, "suspend"), what="suspension at CN")
    # Dialogue is refused by both nodes, with the reason.
    for node, to in ((us, "CN"), (cn, "US")):
        response = httpx.post(
            node.url + "/api/v1/messages",
            json={"to": to, "body": {"text": "Shall we talk?", "lang": "en"}},
            headers={"authorization": f"Bearer {node._token}"},
        )
        assert response.status_code == 409, response.text
        assert response.json()["error"] == "suspended"
        assert "Protest at the boarding" in response.json()["reason"]
    # Every safety-floor kind still flows, both ways.
    floor = [
        (
            "distress",
            {
                "text": "Fire in engine room, request assistance",
                "lang": "en",
                "position": {"lat_deg": 15.1, "lon_deg": 117.8},
            },
        ),
        ("emergency", {"text": "Man overboard, all ships keep a lookout", "lang": "en"}),
    ]
    for kind, body in floor:
        sent = send(cn, "US", "", "FLASH", kind=kind, body=body)
        wait_until(
            lambda sent=sent, kind=kind: [e for e in inbox(us, kind) if e["id"] == sent["id"]],
            what=f"{kind} during suspension",
        )
    cn.api("POST", "/api/v1/acknowledge", json={"ref": before["id"], "role": "duty officer"})
    wait_until(lambda: inbox(us, "acknowledge"), what="acknowledgement during suspension")
    wait_until(lambda: len(inbox(us, "link_check")) >= 2, what="link checks keep flowing")
    status = cn.api("GET", "/api/v1/status")["channels"][0]
    assert status["suspended_by"][0]["party"] == "US"
    # Only the suspending party resumes; then dialogue flows again.
    refused = httpx.post(
        cn.url + f"/api/v1/channels/{channel}/resume",
        json={"ref": suspension["id"]},
        headers={"authorization": f"Bearer {cn._token}"},
    )
    assert refused.status_code == 422
    us.api("POST", f"/api/v1/channels/{channel}/resume", json={"ref": suspension["id"]})
    wait_until(lambda: inbox(cn, "resume"), what="resumption at CN")
    send(cn, "US", "Talks can resume")
    record = us.api("GET", "/api/v1/status")["channels"][0]["suspensions"]
    assert record[0]["end_t"] is not None and record[0]["reason"].startswith("Protest")
