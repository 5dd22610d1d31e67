"""The node's clockwork: link checks, deadline watch, audit anchors, encounter screening, feeds.

Run only by the worker that holds the node's duties (one per node, even with
several workers on one PostgreSQL database). Each ticking duty has its own
loop, so a slow one (a deadline scan over a long log) never delays another
(an encounter alert must leave within a second). Ticks run in threads so the
event loop keeps serving HTTP; a failing tick is logged and retried, it never
stops the clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from detente.node.audit_anchors import AuditAnchorDuty
from detente.node.deadlines import DeadlineWatch
from detente.node.linkcheck import LinkCheckDuty
from detente.node.service import NodeService

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Tick:
    name: str
    every_s: float
    run: Callable[[float], object]


@dataclass(frozen=True)
class Background:
    """A long-running duty (a live feed) with its own start and stop."""

    name: str
    start: Callable[[], Awaitable[None]]
    stop: Callable[[], Awaitable[None]]


class Duties:
    def __init__(self, service: NodeService, *, tick_s: float = 0.5) -> None:
        self.tick_s = tick_s
        self.ticks: list[Tick] = [
            Tick("link checks", tick_s, LinkCheckDuty(service).tick),
            Tick("deadline watch", tick_s, DeadlineWatch(service).tick),
            Tick("audit anchors", tick_s, AuditAnchorDuty(service).tick),
        ]
        self.background: list[Background] = []
        self._tasks: list[asyncio.Task[None]] = []

    def add_tick(
        self, name: str, run: Callable[[float], object], every_s: float | None = None
    ) -> None:
        self.ticks.append(Tick(name, every_s or self.tick_s, run))

    async def start(self) -> None:
        if self._tasks:
            return
        for tick in self.ticks:
            self._tasks.append(asyncio.create_task(self._loop(tick)))
        for item in self.background:
            await item.start()

    async def stop(self) -> None:
        for item in self.background:
            with contextlib.suppress(Exception):
                await item.stop()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    def tick_once(self, now: float | None = None) -> None:
        """Every tick once, in order (tests and tools)."""
        for tick in self.ticks:
            self._run(tick, time.time() if now is None else now)

    @staticmethod
    def _run(tick: Tick, now: float) -> None:
        try:
            tick.run(now)
        except Exception:  # a bad tick must not stop the other duties
            log.exception("duty %s failed", tick.name)

    async def _loop(self, tick: Tick) -> None:
        while True:
            await asyncio.to_thread(self._run, tick, time.time())
            await asyncio.sleep(tick.every_s)
