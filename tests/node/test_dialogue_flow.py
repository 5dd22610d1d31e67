"""A meeting from proposal to joint statement between two real nodes over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from detente.dialogue.bodies import JointStatementBody, statement_text_sha256
from detente.log.evidence import encode_bundle
from detente.log.evidence_verify import verify_bundle
from detente.testing import NodeProcess, running_pair, wait_until

SLOT_A = {"start": "2026-12-01T02:00:00Z", "end": "2026-12-01T03:00:00Z"}
SLOT_B = {"start": "2026-12-02T02:00:00Z", "end": "2026-12-02T03:00:00Z"}
SLOT_C = {"start": "2026-12-03T06:00:00Z", "end": "2026-12-03T07:00:00Z"}


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[NodeProcess, NodeProcess]]:
    with running_pair(tmp_path) as nodes:
        yield nodes


def post(node: NodeProcess, to: str, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = node.api(
        "POST",
        "/api/v1/messages",
        json={"to": to, "kind": kind, "body": body, "precedence": "PRIORITY", "tier": "theater"},
    )
    return result


def arrived(node: NodeProcess, entry_id: str) -> None:
    wait_until(
        lambda: any(
            e["id"] == entry_id
            for e in node.api("GET", "/api/v1/inbox", params={"limit": 1000})["entries"]
        ),
        what=f"{entry_id[:8]} arrival",
    )


def meeting_of(node: NodeProcess) -> dict[str, Any]:
    meetings: list[dict[str, Any]] = node.api("GET", "/api/v1/dialogue")["channels"][0]["meetings"]
    return meetings[0]


def test_meeting_proposal_counter_accept_readouts_and_joint_statement(
    pair: tuple[NodeProcess, NodeProcess],
) -> None:
    us, cn = pair
    proposal = post(
        us,
        "CN",
        "meeting_proposal",
        {
            "title": "Maritime safety talks",
            "agenda": ["Unsafe encounters", "Hotline tests"],
            "format": "video",
            "candidate_slots": [SLOT_A, SLOT_B],
            "tier": "theater",
        },
    )
    arrived(cn, proposal["id"])
    counter = post(
        cn,
        "US",
        "meeting_response",
        {"ref": proposal["id"], "response": "counter", "counter_slots": [SLOT_C]},
    )
    arrived(us, counter["id"])
    # US cannot accept a slot that is no longer on offer: refused before signing.
    refused = httpx.post(
        us.url + "/api/v1/messages",
        headers={"authorization": f"Bearer {us._token}"},
        json={
            "to": "CN",
            "kind": "meeting_response",
            "body": {"ref": proposal["id"], "response": "accept", "accepted_slot": SLOT_A},
        },
    )
    assert refused.status_code == 422, refused.text
    accept = post(
        us,
        "CN",
        "meeting_response",
        {"ref": proposal["id"], "response": "accept", "accepted_slot": SLOT_C},
    )
    arrived(cn, accept["id"])
    view = meeting_of(cn)
    assert view["status"] == "accepted"
    assert view["agreed_slot"]["start"].startswith("2026-12-03T06:00")
    us_readout = post(
        us,
        "CN",
        "readout",
        {
            "ref": proposal["id"],
            "text": "Both sides agreed to test the hotline weekly.",
            "lang": "en",
        },
    )
    cn_readout = post(
        cn, "US", "readout", {"ref": proposal["id"], "text": "双方同意每周测试热线。", "lang": "zh"}
    )
    arrived(us, cn_readout["id"])
    arrived(cn, us_readout["id"])
    for node in (us, cn):
        readouts = meeting_of(node)["readouts"]
        assert set(readouts) == {"US", "CN"}  # side by side, never merged
        assert readouts["CN"][0]["text"] == "双方同意每周测试热线。"
    statement = post(
        us,
        "CN",
        "joint_statement",
        {
            "title": "Joint statement on hotline tests",
            "text": {
                "en": "The two sides will test the hotline weekly.",
                "zh": "双方将每周测试热线。",
            },
            "ref": proposal["id"],
        },
    )
    arrived(cn, statement["id"])

    def statement_of(node: NodeProcess) -> dict[str, Any]:
        found: dict[str, Any] = node.api("GET", "/api/v1/dialogue")["channels"][0]["statements"][0]
        return found

    assert statement_of(cn)["signed_by"] == ["US"]
    endorsed = cn.api("POST", f"/api/v1/statements/{statement['id']}/endorse")
    arrived(us, endorsed["id"])
    for node in (us, cn):
        view = statement_of(node)
        assert view["signed_by_all"] is True
        assert sorted(view["signed_by"]) == ["CN", "US"]

    # The joint statement verifies offline in an evidence bundle, with both signatures.
    for node in (us, cn):
        node.api("POST", "/api/v1/checkpoints/now")
    bundle = encode_bundle(
        us.api(
            "POST", "/api/v1/evidence/export", json={"entries": [statement["id"], endorsed["id"]]}
        )
    )
    report = verify_bundle(bundle)
    assert report.ok, report.failures
    by_id = {e.id: e for e in report.entries}
    issued, endorsement = by_id[statement["id"]], by_id[endorsed["id"]]
    assert (issued.party, issued.kind) == ("US", "joint_statement")
    assert (endorsement.party, endorsement.kind) == ("CN", "endorse")
    assert endorsement.body["ref"] == statement["id"]
    words = JointStatementBody.model_validate(issued.body)
    assert endorsement.body["text_sha256"] == statement_text_sha256(words)
    tampered = bundle.replace("双方将每周测试热线".encode(), "双方将每日测试热线".encode())
    assert not verify_bundle(tampered).ok
