from __future__ import annotations

from typing import Any

import pytest

from detente.dialogue.bodies import (
    JointStatementBody,
    MeetingResponseBody,
    dialogue_kinds,
    statement_text_sha256,
)
from detente.errors import ValidationError
from detente.wire.kinds import KindRegistry

REF = "cd" * 32
SLOT = {"start": "2026-11-28T01:00:00Z", "end": "2026-11-28T02:00:00Z"}


@pytest.fixture
def registry() -> KindRegistry:
    return KindRegistry(dialogue_kinds())


def _rejects(registry: KindRegistry, kind: str, body: dict[str, Any]) -> ValidationError:
    with pytest.raises(ValidationError) as err:
        registry.validate(kind, body)
    return err.value


def test_bodies_kinds_are_registered(registry: KindRegistry) -> None:
    assert registry.kinds() == [
        "call_request",
        "endorse",
        "joint_statement",
        "meeting_proposal",
        "meeting_response",
        "readout",
    ]


def test_bodies_call_request(registry: KindRegistry) -> None:
    ok = {"tier": "theater", "urgency": "IMMEDIATE", "topic": "Encounter near Area A-3"}
    assert registry.validate("call_request", ok)
    assert registry.validate(
        "call_request", {**ok, "proposed_times": ["2026-11-28T01:00:00Z"], "incident": REF}
    )
    assert _rejects(registry, "call_request", {**ok, "tier": "president"}).field == "body.tier"
    assert _rejects(registry, "call_request", {**ok, "urgency": "URGENT"}).field == "body.urgency"
    assert _rejects(registry, "call_request", {**ok, "topic": ""}).field == "body.topic"
    assert _rejects(registry, "call_request", {**ok, "topic": "x" * 201}).field == "body.topic"
    bad_time = {**ok, "proposed_times": ["2026-11-28 01:00"]}
    assert _rejects(registry, "call_request", bad_time).field == "body.proposed_times.0"
    impossible = {**ok, "proposed_times": ["2026-02-30T01:00:00Z"]}
    assert _rejects(registry, "call_request", impossible).field == "body.proposed_times.0"
    twice = {**ok, "proposed_times": ["2026-11-28T01:00:00Z"] * 2}
    assert _rejects(registry, "call_request", twice).field == "body.proposed_times"
    missing = {k: v for k, v in ok.items() if k != "topic"}
    assert _rejects(registry, "call_request", missing).field == "body.topic"


def test_bodies_meeting_proposal(registry: KindRegistry) -> None:
    ok = {
        "title": "Theater talks",
        "agenda": ["Review of the 27 Nov encounter"],
        "format": "video",
        "candidate_slots": [SLOT],
        "tier": "theater",
    }
    assert registry.validate("meeting_proposal", ok)
    assert _rejects(registry, "meeting_proposal", {**ok, "agenda": []}).field == "body.agenda"
    assert _rejects(registry, "meeting_proposal", {**ok, "format": "fax"}).field == "body.format"
    assert (
        _rejects(registry, "meeting_proposal", {**ok, "candidate_slots": []}).field
        == "body.candidate_slots"
    )
    backwards = {"start": SLOT["end"], "end": SLOT["start"]}
    err = _rejects(registry, "meeting_proposal", {**ok, "candidate_slots": [backwards]})
    assert err.field == "body.candidate_slots.0"
    assert "end after it starts" in err.reason
    twice = _rejects(registry, "meeting_proposal", {**ok, "candidate_slots": [SLOT, SLOT]})
    assert twice.field == "body.candidate_slots"
    too_long = {"start": "2026-11-28T00:00:00Z", "end": "2026-12-28T00:00:00Z"}
    assert _rejects(registry, "meeting_proposal", {**ok, "candidate_slots": [too_long]}).field
    many = [
        {"start": f"2026-11-{d:02d}T01:00:00Z", "end": f"2026-11-{d:02d}T02:00:00Z"}
        for d in range(1, 12)
    ]
    assert (
        _rejects(registry, "meeting_proposal", {**ok, "candidate_slots": many}).field
        == "body.candidate_slots"
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"ref": REF, "response": "accept"}, "body.accepted_slot"),
        ({"ref": REF, "response": "decline", "accepted_slot": SLOT}, "body.accepted_slot"),
        ({"ref": REF, "response": "counter"}, "body.counter_slots"),
        (
            {"ref": REF, "response": "accept", "accepted_slot": SLOT, "counter_slots": [SLOT]},
            "body.counter_slots",
        ),
        ({"ref": REF, "response": "counter", "counter_slots": [SLOT, SLOT]}, "body.counter_slots"),
        ({"ref": REF, "response": "maybe"}, "body.response"),
        ({"ref": "short", "response": "decline"}, "body.ref"),
    ],
)
def test_bodies_meeting_response_must_be_consistent(
    registry: KindRegistry, body: dict[str, Any], field: str
) -> None:
    assert _rejects(registry, "meeting_response", body).field == field


def test_bodies_meeting_response_valid_forms() -> None:
    assert MeetingResponseBody(ref=REF, response="accept", accepted_slot=SLOT)
    assert MeetingResponseBody(ref=REF, response="decline", reason="Not now")
    assert MeetingResponseBody(ref=REF, response="counter", counter_slots=[SLOT])


def test_bodies_readout_and_statement_limits(registry: KindRegistry) -> None:
    readout = {"ref": REF, "text": "We discussed safety.", "lang": "en", "participants": ["RADM A"]}
    assert registry.validate("readout", readout)
    assert _rejects(registry, "readout", {**readout, "text": "x" * 20_001}).field == "body.text"
    assert _rejects(registry, "readout", {**readout, "lang": "english"}).field == "body.lang"
    statement = {"title": "Joint statement", "text": {"en": "Both sides…", "zh": "双方……"}}
    assert registry.validate("joint_statement", statement)
    assert _rejects(registry, "joint_statement", {**statement, "text": {}}).field == "body.text"
    assert (
        _rejects(registry, "endorse", {"ref": REF, "text_sha256": "00"}).field == "body.text_sha256"
    )


def test_bodies_statement_hash_binds_title_and_every_language() -> None:
    base = JointStatementBody(title="T", text={"en": "Both sides agree.", "zh": "双方同意。"})
    same = JointStatementBody(title="T", text={"zh": "双方同意。", "en": "Both sides agree."})
    assert statement_text_sha256(base) == statement_text_sha256(same)
    assert len(statement_text_sha256(base)) == 64
    for other in (
        JointStatementBody(title="T.", text=dict(base.text)),
        JointStatementBody(title="T", text={"en": "Both sides agree", "zh": "双方同意。"}),
        JointStatementBody(title="T", text={"en": "Both sides agree.", "zh": "双方同意"}),
    ):
        assert statement_text_sha256(other) != statement_text_sha256(base)
