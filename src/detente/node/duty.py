"""Who runs the node's background duties when several workers serve one node.

An operations centre runs two or more ``detente node run`` workers on one
PostgreSQL database. Every worker serves HTTP, but the duties (the courier's
push and pull, link checks, deadline watch, checkpoints) must run in exactly
one of them, or two would race to do the same work. The holder is whoever
holds a session-level PostgreSQL advisory lock on a dedicated connection:
when that worker dies its connection drops, the server frees the lock, and
another worker, re-trying every second, takes over. On SQLite a node is one
process, which simply holds its duties.

The same connection carries ``LISTEN``: a worker that is not the holder
announces its appends with ``NOTIFY``, so the holder's pusher wakes at once
instead of at its next poll.

This module must never run duties itself, and never decide by anything but
the lock: a worker whose connection fails gives its duties up at once, even if
it might still hold the lock (pushing twice is harmless; pushing from two
places forever is not what anyone expects).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import threading
from collections.abc import Awaitable, Callable

import psycopg

log = logging.getLogger(__name__)

WAKE_CHANNEL = "detente_wake"
RETRY_S = 1.0

DutyCallback = Callable[[], Awaitable[None]]


def lock_key(party: str) -> int:
    """A stable signed 64-bit advisory-lock key for one node's duties."""
    digest = hashlib.blake2b(f"detente.duties:{party}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def psycopg_url(db_url: str) -> str | None:
    """The libpq form of a PostgreSQL URL; None for any other database."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if db_url.startswith(prefix):
            return "postgresql://" + db_url.removeprefix(prefix)
    return None


class DutyHolder:
    """Takes the node's duties when this worker may and nobody else holds them.

    ``on_acquired`` callbacks run when this worker becomes the holder and
    ``on_lost`` ones when it stops being one (lock lost, database gone, or
    shutdown); ``on_wake`` ones get the channel ids other workers appended to.
    """

    def __init__(
        self,
        db_url: str,
        *,
        party: str,
        enabled: bool = True,
        retry_s: float = RETRY_S,
    ) -> None:
        self.enabled = enabled
        self.retry_s = retry_s
        self.key = lock_key(party)
        self._party = party
        self._pg_url = psycopg_url(db_url)
        self.acquired = asyncio.Event()
        self.on_acquired: list[DutyCallback] = []
        self.on_lost: list[DutyCallback] = []
        self.on_wake: list[Callable[[str], None]] = []
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._notify_lock = threading.Lock()
        self._notify_conn: psycopg.Connection[tuple[object, ...]] | None = None

    @property
    def held(self) -> bool:
        return self.acquired.is_set()

    @property
    def application_name(self) -> str:
        """How the holder's connection shows in ``pg_stat_activity`` (tests find it so)."""
        return f"detente-duties {self._party} pid={os.getpid()}"

    async def start(self) -> None:
        self._stopping = False
        if not self.enabled:
            return
        if self._pg_url is None:
            await self._gain()
            return
        self._task = asyncio.create_task(self._hold_forever(self._pg_url))

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._lose()
        await asyncio.to_thread(self._close_notify)

    # holding ----------------------------------------------------------------------

    async def _gain(self) -> None:
        self.acquired.set()
        log.warning("duties acquired by pid %s", os.getpid())
        for callback in self.on_acquired:
            try:
                await callback()
            except Exception:  # one duty failing to start must not block the others
                log.exception("starting a duty failed")

    async def _lose(self) -> None:
        if not self.acquired.is_set():
            return
        self.acquired.clear()
        log.warning("duties released by pid %s", os.getpid())
        for callback in self.on_lost:
            try:
                await callback()
            except Exception:
                log.exception("stopping a duty failed")

    async def _hold_forever(self, url: str) -> None:
        while not self._stopping:
            try:
                conn = await psycopg.AsyncConnection.connect(
                    url,
                    autocommit=True,
                    connect_timeout=5,
                    application_name=self.application_name,
                )
            except (psycopg.Error, OSError) as exc:
                log.warning("duty connection failed: %s", exc)
                await asyncio.sleep(self.retry_s)
                continue
            try:
                await self._hold_on(conn)
            except (psycopg.Error, OSError) as exc:
                log.warning("duty connection lost: %s", exc)
            finally:
                # Lose before closing: duties stop while the lock may still be ours,
                # never after another worker could have taken it.
                await self._lose()
                with contextlib.suppress(psycopg.Error, OSError):
                    await conn.close()
            if not self._stopping:
                await asyncio.sleep(self.retry_s)

    async def _hold_on(self, conn: psycopg.AsyncConnection[tuple[object, ...]]) -> None:
        """Try for the lock, keep checking the connection, and pass on wake-ups."""
        await conn.execute(f"LISTEN {WAKE_CHANNEL}")
        while not self._stopping:
            if self.held:
                await conn.execute("SELECT 1")
            else:
                cursor = await conn.execute("SELECT pg_try_advisory_lock(%s)", [self.key])
                row = await cursor.fetchone()
                if row is not None and row[0] is True:
                    await self._gain()
            async for notice in conn.notifies(timeout=self.retry_s):
                if self.held:
                    for wake in self.on_wake:
                        wake(notice.payload)

    # announcing appends (any thread) --------------------------------------------

    def announce(self, channel_id: str) -> None:
        """Tell the duty holder in another worker that ``channel_id`` has news."""
        if self._pg_url is None or self.held or self._stopping:
            return
        with self._notify_lock:
            for _attempt in range(2):
                try:
                    if self._notify_conn is None or self._notify_conn.closed:
                        self._notify_conn = psycopg.connect(
                            self._pg_url, autocommit=True, connect_timeout=5
                        )
                    self._notify_conn.execute(
                        "SELECT pg_notify(%s, %s)", [WAKE_CHANNEL, channel_id]
                    )
                    return
                except (psycopg.Error, OSError) as exc:
                    # The holder's pull and poll deliver anyway; a lost wake-up only costs time.
                    log.debug("wake-up notify failed: %s", exc)
                    self._close_notify_locked()

    def _close_notify(self) -> None:
        with self._notify_lock:
            self._close_notify_locked()

    def _close_notify_locked(self) -> None:
        if self._notify_conn is not None:
            with contextlib.suppress(psycopg.Error, OSError):
                self._notify_conn.close()
            self._notify_conn = None
