"""Transport guards on every request: per-caller rate limits and security headers.

Rate limits are token buckets in this worker's memory, keyed by what the
caller presents before authentication (the peer's party header with its
address; the operator's credential, hashed, or address): a flood from one
caller is refused with 429 before it costs a signature check or a database
query. Security headers are added to every response that does not set its
own (the dashboard sets a stricter page CSP itself).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import OrderedDict
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BUCKETS = 10_000

SECURITY_HEADERS = {
    b"x-content-type-options": b"nosniff",
    b"x-frame-options": b"DENY",
    b"referrer-policy": b"no-referrer",
    b"content-security-policy": b"default-src 'none'; frame-ancestors 'none'",
    b"cross-origin-opener-policy": b"same-origin",
}


@dataclass
class Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Token buckets: ``rate_per_s`` sustained, ``burst`` at once; oldest keys evicted."""

    def __init__(self, rate_per_s: float, burst: float) -> None:
        self.rate_per_s = rate_per_s
        self.burst = burst
        self._buckets: OrderedDict[str, Bucket] = OrderedDict()

    def allow(self, key: str, now: float | None = None) -> bool:
        moment = time.monotonic() if now is None else now
        bucket = self._buckets.pop(key, None) or Bucket(self.burst, moment)
        bucket.tokens = min(self.burst, bucket.tokens + (moment - bucket.updated) * self.rate_per_s)
        bucket.updated = moment
        allowed = bucket.tokens >= 1.0
        if allowed:
            bucket.tokens -= 1.0
        self._buckets[key] = bucket
        while len(self._buckets) > MAX_BUCKETS:
            self._buckets.popitem(last=False)
        return allowed


def _header(scope: Scope, name: bytes) -> bytes:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value)
    return b""


class GuardMiddleware:
    """ASGI middleware: rate limits for /peer and /api, headers for everything."""

    def __init__(self, app: ASGIApp, *, peer_rate_per_s: float, operator_rate_per_s: float) -> None:
        self.app = app
        self.peer = RateLimiter(peer_rate_per_s, peer_rate_per_s * 2)
        self.operator = RateLimiter(operator_rate_per_s, operator_rate_per_s * 2)

    def _limited(self, scope: Scope) -> bool:
        path: str = scope.get("path", "")
        client = scope.get("client") or ("?", 0)
        address = str(client[0])
        if path.startswith("/peer/"):
            party = _header(scope, b"detente-party").decode("latin-1")[:16]
            return not self.peer.allow(f"{party}@{address}")
        if path.startswith("/api/") or path.startswith("/ui/"):
            credential = _header(scope, b"authorization") or _header(scope, b"cookie")
            who = hashlib.sha256(credential).hexdigest()[:16] if credential else address
            return not self.operator.allow(who)
        return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._limited(scope):
            body = json.dumps(
                {
                    "error": "rate_limited",
                    "field": None,
                    "reason": "too many requests; slow down and retry",
                }
            ).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 429,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"retry-after", b"1"),
                        *SECURITY_HEADERS.items(),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers.extend((k, v) for k, v in SECURITY_HEADERS.items() if k not in present)
                path: str = scope.get("path", "")
                if path.startswith(("/api/", "/peer/")) and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
