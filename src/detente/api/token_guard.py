"""Lockout per source address for failed operator API bearer tokens.

A bearer token is 256 random bits, so guessing one is hopeless; what this
guard stops is the noise of trying (and a leaked token list being tried
against the node): after ``max_failures`` refused tokens from one address
within ``window_s``, that address gets 429 for ``lockout_s`` on every
operator API path, valid token or not, and the lockout is recorded in the
audit log and raised as an alarm. Counts live in the database
(``store/lockouts.py``), so a restart keeps a lockout and every worker of a
PostgreSQL deployment shares it; a worker remembers an address's standing
for ``recheck_s`` so a request costs a database read at most that often.

Installed with one line, ``token_guard.install(app)``, as an ASGI middleware
around the operator API (``/api/``); the peer API authenticates by request
signature and is not guarded here. This module must never see or keep a
token's value: it counts responses, not credentials.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from detente.node.service import NodeService
from detente.store import alarms, audit, lockouts
from detente.store.audit import AuditAction, Outcome
from detente.store.database import Database

log = logging.getLogger(__name__)

GUARDED_PREFIX = "/api/"
ALARM_KIND = "operator_token_lockout"


@dataclass(frozen=True, slots=True)
class GuardPolicy:
    """How many refused tokens an address may present, and for how long it is then shut out."""

    max_failures: int = 10
    window_s: float = 300.0
    lockout_s: float = 900.0
    max_tracked: int = 10_000  # addresses counted; the oldest counts are forgotten first
    recheck_s: float = 1.0  # how long a worker trusts what it last read of an address


class TokenGuard:
    """The counting rule over the shared table, with the clock passed in.

    Blocking (database calls): the middleware runs it in worker threads.
    """

    def __init__(self, db: Database, policy: GuardPolicy | None = None) -> None:
        self.db = db
        self.policy = policy or GuardPolicy()
        self._seen: dict[str, tuple[float, float | None, int]] = {}
        self._seen_lock = threading.Lock()

    def known(self, source: str, now: float) -> tuple[bool, float | None]:
        """Without blocking: whether this worker read ``source`` lately, and its lockout end."""
        with self._seen_lock:
            cached = self._seen.get(source)
        if cached is None or not 0 <= now - cached[0] < self.policy.recheck_s:
            return False, None
        until = cached[1]
        return True, until if until is not None and until > now else None

    def locked_until(self, source: str, now: float) -> float | None:
        fresh, until = self.known(source, now)
        if fresh:
            return until
        with self.db.reading() as conn:
            row = lockouts.get(conn, source)
        if row is None:
            self._remember(source, now, None, 0)
            return None
        self._remember(source, now, row.locked_until_t, row.failures)
        return row.locked_until_t if row.locked_until_t and row.locked_until_t > now else None

    def counted(self, source: str) -> bool:
        """Without blocking: whether ``source`` may have failures a success must clear."""
        with self._seen_lock:
            cached = self._seen.get(source)
        return cached is None or cached[2] > 0

    def failures(self, source: str, now: float) -> int:
        with self.db.reading() as conn:
            row = lockouts.get(conn, source)
        if row is None or now - row.window_start_t > self.policy.window_s:
            return 0
        return row.failures

    def failed(self, source: str, now: float) -> bool:
        """Count one refused token; True when this failure starts a lockout."""
        policy = self.policy
        with self.db.writing() as conn:
            started = lockouts.count_failure(
                conn,
                source,
                now,
                max_failures=policy.max_failures,
                window_s=policy.window_s,
                lockout_s=policy.lockout_s,
            )
            lockouts.forget_stale(conn, now, window_s=policy.window_s, keep=policy.max_tracked)
            row = lockouts.get(conn, source)
        self._remember(
            source,
            now,
            row.locked_until_t if row is not None else None,
            row.failures if row is not None else 0,
        )
        return started is not None

    def succeeded(self, source: str) -> None:
        """A valid token from ``source`` clears its failures (not a running lockout)."""
        with self.db.writing() as conn:
            lockouts.clear_failures(conn, source)
        with self._seen_lock:
            cached = self._seen.get(source)
        if cached is not None:
            self._remember(source, cached[0], cached[1], 0)

    def _remember(self, source: str, t: float, until: float | None, failures: int) -> None:
        with self._seen_lock:
            self._seen[source] = (t, until, failures)
            if len(self._seen) > self.policy.max_tracked:
                self._seen.pop(next(iter(self._seen)))


LockoutHook = Callable[[str, int, float], None]
"""Called (in a worker thread) with the source address, failures counted, and lockout end."""


class TokenGuardMiddleware:
    """ASGI middleware: refuse locked-out addresses, count 401s on the operator API."""

    def __init__(self, app: ASGIApp, guard: TokenGuard, on_lockout: LockoutHook) -> None:
        self.app = app
        self.guard = guard
        self.on_lockout = on_lockout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith(GUARDED_PREFIX):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        source = str(client[0]) if client else "unknown"
        now = time.time()
        fresh, until = self.guard.known(source, now)
        if not fresh:  # read the shared count at most once per recheck_s per address
            until = await asyncio.to_thread(self.guard.locked_until, source, now)
        if until is not None:
            await _refuse(send, until - now)
            return
        status: list[int] = []
        lockout: list[float] = []

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
                # Counted before the client hears the refusal: no guess outruns its count.
                if status[0] == 401 and await asyncio.to_thread(
                    self.guard.failed, source, time.time()
                ):
                    until = await asyncio.to_thread(self.guard.locked_until, source, time.time())
                    lockout.append(until or now)
                elif status[0] < 400 and self.guard.counted(source):
                    await asyncio.to_thread(self.guard.succeeded, source)
            await send(message)

        await self.app(scope, receive, watch)
        if lockout:
            try:
                await asyncio.to_thread(
                    self.on_lockout, source, self.guard.policy.max_failures, lockout[0]
                )
            except Exception:  # the lockout holds even if recording it failed
                log.exception("recording a token lockout failed")


async def _refuse(send: Send, retry_after_s: float) -> None:
    seconds = max(1, int(retry_after_s + 0.999))
    body = json.dumps(
        {
            "error": "locked_out",
            "field": "authorization",
            "reason": (
                "too many refused tokens from this address; "
                f"the operator API is closed to it for {seconds} s"
            ),
        }
    ).encode("utf-8")
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode("ascii")),
        (b"retry-after", str(seconds).encode("ascii")),
    ]
    await send({"type": "http.response.start", "status": 429, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def record_lockout(service: NodeService) -> LockoutHook:
    """The lockout's trace: one audit record and one alarm per lockout (not per attempt)."""

    def hook(source: str, failures: int, until_t: float) -> None:
        text = f"{failures} refused operator API tokens from {source}; locked out"
        with service.db.writing() as conn:
            audit.record(
                conn,
                operator="-",
                role="-",
                action=AuditAction.TOKEN_LOCKOUT,
                target=source,
                outcome=Outcome.LOCKED,
                source=source,
                detail=f"{text} until {until_t:.0f}",
            )
            alarms.raise_alarm(
                conn,
                ALARM_KIND,
                3,
                text,
                ref=source[:64],
                details={"source": source, "failures": failures, "until_t": until_t},
            )

    return hook


def install(app: FastAPI, policy: GuardPolicy | None = None) -> TokenGuard:
    """Guard ``app``'s operator API; returns the guard (a test may inspect it)."""
    service: NodeService = app.state.service
    guard = TokenGuard(service.db, policy)
    app.add_middleware(TokenGuardMiddleware, guard=guard, on_lockout=record_lockout(service))
    app.state.token_guard = guard
    return guard
