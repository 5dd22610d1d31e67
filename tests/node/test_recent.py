"""The courier's memory of our latest entries: a push from it must equal a push from the log."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from detente.link.outgoing import Draft
from detente.node.recent import RecentEntries
from detente.node.service import NodeService
from detente.testing import connect, make_node
from detente.wire.enums import Precedence


@pytest.fixture
def sent(tmp_path: Path) -> Iterator[tuple[NodeService, str, RecentEntries]]:
    us = make_node(tmp_path / "us", "US", "INDOPACOM J3")
    cn = make_node(tmp_path / "cn", "CN", "Southern Theater Command")
    channel_id = connect(us, cn)
    service = NodeService(us)
    recent = RecentEntries(capacity=5)
    service.on_own_committed.append(lambda row, items: recent.offer(row.channel_id, items))
    try:
        yield service, channel_id, recent
    finally:
        service.close()


def statements(n: int) -> list[Draft]:
    return [
        Draft("text", {"text": f"statement {i}", "lang": "en"}, Precedence.FLASH) for i in range(n)
    ]


def test_recent_run_is_the_log_byte_for_byte(sent: tuple[NodeService, str, RecentEntries]) -> None:
    service, channel_id, recent = sent
    service.send(channel_id, statements(3))

    from_memory = recent.run_from(channel_id, 1, 10)
    from_log, _size = service.own_entries(channel_id, 1, 10)

    assert from_memory == from_log
    assert recent.run_from(channel_id, 2, 1) == from_log[1:2]


def test_recent_answers_none_when_the_start_is_not_held(
    sent: tuple[NodeService, str, RecentEntries],
) -> None:
    service, channel_id, recent = sent
    assert recent.run_from(channel_id, 1, 10) is None  # nothing offered yet
    service.send(channel_id, statements(7))  # capacity 5: seqs 1 and 2 are forgotten

    assert recent.run_from(channel_id, 1, 10) is None
    run = recent.run_from(channel_id, 3, 10)
    assert run is not None and len(run) == 5
    assert recent.run_from(channel_id, 8, 10) is None  # nothing newer than the head
    assert recent.run_from("0" * 32, 3, 10) is None  # another channel


def test_recent_run_stops_at_a_gap(sent: tuple[NodeService, str, RecentEntries]) -> None:
    service, channel_id, _recent = sent
    first, second, third = service.send(channel_id, statements(3))
    gappy = RecentEntries()
    gappy.offer(channel_id, [first, third])  # as if another worker signed the second

    assert gappy.run_from(channel_id, 1, 10) == [first.envelope()]
    assert gappy.run_from(channel_id, 2, 10) is None
    assert gappy.run_from(channel_id, 3, 10) == [third.envelope()]
    assert second.entry.seq == 2
