"""Delivery in the background: push our log to each peer, pull theirs to catch up.

Push gives latency (woken the moment we append); pull gives recovery (after
any outage, whichever side was down). Both are idempotent, so a crash at any
point only means some entries are sent again and ignored as repeats.
Database work runs in threads so the event loop keeps serving HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Coroutine
from typing import Any

from detente.errors import DetenteError, SequenceError
from detente.link.client import PeerClient
from detente.link.protocol import Backoff
from detente.node.service import NodeService
from detente.store import deliveries, logs
from detente.store.channels import ChannelRow, Member

log = logging.getLogger(__name__)


class Courier:
    """Runs one push loop and one pull loop per (channel, peer)."""

    def __init__(
        self,
        service: NodeService,
        client: PeerClient,
        *,
        backoff: Backoff | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.service = service
        self.client = client
        self.backoff = backoff or Backoff()
        self.rng = rng or random.Random()
        self._tasks: dict[tuple[str, str, str], asyncio.Task[None]] = {}
        self._wakeups: dict[tuple[str, str], asyncio.Event] = {}
        self._reachable: dict[tuple[str, str], asyncio.Event] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping = False
        self.on_peer_contact: list[Callable[[str, str, bool], None]] = []

    async def start(self) -> None:
        """Start delivering; a stopped courier may be started again (duties regained)."""
        if self._tasks:
            return
        self._loop = asyncio.get_running_loop()
        self._stopping = False
        if self.wake not in self.service.on_own_appended:
            self.service.on_own_appended.append(self.wake)
        self._tasks[("", "", "scan")] = asyncio.create_task(self._scan_forever())

    async def stop(self) -> None:
        self._stopping = True
        with contextlib.suppress(ValueError):
            self.service.on_own_appended.remove(self.wake)
        for task in self._tasks.values():
            task.cancel()
        for task in self._tasks.values():
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()

    def wake(self, channel_id: str) -> None:
        """Thread-safe: nudge the push loops of a channel after an append."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # loop closing under us: nothing to wake
            loop.call_soon_threadsafe(self._wake_in_loop, channel_id)

    def _wake_in_loop(self, channel_id: str) -> None:
        for (channel, _peer), event in self._wakeups.items():
            if channel == channel_id:
                event.set()

    async def _scan_forever(self) -> None:
        """Start loops for channels that appear (accepted while the node runs)."""
        while not self._stopping:
            try:
                rows = await asyncio.to_thread(self.service.channels)
            except Exception as exc:  # database away for a moment: the next scan retries
                log.warning("channel scan failed: %s", exc)
                rows = []
            for row in rows:
                if row.state != "active":
                    continue
                for peer in row.peers:
                    self._ensure(row, peer, "push", self._push_forever)
                    self._ensure(row, peer, "pull", self._pull_forever)
            await asyncio.sleep(1.0)

    def _ensure(
        self,
        row: ChannelRow,
        peer: Member,
        role: str,
        loop_fn: Callable[[ChannelRow, Member], Coroutine[Any, Any, None]],
    ) -> None:
        key = (row.channel_id, peer.party, role)
        task = self._tasks.get(key)
        if task is None or task.done():
            self._tasks[key] = asyncio.create_task(loop_fn(row, peer))

    def _contact(self, channel_id: str, peer: str, ok: bool) -> None:
        for hook in self.on_peer_contact:
            hook(channel_id, peer, ok)

    async def _push_forever(self, row: ChannelRow, peer: Member) -> None:
        event = self._wakeups.setdefault((row.channel_id, peer.party), asyncio.Event())
        attempts = 0
        interval = self.service.channel_settings(row).link.pull_interval_s
        while not self._stopping:
            # Cleared before reading what is pending, so an append that lands while
            # we push still wakes the next round instead of waiting for the timeout.
            event.clear()
            try:
                sent = await self.push_once(row, peer)
                attempts = 0
                self._contact(row.channel_id, peer.party, True)
            except (DetenteError, OSError, Exception) as exc:
                attempts += 1
                self._contact(row.channel_id, peer.party, False)
                with contextlib.suppress(Exception):  # the record is for people, not delivery
                    await asyncio.to_thread(self._record_failure, row.channel_id, peer.party, exc)
                await self._back_off(row.channel_id, peer.party, attempts)
                continue
            if sent:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), timeout=interval)

    def _reachable_event(self, channel_id: str, peer: str) -> asyncio.Event:
        return self._reachable.setdefault((channel_id, peer), asyncio.Event())

    async def _back_off(self, channel_id: str, peer: str, attempts: int) -> None:
        """Sleep the backoff delay, cut short when the pull loop reaches the peer again.

        Without this a long outage leaves the pusher asleep for up to the backoff
        cap after the peer is back; the pull proves it is back within one interval.
        """
        reachable = self._reachable_event(channel_id, peer)
        reachable.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(reachable.wait(), self.backoff.delay_s(attempts, self.rng))

    def _record_failure(self, channel_id: str, peer: str, exc: BaseException) -> None:
        with self.service.db.writing() as conn:
            deliveries.mark_failed(conn, channel_id, peer, f"{type(exc).__name__}: {exc}")

    async def push_once(self, row: ChannelRow, peer: Member) -> int:
        """Push the next batch peer has not confirmed; returns how many were sent."""
        self.client.pin(peer.endpoint, peer.tls_cert)
        limit = self.service.channel_settings(row).link.max_batch

        def pending() -> list[dict[str, str]]:
            with self.service.db.reading() as conn:
                cursor = deliveries.get(conn, row.channel_id, peer.party)
                rows = logs.entries_from(
                    conn, row.channel_id, self.service.party, cursor.acked_seq + 1, limit
                )
            return [r.envelope() for r in rows]

        batch = await asyncio.to_thread(pending)
        if not batch:
            return 0
        answer = await self.client.push(peer.endpoint, row.channel_id, batch)
        mirror_size = int(answer.get("head", {}).get("size", 0))
        receipt = answer.get("receipt")

        def record() -> None:
            # The receipt first: it is what the sender's people wait for, and the
            # cursor can lag safely (a crash in between only means a repeat push).
            if isinstance(receipt, dict):
                # Fast path for the receipt; if it is out of sequence the pull brings it,
                # and the pull also meets (and reports) anything worse.
                try:
                    self.service.receive(row.channel_id, peer.party, [receipt])
                except SequenceError:
                    pass
                except DetenteError as exc:
                    log.warning("receipt from %s not stored on push: %s", peer.party, exc)
            with self.service.db.writing() as conn:
                deliveries.mark_ok(conn, row.channel_id, peer.party, mirror_size)

        await asyncio.to_thread(record)
        return len(batch)

    async def _pull_forever(self, row: ChannelRow, peer: Member) -> None:
        interval = self.service.channel_settings(row).link.pull_interval_s
        attempts = 0
        while not self._stopping:
            try:
                while await self.pull_once(row, peer):
                    pass
                attempts = 0
                self._reachable_event(row.channel_id, peer.party).set()
                self._contact(row.channel_id, peer.party, True)
                await asyncio.sleep(interval)
            except (DetenteError, OSError, Exception) as exc:
                attempts += 1
                self._contact(row.channel_id, peer.party, False)
                log.debug("pull from %s failed: %s", peer.party, exc)
                await asyncio.sleep(min(interval, self.backoff.delay_s(attempts, self.rng)))

    async def pull_once(self, row: ChannelRow, peer: Member) -> int:
        """Fetch and store the peer's entries after our mirror's head; returns how many new."""
        self.client.pin(peer.endpoint, peer.tls_cert)
        limit = self.service.channel_settings(row).link.max_batch
        have = await asyncio.to_thread(self.service.mirror_size, row.channel_id, peer.party)
        answer = await self.client.pull(peer.endpoint, row.channel_id, have + 1, limit)
        envelopes = answer.get("entries", [])
        if not isinstance(envelopes, list) or not envelopes:
            return 0
        result = await asyncio.to_thread(
            self.service.receive, row.channel_id, peer.party, envelopes
        )
        return len(result.new)
