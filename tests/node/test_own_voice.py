"""The node's own statements obey the channel's pre-delegation: sent, or held for a person.

Real node services on SQLite in one process. Time is moved only by passing
``now`` to the deadline duty, as its scheduler does.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from detente.errors import ValidationError
from detente.link.outgoing import Draft
from detente.link.settings import LinkSettings
from detente.node.authority import AuthorityRules
from detente.node.channel_settings import ChannelSettings
from detente.node.deadlines import DeadlineWatch
from detente.node.own_voice import HELD_ALARM, NODE_ROLE, speak
from detente.node.pre_delegation import Delegated, PreDelegation, with_pre_delegation
from detente.node.release import Actor, reject, release
from detente.node.service import NodeService
from detente.store import alarms, audit, held, logs
from detente.testing import service_pair
from detente.wire.enums import Precedence, Tier
from tests.incidents.builders import head_on_alert

WARNING_ONLY = PreDelegation(encounter_alert_max_level="warning")
NO_ESCALATION = PreDelegation(kinds=(Delegated(kind="receipt"), Delegated(kind="link_check")))


def pair(
    base: Path, section: PreDelegation, link: LinkSettings | None = None
) -> AbstractContextManager[tuple[NodeService, NodeService, str]]:
    terms = with_pre_delegation(ChannelSettings(link=link or LinkSettings()), section)
    return service_pair(base, terms)


@pytest.fixture
def strict(tmp_path: Path) -> Iterator[tuple[NodeService, str]]:
    with pair(tmp_path, WARNING_ONLY) as (us, _, channel_id):
        yield us, channel_id


def critical_alert() -> Draft:
    body = head_on_alert(offset_north_m=100.0).model_dump(mode="json")
    assert body["level"] == "critical"
    return Draft("encounter_alert", body, Precedence.FLASH, Tier.OPERATIONAL)


def own_kinds(service: NodeService, channel_id: str) -> list[str]:
    with service.db.reading() as conn:
        return [e.kind for e in logs.entries_from(conn, channel_id, service.party, 1, 1000)]


def test_pre_delegated_statement_is_signed_and_audited(strict: tuple[NodeService, str]) -> None:
    us, channel_id = strict
    said = speak(
        us, channel_id, [Draft("link_check", {"n": 1, "interval_s": 3600.0})], duty="link_checks"
    )

    assert said.held is None and len(said.signed) == 1
    assert own_kinds(us, channel_id) == ["link_check"]
    with us.db.reading() as conn:
        (record,) = audit.list_records(conn, operator="node:link_checks")
    assert (record.role, record.action, record.outcome) == (NODE_ROLE, "send", "ok")
    assert said.signed[0].id in (record.detail or "")


def test_statement_beyond_the_terms_is_held_once_with_an_alarm(
    strict: tuple[NodeService, str],
) -> None:
    us, channel_id = strict
    first = speak(us, channel_id, [critical_alert()], duty="encounters")
    again = speak(us, channel_id, [critical_alert()], duty="encounters")

    assert first.signed == () and first.held is not None
    assert again.held is not None and again.held.held_id == first.held.held_id
    assert "encounter_alert" not in own_kinds(us, channel_id)
    with us.db.reading() as conn:
        rows = held.list_held(conn)
        (alarm,) = alarms.list_open(conn, kind=HELD_ALARM)
        (record,) = audit.list_records(conn, operator="node:encounters")
    assert [r.held_id for r in rows] == [first.held.held_id]
    assert "not pre-delegated" in rows[0].reason
    assert alarm.ref == first.held.held_id and alarm.severity == 4
    assert "duty_officer" in alarm.text
    assert (record.action, record.outcome) == ("hold", "held")


def test_person_releases_what_the_node_held(strict: tuple[NodeService, str]) -> None:
    us, channel_id = strict
    said = speak(us, channel_id, [critical_alert()], duty="encounters")
    assert said.held is not None

    done, signed = release(
        us, AuthorityRules(), Actor("Cdr Lee", "duty_officer", "127.0.0.1"), said.held.held_id
    )

    assert done.state == held.RELEASED and done.decided_by == "Cdr Lee"
    assert [s.entry.kind for s in signed] == ["encounter_alert"]
    assert own_kinds(us, channel_id) == ["encounter_alert"]


def test_rejected_statement_is_not_held_again(strict: tuple[NodeService, str]) -> None:
    us, channel_id = strict
    said = speak(us, channel_id, [critical_alert()], duty="encounters")
    assert said.held is not None
    reject(
        us,
        AuthorityRules(),
        Actor("Cdr Lee", "duty_officer", "127.0.0.1"),
        said.held.held_id,
        "the ships were already in contact by radio",
    )

    again = speak(us, channel_id, [critical_alert()], duty="encounters")

    assert again.held is not None and again.held.held_id == said.held.held_id
    assert again.held.state == held.REJECTED
    with us.db.reading() as conn:
        assert held.list_held(conn, state=None) == [again.held]


def test_deadline_duty_holds_an_escalation_the_terms_do_not_delegate(tmp_path: Path) -> None:
    deadlines = dict.fromkeys(Precedence, 600.0) | {Precedence.FLASH: 5.0}
    link = LinkSettings(ack_deadlines_s=deadlines)
    with pair(tmp_path, NO_ESCALATION, link) as (us, cn, channel_id):
        (sent,) = us.send(
            channel_id,
            [Draft("text", {"text": "Turn away now.", "lang": "en"}, Precedence.FLASH)],
        )
        # The clock runs from CN's receipt, as it does between running nodes.
        got = cn.receive(channel_id, "US", [sent.envelope()])
        assert got.receipt is not None
        us.receive(channel_id, "CN", [got.receipt.envelope()])
        watch = DeadlineWatch(us)
        later = time.time() + 60
        assert watch.tick(later) >= 1
        watch.tick(later + 1)

        assert "escalation" not in own_kinds(us, channel_id)
        with us.db.reading() as conn:
            (row,) = held.list_held(conn)
        assert row.operator == "node:deadlines"
        assert [(d.kind, d.refs) for d in row.drafts] == [("escalation", (sent.id,))]


def test_malformed_statement_beyond_the_terms_is_refused_not_held(
    strict: tuple[NodeService, str],
) -> None:
    us, channel_id = strict
    body = critical_alert().body | {"level": "critical", "cpa_m": "close"}
    with pytest.raises(ValidationError) as caught:
        speak(us, channel_id, [Draft("encounter_alert", body, Precedence.FLASH)], duty="encounters")
    assert caught.value.field == "body.cpa_m"
    with us.db.reading() as conn:
        assert held.list_held(conn, state=None) == []
        assert alarms.list_open(conn, kind=HELD_ALARM) == []
    assert own_kinds(us, channel_id) == []
