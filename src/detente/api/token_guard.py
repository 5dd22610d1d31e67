"""Lockout per source address for failed operator API bearer tokens.

A bearer token is 256 random bits, so guessing one is hopeless; what this
guard stops is the noise of trying (and a leaked token list being tried
against the node): after ``max_failures`` refused tokens from one address
within ``window_s``, that address gets 429 for ``lockout_s`` on every
operator API path, valid token or not, and the lockout is recorded in the
audit log and raised as an alarm. Counters live in the worker's memory: a
restart forgets them, and each worker of a PostgreSQL deployment counts on
its own (a lockout there is per worker).

Installed with one line, ``token_guard.install(app)``, as an ASGI middleware
around the operator API (``/api/``); the peer API authenticates by request
signature and is not guarded here. This module must never see or keep a
token's value: it counts responses, not credentials.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from detente.node.service import NodeService
from detente.store import alarms, audit
from detente.store.audit import AuditAction, Outcome

log = logging.getLogger(__name__)

GUARDED_PREFIX = "/api/"
ALARM_KIND = "operator_token_lockout"


@dataclass(frozen=True, slots=True)
class GuardPolicy:
    """How many refused tokens an address may present, and for how long it is then shut out."""

    max_failures: int = 10
    window_s: float = 300.0
    lockout_s: float = 900.0
    max_tracked: int = 10_000  # addresses remembered; the oldest are forgotten first


@dataclass(slots=True)
class _Record:
    failures: list[float] = field(default_factory=list)
    locked_until: float = 0.0


class TokenGuard:
    """The counting rule alone, with the clock passed in (tested without a server)."""

    def __init__(self, policy: GuardPolicy | None = None) -> None:
        self.policy = policy or GuardPolicy()
        self._by_source: OrderedDict[str, _Record] = OrderedDict()

    def locked_until(self, source: str, now: float) -> float | None:
        found = self._by_source.get(source)
        if found is None or found.locked_until <= now:
            return None
        return found.locked_until

    def failures(self, source: str, now: float) -> int:
        found = self._by_source.get(source)
        if found is None:
            return 0
        return sum(1 for t in found.failures if t > now - self.policy.window_s)

    def failed(self, source: str, now: float) -> bool:
        """Count one refused token; True when this failure starts a lockout."""
        found = self._by_source.pop(source, None) or _Record()
        self._by_source[source] = found  # most recently seen last
        while len(self._by_source) > self.policy.max_tracked:
            self._by_source.popitem(last=False)
        found.failures = [t for t in found.failures if t > now - self.policy.window_s]
        found.failures.append(now)
        if len(found.failures) >= self.policy.max_failures and found.locked_until <= now:
            found.locked_until = now + self.policy.lockout_s
            found.failures.clear()
            return True
        return False

    def succeeded(self, source: str) -> None:
        """A valid token from ``source`` clears its failures (not a running lockout)."""
        found = self._by_source.get(source)
        if found is not None:
            found.failures.clear()


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
        until = self.guard.locked_until(source, now)
        if until is not None:
            await _refuse(send, until - now)
            return
        status: list[int] = []

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            await send(message)

        await self.app(scope, receive, watch)
        if not status:
            return
        if status[0] == 401:
            if self.guard.failed(source, time.time()):
                until = self.guard.locked_until(source, time.time()) or now
                try:
                    await asyncio.to_thread(
                        self.on_lockout, source, self.guard.policy.max_failures, until
                    )
                except Exception:  # the lockout holds even if recording it failed
                    log.exception("recording a token lockout failed")
        elif status[0] < 400:
            self.guard.succeeded(source)


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
    guard = TokenGuard(policy)
    service: NodeService = app.state.service
    app.add_middleware(TokenGuardMiddleware, guard=guard, on_lockout=record_lockout(service))
    app.state.token_guard = guard
    return guard
