"""The peer protocol's rules as pure functions: no sockets, no clocks, no database.

Fed with what the database says (a log's head, the ids already stored) and
what arrived (verified entries), they decide what to store, or raise the
error that names the broken rule. Every rule is tested here without I/O; the
HTTP and scheduler adapters around them stay thin.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from detente.errors import ChannelError, EquivocationError, ProtocolError, SequenceError
from detente.wire.entry import SignedEntry

MAX_CLOCK_SKEW_S = 300.0


@dataclass(frozen=True, slots=True)
class ReceivePlan:
    """What to store from a batch: the new entries in order, and how many were repeats."""

    new: tuple[SignedEntry, ...]
    duplicates: int


def plan_receive(
    *,
    channel_id: str,
    sender: str,
    head_size: int,
    head_id: str,
    batch: Sequence[SignedEntry],
    stored_ids: Mapping[int, str],
    now_s: float,
    max_skew_s: float = MAX_CLOCK_SKEW_S,
) -> ReceivePlan:
    """Apply the sequence rules to a verified batch from ``sender``.

    ``stored_ids`` must hold the stored id of every sequence number in the batch
    that is at or below ``head_size``. A repeat of a stored entry is harmless
    (retries and replays store nothing); a different entry at a stored
    sequence number is a fork, signed by the sender: equivocation.
    """
    new: list[SignedEntry] = []
    duplicates = 0
    expected_seq, expected_prev = head_size + 1, head_id
    for index, item in enumerate(batch):
        entry = item.entry
        where = f"entries[{index}]"
        if entry.channel != channel_id:
            raise ChannelError(
                f"entry is for channel {entry.channel}, not {channel_id}", field=f"{where}.channel"
            )
        if entry.party != sender:
            raise ProtocolError(
                f"entry of party {entry.party} in a batch from {sender}", field=f"{where}.party"
            )
        if index and entry.seq != batch[index - 1].entry.seq + 1:
            raise SequenceError(
                f"batch is not consecutive: seq {entry.seq} follows {batch[index - 1].entry.seq}",
                field=f"{where}.seq",
            )
        if entry.seq <= head_size:
            known = stored_ids.get(entry.seq)
            if known is None:
                raise ProtocolError(f"no stored id for seq {entry.seq}", field=f"{where}.seq")
            if known != item.id:
                raise EquivocationError(
                    f"fork at seq {entry.seq}: stored {known[:16]}…, received {item.id[:16]}…",
                    field=f"{where}.seq",
                )
            duplicates += 1
            continue
        if entry.seq != expected_seq:
            raise SequenceError(
                f"gap: expected seq {expected_seq}, received {entry.seq}", field=f"{where}.seq"
            )
        if entry.prev != expected_prev:
            raise SequenceError(
                f"fork: seq {entry.seq} names prev {entry.prev[:16]}…, expected "
                f"{expected_prev[:16]}…",
                field=f"{where}.prev",
            )
        if entry.t_epoch > now_s + max_skew_s:
            raise ProtocolError(
                f"timestamp {entry.t} is more than {max_skew_s:.0f} s in the future",
                field=f"{where}.t",
            )
        new.append(item)
        expected_seq, expected_prev = entry.seq + 1, item.id
    return ReceivePlan(tuple(new), duplicates)


def needs_receipt(new: Sequence[SignedEntry]) -> bool:
    """Receipts answer statements, not other receipts, so two nodes never ping-pong."""
    return any(item.entry.kind != "receipt" for item in new)


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff with full jitter, capped (AWS architecture blog's recipe)."""

    base_s: float = 0.05
    cap_s: float = 30.0

    def delay_s(self, attempts: int, rng: random.Random) -> float:
        if attempts <= 0:
            return 0.0
        ceiling = min(self.cap_s, self.base_s * (2 ** min(attempts, 30)))
        return rng.uniform(ceiling / 2, ceiling)
