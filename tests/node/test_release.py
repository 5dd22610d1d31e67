"""Send or hold, release by a second person, reject with a reason: each audited, never half-done."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from detente.errors import ForbiddenError, NotFoundError, SuspendedError, ValidationError
from detente.link.outgoing import Draft
from detente.node.authority import AuthorityRules
from detente.node.release import Actor, reject, release, submit
from detente.node.service import NodeService
from detente.store import audit, held, logs
from detente.testing import connect, make_node
from detente.wire.enums import Precedence, Tier

RULES = AuthorityRules()
OPERATOR = Actor("li.wei", "operator", "10.0.0.7")
DUTY = Actor("chen.jie", "duty_officer", "10.0.0.8")
AUTHORITY = Actor("wang.fang", "release_authority", "10.0.0.9")
AUTHORITY_2 = Actor("zhou.min", "release_authority", "10.0.0.10")


@dataclass
class Node:
    service: NodeService
    channel_id: str

    def size(self) -> int:
        with self.service.db.reading() as conn:
            return logs.head(conn, self.channel_id, "US").size

    def audit(self) -> list[audit.AuditRecord]:
        with self.service.db.reading() as conn:
            return list(reversed(audit.list_records(conn, limit=1000)))


@pytest.fixture
def node(tmp_path: Path, db_url: str) -> Iterator[Node]:
    us = make_node(tmp_path / "us", "US", "INDOPACOM J3", db_url=db_url)
    cn = make_node(tmp_path / "cn", "CN", "Southern Theater Command")
    channel_id = connect(us, cn)
    service = NodeService(us)
    try:
        yield Node(service, channel_id)
    finally:
        service.close()


def text(
    words: str, precedence: Precedence = Precedence.ROUTINE, tier: Tier = Tier.OPERATIONAL
) -> Draft:
    return Draft("text", {"text": words, "lang": "en"}, precedence, tier)


def test_release_within_authority_is_signed_and_audited(node: Node) -> None:
    outcome = submit(node.service, RULES, OPERATOR, node.channel_id, [text("On station.")])
    assert outcome.held is None and len(outcome.signed) == 1
    assert node.size() == 1
    (record,) = node.audit()
    assert (record.operator, record.role, record.action, record.outcome) == (
        "li.wei",
        "operator",
        "send",
        "ok",
    )
    assert record.source == "10.0.0.7" and outcome.signed[0].id in (record.detail or "")


def test_release_policy_statement_held_then_released_by_second_person(node: Node) -> None:
    statement = text("We propose talks at ministerial level.", Precedence.PRIORITY, Tier.POLICY)
    outcome = submit(node.service, RULES, AUTHORITY, node.channel_id, [statement])
    assert outcome.held is not None and not outcome.signed
    assert node.size() == 0  # nothing signed while held
    with pytest.raises(ForbiddenError, match="different person"):
        release(node.service, RULES, AUTHORITY, outcome.held.held_id)
    with pytest.raises(ForbiddenError, match="may not release"):
        release(node.service, RULES, DUTY, outcome.held.held_id)
    assert node.size() == 0
    done, signed = release(node.service, RULES, AUTHORITY_2, outcome.held.held_id)
    assert done.state == "released" and done.decided_by == "zhou.min"
    assert done.entry_ids == [s.id for s in signed]
    assert node.size() == 1 and signed[0].entry.tier is Tier.POLICY
    assert [(r.operator, r.action, r.outcome) for r in node.audit()] == [
        ("wang.fang", "hold", "held"),
        ("wang.fang", "release", "refused"),
        ("chen.jie", "release", "refused"),
        ("zhou.min", "release", "ok"),
    ]
    with pytest.raises(ValidationError, match="already released"):
        release(node.service, RULES, AUTHORITY, outcome.held.held_id)
    assert node.size() == 1


def test_release_rejection_discards_with_reason(node: Node) -> None:
    outcome = submit(
        node.service, RULES, OPERATOR, node.channel_id, [text("Leave the area", Precedence.FLASH)]
    )
    assert outcome.held is not None
    assert outcome.held.releasers == ("duty_officer", "release_authority", "administrator")
    done = reject(node.service, RULES, DUTY, outcome.held.held_id, "wrong tone; use a phrase")
    assert done.state == "rejected" and done.decision_note == "wrong tone; use a phrase"
    with pytest.raises(ValidationError, match="already rejected"):
        release(node.service, RULES, AUTHORITY, outcome.held.held_id)
    assert node.size() == 0
    with node.service.db.reading() as conn:
        assert held.list_held(conn) == []
        assert [h.held_id for h in held.list_held(conn, state="rejected")] == [outcome.held.held_id]


def test_release_auditor_refused_and_audited(node: Node) -> None:
    auditor = Actor("audit.one", "auditor", "10.0.0.11")
    with pytest.raises(ForbiddenError, match="may not send"):
        submit(node.service, RULES, auditor, node.channel_id, [text("hello")])
    assert node.size() == 0
    (record,) = node.audit()
    assert (record.action, record.outcome) == ("send", "refused")
    assert "forbidden" in (record.detail or "")


def test_release_invalid_body_is_refused_before_holding(node: Node) -> None:
    bad = Draft("text", {"text": "", "lang": "en"}, Precedence.FLASH)
    with pytest.raises(ValidationError) as caught:
        submit(node.service, RULES, OPERATOR, node.channel_id, [bad])
    assert caught.value.field == "body.text"
    with node.service.db.reading() as conn:
        assert held.list_held(conn, state=None) == []


def test_release_refused_by_channel_policy_stays_held(node: Node) -> None:
    """A release the channel refuses (suspended) is undone: still held, nothing signed."""
    outcome = submit(
        node.service, RULES, OPERATOR, node.channel_id, [text("Request a call", Precedence.FLASH)]
    )
    assert outcome.held is not None
    admin = Actor("local-admin", "administrator", "127.0.0.1")
    submit(
        node.service,
        RULES,
        admin,
        node.channel_id,
        [Draft("suspend", {"reason": "consultations"}, Precedence.IMMEDIATE, Tier.POLICY)],
    )
    size = node.size()
    with pytest.raises(SuspendedError):
        release(node.service, RULES, DUTY, outcome.held.held_id)
    assert node.size() == size
    with node.service.db.reading() as conn:
        again = held.get(conn, outcome.held.held_id)
    assert again is not None and again.state == "held" and again.decided_by is None


def test_release_unknown_held_id(node: Node) -> None:
    with pytest.raises(NotFoundError):
        release(node.service, RULES, DUTY, "0" * 32)
