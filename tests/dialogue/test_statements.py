from __future__ import annotations

import pytest

from detente.dialogue.bodies import EndorsementBody, JointStatementBody, statement_text_sha256
from detente.dialogue.items import DialogueItem
from detente.dialogue.statements import joint_statement_state, joint_statement_states
from detente.errors import ValidationError
from detente.wire.body import Body

STATEMENT_ID = "0a" * 32
PARTIES = ("US", "CN")
STATEMENT = JointStatementBody(
    title="Joint statement on the 27 November encounter",
    text={
        "en": "Both sides will keep at least 3 NM separation between their units.",
        "zh": "双方将保持各自兵力之间至少3海里的距离。",
    },
)
HASH = statement_text_sha256(STATEMENT)


def _item(n: int, party: str, body: Body, entry_id: str | None = None) -> DialogueItem:
    return DialogueItem(entry_id or f"{n:064x}", party, f"2026-11-27T0{n}:00:00.000000Z", body)


def _issued(party: str = "US") -> DialogueItem:
    return _item(1, party, STATEMENT, STATEMENT_ID)


def _endorse(n: int, party: str, sha: str = HASH, ref: str = STATEMENT_ID) -> DialogueItem:
    return _item(n, party, EndorsementBody(ref=ref, text_sha256=sha))


def test_statement_issued_is_signed_by_its_author_only() -> None:
    view = joint_statement_state([_issued()], PARTIES)
    assert view.signed_by == ("US",)
    assert view.missing == {"CN"}
    assert not view.signed_by_all
    assert view.text_sha256 == HASH
    assert view.text["zh"].startswith("双方")


def test_statement_endorsed_by_both_sides() -> None:
    view = joint_statement_state([_issued(), _endorse(2, "CN")], PARTIES)
    assert view.signed_by == ("US", "CN")
    assert view.signed_by_all
    assert view.endorsements[1].entry_id == f"{2:064x}"


def test_statement_repeat_endorsement_is_recorded_once() -> None:
    view = joint_statement_state([_issued(), _endorse(2, "CN"), _endorse(3, "CN")], PARTIES)
    assert view.signed_by == ("US", "CN")


def test_statement_rejects_endorsement_with_wrong_text_hash() -> None:
    altered = JointStatementBody(
        title=STATEMENT.title, text={**STATEMENT.text, "en": "Both sides will try."}
    )
    with pytest.raises(ValidationError) as err:
        joint_statement_state(
            [_issued(), _endorse(2, "CN", statement_text_sha256(altered))], PARTIES
        )
    assert err.value.field == "text_sha256"


def test_statement_rejects_endorsement_of_unknown_statement() -> None:
    with pytest.raises(ValidationError) as err:
        joint_statement_state([_issued(), _endorse(2, "CN", ref="0b" * 32)], PARTIES)
    assert err.value.field == "ref"


def test_statement_three_parties_need_all_three() -> None:
    items = [_issued(), _endorse(2, "CN")]
    view = joint_statement_state(items, ("US", "CN", "JP"))
    assert view.missing == {"JP"}
    assert joint_statement_state([*items, _endorse(3, "JP")], ("US", "CN", "JP")).signed_by_all


def test_statement_states_by_id_and_selection() -> None:
    second = JointStatementBody(title="Second", text={"en": "Text."})
    items = [
        _issued(),
        _item(2, "CN", second),
        _endorse(3, "US", statement_text_sha256(second), f"{2:064x}"),
    ]
    states = joint_statement_states(items, PARTIES)
    assert states[f"{2:064x}"].signed_by == ("CN", "US")
    assert states[STATEMENT_ID].signed_by == ("US",)
    with pytest.raises(ValidationError) as err:
        joint_statement_state(items, PARTIES)
    assert err.value.field == "statement_id"
    with pytest.raises(ValidationError):
        joint_statement_state(items, PARTIES, "0c" * 32)


def test_statement_json_twin() -> None:
    data = joint_statement_state([_issued()], PARTIES).to_json()
    assert data["signed_by"] == ["US"]
    assert data["missing"] == ["CN"]
    assert data["signed_by_all"] is False
    assert data["text_sha256"] == HASH
