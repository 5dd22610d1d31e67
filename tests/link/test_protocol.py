"""The peer protocol's sequence rules, without sockets or clocks."""

from __future__ import annotations

import random

import pytest

from detente.errors import ChannelError, EquivocationError, ProtocolError, SequenceError
from detente.link.protocol import Backoff, needs_receipt, plan_receive
from detente.wire.entry import GENESIS_PREV, Entry, SignedEntry, now_t, sign_entry
from detente.wire.enums import Precedence, Tier
from detente.wire.keys import SigningKey

CHANNEL = "cd" * 16
KEY = SigningKey.generate()


def chain(
    n: int, *, start: int = 1, prev: str = GENESIS_PREV, kind: str = "text", text: str = "m"
) -> list[SignedEntry]:
    out = []
    for seq in range(start, start + n):
        body = (
            {"text": f"{text}{seq}", "lang": "en"}
            if kind == "text"
            else {"of": "CN", "up_to_seq": 1, "up_to_id": "0" * 64}
        )
        entry = Entry(
            channel=CHANNEL,
            party="US",
            key=KEY.key_id,
            seq=seq,
            prev=prev,
            t=now_t(),
            precedence=Precedence.ROUTINE,
            tier=Tier.OPERATIONAL,
            kind=kind,
            body=body,
        )
        item = sign_entry(entry, KEY)
        out.append(item)
        prev = item.id
    return out


def plan(
    batch: list[SignedEntry],
    size: int = 0,
    head: str = GENESIS_PREV,
    stored: dict[int, str] | None = None,
    **kw: object,
):  # type: ignore[no-untyped-def]
    return plan_receive(
        channel_id=CHANNEL,
        sender="US",
        head_size=size,
        head_id=head,
        batch=batch,
        stored_ids=stored or {},
        now_s=1e12,
        **kw,
    )  # type: ignore[arg-type]


def test_plan_receive_accepts_consecutive_batch() -> None:
    batch = chain(3)
    result = plan(batch)
    assert [i.entry.seq for i in result.new] == [1, 2, 3]
    assert result.duplicates == 0


def test_plan_receive_treats_repeat_as_harmless_duplicate() -> None:
    batch = chain(3)
    stored = {i.entry.seq: i.id for i in batch}
    result = plan(batch, size=3, head=batch[-1].id, stored=stored)
    assert result.new == () and result.duplicates == 3


def test_plan_receive_overlapping_batch_stores_only_new() -> None:
    batch = chain(4)
    stored = {i.entry.seq: i.id for i in batch[:2]}
    result = plan(batch, size=2, head=batch[1].id, stored=stored)
    assert [i.entry.seq for i in result.new] == [3, 4] and result.duplicates == 2


def test_plan_receive_rejects_gap() -> None:
    with pytest.raises(SequenceError, match="gap: expected seq 1, received 2"):
        plan(chain(3)[1:])


def test_plan_receive_rejects_reordered_batch() -> None:
    batch = chain(3)
    with pytest.raises(SequenceError, match="not consecutive"):
        plan([batch[0], batch[2], batch[1]])


def test_plan_receive_rejects_fork_by_prev() -> None:
    first = chain(1)
    other = chain(1, start=2, prev="1" * 64)
    with pytest.raises(SequenceError, match="fork"):
        plan(first + other)


def test_plan_receive_flags_different_entry_at_stored_seq_as_equivocation() -> None:
    mine = chain(2)
    theirs = chain(2, text="other")
    stored = {i.entry.seq: i.id for i in mine}
    with pytest.raises(EquivocationError, match="fork at seq 1"):
        plan(theirs, size=2, head=mine[-1].id, stored=stored)


def test_plan_receive_rejects_wrong_channel() -> None:
    batch = chain(1)
    with pytest.raises(ChannelError):
        plan_receive(
            channel_id="ef" * 16,
            sender="US",
            head_size=0,
            head_id=GENESIS_PREV,
            batch=batch,
            stored_ids={},
            now_s=1e12,
        )


def test_plan_receive_rejects_entry_of_other_party() -> None:
    with pytest.raises(ProtocolError, match="party US in a batch from CN"):
        plan_receive(
            channel_id=CHANNEL,
            sender="CN",
            head_size=0,
            head_id=GENESIS_PREV,
            batch=chain(1),
            stored_ids={},
            now_s=1e12,
        )


def test_plan_receive_rejects_future_timestamp() -> None:
    with pytest.raises(ProtocolError, match="in the future"):
        plan_receive(
            channel_id=CHANNEL,
            sender="US",
            head_size=0,
            head_id=GENESIS_PREV,
            batch=chain(1),
            stored_ids={},
            now_s=0.0,
        )


def test_needs_receipt_only_for_statements() -> None:
    assert needs_receipt(chain(1))
    assert not needs_receipt(chain(2, kind="receipt"))
    assert not needs_receipt([])


def test_backoff_grows_and_caps_with_jitter() -> None:
    backoff = Backoff(base_s=0.1, cap_s=5.0)
    rng = random.Random(1)
    assert backoff.delay_s(0, rng) == 0.0
    delays = [backoff.delay_s(n, rng) for n in range(1, 12)]
    assert all(0 < d <= 5.0 for d in delays)
    assert delays[0] <= 0.2 and delays[-1] >= 2.5
