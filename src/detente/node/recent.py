"""Our latest signed entries per channel, kept in memory for the courier's next push.

A FLASH statement's way to the peer starts with the courier reading back
from the database what the node just committed; on loopback that read and
its worker-thread hop were a large share of send-to-receipt time. The node
offers what it has just committed here, and the courier pushes from here
when it holds an unbroken run from the peer's cursor on; otherwise (after a
restart, a gap, entries another worker appended) it reads the database as
before. Only committed entries are offered, so nothing here is ahead of the
log. Thread-safe: offers come from worker threads, reads from the event loop.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from detente.wire.entry import SignedEntry

Envelope = dict[str, str]


class RecentEntries:
    """The newest ``capacity`` of our own envelopes per channel, by sequence number."""

    def __init__(self, capacity: int = 4096) -> None:
        self.capacity = capacity
        self._by_channel: dict[str, dict[int, Envelope]] = {}
        self._lock = threading.Lock()

    def offer(self, channel_id: str, committed: Sequence[SignedEntry]) -> None:
        with self._lock:
            held = self._by_channel.setdefault(channel_id, {})
            for item in committed:
                held[item.entry.seq] = item.envelope()
            while len(held) > self.capacity:  # oldest offered first: about the lowest seq
                del held[next(iter(held))]

    def run_from(self, channel_id: str, first_seq: int, limit: int) -> list[Envelope] | None:
        """Envelopes from ``first_seq`` on (at most ``limit``); None if ``first_seq`` is not held.

        Stops at the first sequence number not held: a shorter run is still a valid push.
        """
        with self._lock:
            held = self._by_channel.get(channel_id)
            if not held or first_seq not in held:
                return None
            out: list[Envelope] = []
            seq = first_seq
            while seq in held and len(out) < limit:
                out.append(held[seq])
                seq += 1
        return out
