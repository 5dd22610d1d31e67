"""Audit anchors between two real node services: signed after activity, mirrored, never echoed.

Real node services on SQLite in one process. The interval is short by
configuration; time moves only through the ``now`` the scheduler passes to
a tick, as for the other duties.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from detente.errors import ConfigError, ValidationError
from detente.link.outgoing import Draft
from detente.node.audit_anchors import DUTY, KIND, AuditAnchorDuty
from detente.node.audit_verification import verify_node_audit
from detente.node.authority import AuthorityRules
from detente.node.channel_settings import ChannelSettings
from detente.node.kinds import default_registry, is_safety_floor
from detente.node.own_voice import actor_name
from detente.node.pre_delegation import Delegated, PreDelegation, with_pre_delegation
from detente.node.release import Actor, submit
from detente.node.service import NodeService
from detente.node.settings import CONFIG_FILE, NodeSettings
from detente.store import audit, held, logs
from detente.testing import make_node, relay, service_pair
from detente.wire.entry import GENESIS_PREV, Entry, now_t, sign_entry
from detente.wire.enums import Precedence, Tier

INTERVAL_S = 1.0
OPERATOR = Actor("li.wei", "duty_officer", "127.0.0.1")


SHORT = {"audit_anchor_interval_s": INTERVAL_S}


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[NodeService, NodeService, str]]:
    with service_pair(tmp_path, us_update=SHORT) as services:
        yield services


def anchors(service: NodeService, channel_id: str, party: str) -> list[str]:
    """The heads ``party``'s log on the channel carries, as ``service`` stores them."""
    with service.db.reading() as conn:
        rows = logs.payloads_of_kind(conn, channel_id, party, KIND)
    return [json.loads(payload)["body"]["head"] for _, _, payload in rows]


def say(service: NodeService, channel_id: str, text: str) -> None:
    submit(
        service,
        AuthorityRules(),
        OPERATOR,
        channel_id,
        [Draft("text", {"text": text, "lang": "en"})],
    )


def chain_of_last(service: NodeService, operator: str) -> str | None:
    with service.db.reading() as conn:
        (record, *_) = audit.list_records(conn, operator=operator, limit=1)
    return record.chain


def test_anchor_after_activity_is_mirrored_and_idle_ticks_sign_nothing(
    pair: tuple[NodeService, NodeService, str],
) -> None:
    us, cn, channel_id = pair
    duty = AuditAnchorDuty(us)
    assert duty.interval_s == INTERVAL_S
    start = time.time()
    say(us, channel_id, "Request your intentions.")
    assert duty.tick(start) == 0, "the first anchor comes an interval after the duty starts"
    assert duty.tick(start + INTERVAL_S / 2) == 0

    assert duty.tick(start + INTERVAL_S) == 1
    head = chain_of_last(us, OPERATOR.operator)
    assert anchors(us, channel_id, "US") == [head]
    relay(us, cn, channel_id)
    assert anchors(cn, channel_id, "US") == [head], "the peer holds our anchor"

    # The anchor's own audit record is the only thing new: no anchor answers it.
    assert chain_of_last(us, actor_name(DUTY)) != head
    assert duty.tick(start + 10 * INTERVAL_S) == 0
    assert duty.tick(start + 20 * INTERVAL_S) == 0
    assert anchors(us, channel_id, "US") == [head]

    say(us, channel_id, "Maintain your distance.")
    with us.db.reading() as conn:
        (last,) = logs.latest_of_kind(conn, channel_id, "US", KIND, 1)
    assert duty.tick(last.t + INTERVAL_S / 2) == 0, "an interval after the last anchor"
    assert duty.tick(last.t + INTERVAL_S) == 1
    second = chain_of_last(us, OPERATOR.operator)
    assert anchors(us, channel_id, "US") == [head, second]

    heard: list[tuple[str, int, int]] = []
    report = verify_node_audit(us.db, "US", lambda *step: heard.append(step))
    assert report.ok, report.to_dict()
    assert report.anchors == 2
    assert report.unwitnessed == 1, "only the second anchor's own record"
    assert heard[-1] == ("audit records", report.records, report.records)


def test_anchor_keeps_flowing_during_a_suspension(
    pair: tuple[NodeService, NodeService, str],
) -> None:
    us, _, channel_id = pair
    assert default_registry().is_safety_floor(KIND)
    assert is_safety_floor(default_registry(), KIND, {"head": "0" * 64})
    us.send(channel_id, [Draft("suspend", {"reason": "consultations"})])
    with us.db.writing() as conn:
        audit.record(
            conn,
            operator="wang.fang",
            role="administrator",
            action="login",
            target="wang.fang",
            outcome="ok",
            source="127.0.0.1",
        )
    duty = AuditAnchorDuty(us)
    start = time.time()
    duty.tick(start)
    assert duty.tick(start + INTERVAL_S) == 1
    assert anchors(us, channel_id, "US") == [chain_of_last(us, "wang.fang")]


def test_no_anchor_where_the_terms_do_not_pre_delegate_it(tmp_path: Path) -> None:
    section = PreDelegation(kinds=(Delegated(kind="receipt"), Delegated(kind="link_check")))
    terms = with_pre_delegation(ChannelSettings(), section)
    with service_pair(tmp_path, terms, us_update=SHORT) as (us, _, channel_id):
        say(us, channel_id, "Request your intentions.")
        duty = AuditAnchorDuty(us)
        start = time.time()
        duty.tick(start)
        assert duty.tick(start + INTERVAL_S) == 0
        assert anchors(us, channel_id, "US") == []
        with us.db.reading() as conn:
            assert held.list_held(conn) == [], "not held for a person either"


def test_no_anchor_before_anything_was_recorded(
    pair: tuple[NodeService, NodeService, str],
) -> None:
    us, _, channel_id = pair
    duty = AuditAnchorDuty(us)
    start = time.time()
    duty.tick(start)
    assert duty.tick(start + 5 * INTERVAL_S) == 0
    assert anchors(us, channel_id, "US") == []


def test_peer_refuses_an_anchor_whose_head_is_not_a_chain_value(
    pair: tuple[NodeService, NodeService, str],
) -> None:
    us, cn, channel_id = pair
    with pytest.raises(ValidationError) as caught:
        default_registry().validate(KIND, {"head": "ABC"})
    assert caught.value.field == "body.head"
    with pytest.raises(ValidationError) as caught:
        default_registry().validate(KIND, {"head": "0" * 64, "count": 12})
    assert caught.value.field == "body.count", "no count: the rival learns nothing of volume"

    forged = sign_entry(
        Entry(
            channel=channel_id,
            party="US",
            key=us.key.key_id,
            seq=1,
            prev=GENESIS_PREV,
            t=now_t(),
            precedence=Precedence.ROUTINE,
            tier=Tier.OPERATIONAL,
            kind=KIND,
            body={"head": "f" * 63},
        ),
        us.key,
    )
    with pytest.raises(ValidationError) as caught:
        cn.receive(channel_id, "US", [forged.envelope()])
    assert caught.value.field == "entries[0].body.head"
    assert cn.mirror_size(channel_id, "US") == 0


def test_interval_must_be_positive_and_is_named(tmp_path: Path) -> None:
    settings = make_node(tmp_path / "us", "US", "INDOPACOM J3")
    config = settings.data_dir / CONFIG_FILE
    raw = json.loads(config.read_text(encoding="utf-8"))
    assert raw["audit_anchor_interval_s"] == 300.0, "the default, written where it can be changed"
    config.write_text(json.dumps(raw | {"audit_anchor_interval_s": 0}), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        NodeSettings.load(settings.data_dir)
    assert caught.value.field == "node.json"
    assert "audit_anchor_interval_s" in str(caught.value)
