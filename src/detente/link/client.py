"""The HTTP side of talking to a peer: signed requests, bounded responses.

Takes an injectable httpx transport so a test can wire two apps in one
process; real deployments and the main tests use real sockets.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx

from detente.errors import ProtocolError
from detente.link.auth import sign_request
from detente.link.tls import pinned_context
from detente.wire.keys import SigningKey

PEER_PREFIX = "/peer/v1"
MAX_RESPONSE_BYTES = 64 * 1024 * 1024


class PeerClient:
    """One node's client for calling its peers."""

    def __init__(
        self,
        party: str,
        key: SigningKey | Callable[[], SigningKey],
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        self._party = party
        # A callable lets the node rotate its key without rebuilding the client.
        self._key_source: Callable[[], SigningKey] = key if callable(key) else (lambda: key)
        self._transport = transport
        self._timeout = httpx.Timeout(timeout_s, connect=3.0)
        self._http = httpx.AsyncClient(transport=transport, timeout=self._timeout)
        self._pinned: dict[str, tuple[str, httpx.AsyncClient]] = {}

    def pin(self, endpoint: str, cert_pem: str | None) -> None:
        """Trust exactly ``cert_pem`` for an https ``endpoint`` (from the channel documents)."""
        if not endpoint.startswith("https://"):
            return
        if cert_pem is None:
            raise ProtocolError(f"no pinned certificate for {endpoint}", field="tls_cert")
        current = self._pinned.get(endpoint)
        if current is not None and current[0] == cert_pem:
            return
        client = httpx.AsyncClient(
            transport=self._transport, timeout=self._timeout, verify=pinned_context(cert_pem)
        )
        self._pinned[endpoint] = (cert_pem, client)

    def _client_for(self, endpoint: str) -> httpx.AsyncClient:
        if endpoint.startswith("https://"):
            pinned = self._pinned.get(endpoint)
            if pinned is None:
                # Never fall back to the system's certificate authorities.
                raise ProtocolError(f"no pinned certificate for {endpoint}", field="tls_cert")
            return pinned[1]
        return self._http

    async def aclose(self) -> None:
        await self._http.aclose()
        for _cert, client in self._pinned.values():
            await client.aclose()

    async def _request(
        self, method: str, endpoint: str, target: str, body: bytes = b""
    ) -> dict[str, Any]:
        headers = sign_request(self._key_source(), self._party, method, target, body, time.time())
        if body:
            headers["content-type"] = "application/json"
        response = await self._client_for(endpoint).request(
            method, endpoint.rstrip("/") + target, content=body, headers=headers
        )
        if len(response.content) > MAX_RESPONSE_BYTES:
            raise ProtocolError("peer response too large", field="response")
        try:
            data = response.json()
        except ValueError:
            raise ProtocolError(
                f"peer answered {response.status_code} without JSON", field="response"
            ) from None
        if response.status_code >= 400:
            reason = data.get("reason") if isinstance(data, dict) else None
            raise ProtocolError(
                f"peer refused ({response.status_code}): {reason or data}",
                field=str(data.get("field")) if isinstance(data, dict) else None,
            )
        if not isinstance(data, dict):
            raise ProtocolError("peer answered with a non-object", field="response")
        return data

    async def push(
        self, endpoint: str, channel_id: str, envelopes: list[dict[str, str]]
    ) -> dict[str, Any]:
        target = f"{PEER_PREFIX}/channels/{channel_id}/entries"
        body = json.dumps({"entries": envelopes}, separators=(",", ":")).encode()
        return await self._request("POST", endpoint, target, body)

    async def pull(
        self, endpoint: str, channel_id: str, from_seq: int, limit: int
    ) -> dict[str, Any]:
        target = f"{PEER_PREFIX}/channels/{channel_id}/entries?from={from_seq}&limit={limit}"
        return await self._request("GET", endpoint, target)

    async def call(
        self, endpoint: str, method: str, target: str, payload: object | None = None
    ) -> dict[str, Any]:
        """Any other signed peer call (checkpoints, link state)."""
        body = b"" if payload is None else json.dumps(payload, separators=(",", ":")).encode()
        return await self._request(method, endpoint, PEER_PREFIX + target, body)
