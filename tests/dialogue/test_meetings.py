from __future__ import annotations

import json

import pytest

from detente.dialogue.bodies import MeetingProposalBody, MeetingResponseBody, ReadoutBody, Slot
from detente.dialogue.items import DialogueItem
from detente.dialogue.meetings import MeetingStatus, meeting_state, meeting_states
from detente.errors import ValidationError
from detente.wire.body import Body
from detente.wire.kinds import TextBody

A = Slot(start="2026-11-28T01:00:00Z", end="2026-11-28T02:00:00Z")
B = Slot(start="2026-11-28T05:00:00Z", end="2026-11-28T06:00:00Z")
C = Slot(start="2026-11-29T01:00:00Z", end="2026-11-29T02:00:00Z")
PROPOSAL_ID = "01" * 32


def _id(n: int) -> str:
    return f"{n:064x}"


def _item(n: int, party: str, body: Body, entry_id: str | None = None) -> DialogueItem:
    return DialogueItem(entry_id or _id(n), party, f"2026-11-27T0{n}:00:00.000000Z", body)


def _proposal() -> DialogueItem:
    body = MeetingProposalBody(
        title="Theater talks on the 27 Nov encounter",
        agenda=["Facts of the encounter", "Separation measures"],
        format="video",
        candidate_slots=[A, B],
        tier="theater",
    )
    return _item(1, "US", body, PROPOSAL_ID)


def _response(n: int, party: str, response: str, **kw: object) -> DialogueItem:
    return _item(n, party, MeetingResponseBody(ref=PROPOSAL_ID, response=response, **kw))


def _readout(n: int, party: str, text: str, lang: str) -> DialogueItem:
    return _item(
        n, party, ReadoutBody(ref=PROPOSAL_ID, text=text, lang=lang, participants=["Duty officer"])
    )


def test_meeting_state_proposed() -> None:
    view = meeting_state([_proposal()])
    assert view.status is MeetingStatus.PROPOSED
    assert view.proposer == "US"
    assert view.offered_by == "US"
    assert view.offered_slots == (A, B)
    assert view.agreed_slot is None
    assert view.tier == "theater"


def test_meeting_state_accepted_with_readouts_side_by_side() -> None:
    view = meeting_state(
        [
            _proposal(),
            _response(2, "CN", "accept", accepted_slot=B),
            _readout(3, "US", "Both sides reviewed the encounter.", "en"),
            _readout(4, "CN", "双方回顾了相遇情况。", "zh"),
            _readout(5, "CN", "补充：双方同意保持沟通。", "zh"),
        ]
    )
    assert view.status is MeetingStatus.ACCEPTED
    assert view.agreed_slot == B
    assert [s.status for s in view.history] == [MeetingStatus.PROPOSED, MeetingStatus.ACCEPTED]
    assert [r.text for r in view.readouts["US"]] == ["Both sides reviewed the encounter."]
    assert [r.lang for r in view.readouts["CN"]] == ["zh", "zh"]


def test_meeting_state_counter_then_accept_by_the_original_proposer() -> None:
    view = meeting_state(
        [
            _proposal(),
            _response(2, "CN", "counter", counter_slots=[C]),
            _response(3, "US", "accept", accepted_slot=C),
        ]
    )
    assert view.status is MeetingStatus.ACCEPTED
    assert view.agreed_slot == C
    assert [s.party for s in view.history] == ["US", "CN", "US"]


def test_meeting_state_countered_offer_replaces_the_old_one() -> None:
    steps = [_proposal(), _response(2, "CN", "counter", counter_slots=[C])]
    view = meeting_state(steps)
    assert view.status is MeetingStatus.COUNTERED
    assert view.offered_by == "CN"
    assert view.offered_slots == (C,)
    with pytest.raises(ValidationError) as err:
        meeting_state([*steps, _response(3, "US", "accept", accepted_slot=A)])
    assert err.value.field == "accepted_slot"


def test_meeting_state_declined_keeps_reason_and_is_final() -> None:
    steps = [_proposal(), _response(2, "CN", "decline", reason="Not at this time")]
    view = meeting_state(steps)
    assert view.status is MeetingStatus.DECLINED
    assert view.decline_reason == "Not at this time"
    with pytest.raises(ValidationError) as err:
        meeting_state([*steps, _response(3, "CN", "accept", accepted_slot=A)])
    assert err.value.field == "ref"
    assert "already declined" in err.value.reason


def test_meeting_state_rejects_response_to_unknown_proposal() -> None:
    stray = _item(2, "CN", MeetingResponseBody(ref=_id(99), response="decline"))
    with pytest.raises(ValidationError) as err:
        meeting_state([_proposal(), stray])
    assert err.value.field == "ref"
    assert "no meeting proposal" in err.value.reason


def test_meeting_state_rejects_accepting_a_slot_not_offered() -> None:
    with pytest.raises(ValidationError) as err:
        meeting_state([_proposal(), _response(2, "CN", "accept", accepted_slot=C)])
    assert err.value.field == "accepted_slot"


def test_meeting_state_rejects_answering_own_offer() -> None:
    with pytest.raises(ValidationError) as err:
        meeting_state([_proposal(), _response(2, "US", "accept", accepted_slot=A)])
    assert err.value.field == "party"


def test_meeting_state_rejects_readout_of_a_meeting_never_agreed() -> None:
    with pytest.raises(ValidationError) as err:
        meeting_state([_proposal(), _readout(2, "CN", "我方读出。", "zh")])
    assert err.value.field == "ref"


def test_meeting_state_response_before_its_proposal_is_unknown() -> None:
    with pytest.raises(ValidationError) as err:
        meeting_state([_response(1, "CN", "decline"), _proposal()])
    assert err.value.field == "ref"


def test_meeting_states_keep_meetings_apart_and_ignore_other_kinds() -> None:
    other = MeetingProposalBody(
        title="Policy talks",
        agenda=["Annual review"],
        format="in_person",
        candidate_slots=[C],
        tier="policy",
    )
    chat = _item(4, "CN", TextBody(text="收到", lang="zh"))
    items = [
        _proposal(),
        _item(2, "CN", other),
        _response(3, "CN", "accept", accepted_slot=A),
        chat,
    ]
    states = meeting_states(items)
    assert set(states) == {PROPOSAL_ID, _id(2)}
    assert states[PROPOSAL_ID].status is MeetingStatus.ACCEPTED
    assert states[_id(2)].status is MeetingStatus.PROPOSED
    with pytest.raises(ValidationError) as err:
        meeting_state(items)
    assert err.value.field == "proposal_id"
    assert meeting_state(items, _id(2)).title == "Policy talks"


def test_meeting_state_json_twin_is_plain_json() -> None:
    view = meeting_state(
        [
            _proposal(),
            _response(2, "CN", "accept", accepted_slot=A),
            _readout(3, "CN", "纪要。", "zh"),
        ]
    )
    data = view.to_json()
    assert json.loads(json.dumps(data)) == data
    assert data["status"] == "accepted"
    assert data["agreed_slot"] == {"start": A.start, "end": A.end}
    assert data["readouts"] == {
        "CN": [
            {
                "entry_id": f"{3:064x}",
                "t": "2026-11-27T03:00:00.000000Z",
                "text": "纪要。",
                "lang": "zh",
                "participants": ["Duty officer"],
            }
        ]
    }
