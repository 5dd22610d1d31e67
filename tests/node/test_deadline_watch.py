"""The deadline watch finds every missed tier, even when its tick comes late.

Real node services on SQLite in one process; time moves only through the
``now`` the scheduler passes to a tick. The case that matters: the reader's
node learns of the author's escalation before its own tick saw the lower
tier's deadline pass, so the lower tier must be found from the record.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from detente.link.outgoing import Draft
from detente.link.settings import LinkSettings
from detente.node.channel_settings import ChannelSettings
from detente.node.deadlines import DeadlineWatch, clock_of, clocks_of
from detente.node.service import NodeService
from detente.store import alarms
from detente.store.obligations import OpenItem
from detente.testing import relay, service_pair
from detente.wire.enums import Precedence, Tier

DEADLINES = dict.fromkeys(Precedence, 600.0) | {Precedence.FLASH: 5.0}


def item(tier: str = "operational") -> OpenItem:
    return OpenItem("e1", "c1", "US", 4, "text", "FLASH", tier, 100.0, 100.5, 100.6)


def test_clocks_keep_every_tier_the_item_stood_at() -> None:
    clocks = clocks_of(item(), 100.6, [("theater", 105.7), ("policy", 110.8)], DEADLINES)
    assert [(c.tier, c.start_t, c.deadline_t, c.current) for c in clocks] == [
        (Tier.OPERATIONAL, 100.6, 105.6, False),
        (Tier.THEATER, 105.7, 110.7, False),
        (Tier.POLICY, 110.8, 115.8, True),
    ]
    assert clock_of(item(), 100.6, [("theater", 105.7), ("policy", 110.8)], DEADLINES) == clocks[-1]


def test_no_clock_before_the_reader_stored_the_item() -> None:
    assert clocks_of(item(), None, [], DEADLINES) == []
    assert clock_of(item(), None, [], DEADLINES) is None


@pytest.fixture
def services(tmp_path: Path) -> Iterator[tuple[NodeService, NodeService, str]]:
    terms = ChannelSettings(link=LinkSettings(ack_deadlines_s=DEADLINES))
    with service_pair(tmp_path, terms) as pair:
        yield pair


def open_kinds(service: NodeService, ref: str) -> set[str]:
    with service.db.reading() as conn:
        found = alarms.list_open(conn)
    return {a.kind for a in found if a.ref == ref}


def test_reader_that_ticks_only_after_two_escalations_alarms_every_missed_tier(
    services: tuple[NodeService, NodeService, str],
) -> None:
    us, cn, channel_id = services
    (flash,) = us.send(
        channel_id,
        [Draft("text", {"text": "State your intentions.", "lang": "en"}, Precedence.FLASH)],
    )
    relay(us, cn, channel_id)
    author, reader = DeadlineWatch(us), DeadlineWatch(cn)
    # The author escalates twice (each escalation restarts the clock at real time),
    # then misses at policy, the top ...
    for _ in range(3):
        author.tick(time.time() + 60)
        relay(us, cn, channel_id)
    assert open_kinds(us, flash.id) == {
        "deadline_missed:operational",
        "deadline_missed:theater",
        "deadline_missed:policy",
    }
    # ... and the reader's first tick comes only now: it still sees all three tiers.
    assert reader.tick(time.time() + 60) == 3
    assert open_kinds(cn, flash.id) == open_kinds(us, flash.id)
    assert reader.tick(time.time() + 61) == 0, "a repeat tick raises nothing new"


def test_tick_that_read_before_the_acknowledgement_raises_nothing_after_it(
    services: tuple[NodeService, NodeService, str],
) -> None:
    us, cn, channel_id = services
    (flash,) = us.send(
        channel_id, [Draft("text", {"text": "Slow down.", "lang": "en"}, Precedence.FLASH)]
    )
    relay(us, cn, channel_id)
    watch = DeadlineWatch(cn)
    (row,) = cn.channels()
    # The tick's read, taken before anyone at CN acknowledged ...
    (stale,) = watch._clocks(row, "US", "CN", time.time() + 60)
    # ... then the acknowledgement commits, and the tick goes on to raise its alarm.
    body = {"ref": flash.id, "role": "duty officer"}
    cn.send(channel_id, [Draft("acknowledge", body, refs=(flash.id,))])
    assert watch._alarm(row, "US", stale, "in") is False
    assert open_kinds(cn, flash.id) == set()
    assert watch.tick(time.time() + 60) == 0
    assert open_kinds(cn, flash.id) == set()
