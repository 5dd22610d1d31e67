"""Who delivers a receipt: the push response, or the courier, never both at once.

Two node services on real SQLite, in one process, without HTTP: the question
is only which of the receiver's hooks fire after it stores a batch.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from detente.link.outgoing import Draft
from detente.node.service import NodeService
from detente.testing import service_pair
from detente.wire.enums import Precedence


@pytest.fixture
def services(tmp_path: Path) -> Iterator[tuple[NodeService, NodeService, str]]:
    with service_pair(tmp_path) as pair:
        yield pair


def statement(n: int) -> Draft:
    return Draft(
        kind="text", body={"text": f"statement {n}", "lang": "en"}, precedence=Precedence.FLASH
    )


@pytest.mark.parametrize(("inline", "woken"), [(True, []), (False, ["channel"])])
def test_receipt_wakes_the_courier_only_when_not_answered_inline(
    services: tuple[NodeService, NodeService, str], inline: bool, woken: list[str]
) -> None:
    us, cn, channel_id = services
    wakes: list[str] = []
    cn.on_own_appended.append(lambda channel: wakes.append("channel"))
    (sent,) = us.send(channel_id, [statement(1)])

    result = cn.receive(channel_id, "US", [sent.envelope()], answered_inline=inline)

    assert result.receipt is not None
    assert result.receipt.entry.body["up_to_seq"] == sent.entry.seq
    assert wakes == woken
    # Either way the receipt is in CN's log, ready for a push round or US's pull.
    entries, size = cn.own_entries(channel_id, 1, 10)
    assert size >= 1
    assert any(e["payload"] == result.receipt.payload.decode() for e in entries)


def test_receipt_from_the_response_is_stored_by_the_sender(
    services: tuple[NodeService, NodeService, str],
) -> None:
    us, cn, channel_id = services
    (sent,) = us.send(channel_id, [statement(1)])
    result = cn.receive(channel_id, "US", [sent.envelope()], answered_inline=True)
    assert result.receipt is not None

    stored = us.receive(channel_id, "CN", [result.receipt.envelope()])

    assert [e.id for e in stored.new] == [result.receipt.id]
    assert us.mirror_size(channel_id, "CN") == result.receipt.entry.seq
