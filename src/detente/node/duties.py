"""The node's clockwork: deadline watch and link checks, ticking in the background.

Run only by the worker that holds the node's duties (one per node, even with
several workers on one PostgreSQL database). Each tick runs in a thread so
the event loop keeps serving HTTP; a failing tick is logged and retried, it
never stops the clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from detente.node.deadlines import DeadlineWatch
from detente.node.linkcheck import LinkCheckDuty
from detente.node.service import NodeService

log = logging.getLogger(__name__)


class Duties:
    """Ticks every ``tick_s`` seconds; extra ticking duties can be added."""

    def __init__(self, service: NodeService, *, tick_s: float = 0.5) -> None:
        self.tick_s = tick_s
        self.ticks: list[Callable[[float], object]] = [
            LinkCheckDuty(service).tick,
            DeadlineWatch(service).tick,
        ]
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def tick_once(self, now: float | None = None) -> None:
        moment = time.time() if now is None else now
        for tick in self.ticks:
            try:
                tick(moment)
            except Exception:  # a bad tick must not stop the other duties
                log.exception("duty tick failed")

    async def _run(self) -> None:
        while True:
            await asyncio.to_thread(self.tick_once)
            await asyncio.sleep(self.tick_s)
