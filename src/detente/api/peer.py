"""The peer API: what another party's node may call. Every request is signed."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request

from detente.api.body import parse_json, read_limited
from detente.api.state import service_of
from detente.errors import AuthError, ValidationError, WireError
from detente.link.auth import verify_request
from detente.link.incoming import ReceiveResult
from detente.node.service import NodeService
from detente.store.channels import ChannelRow
from detente.store.keyring import KeyRecord

router = APIRouter(prefix="/peer/v1")


async def authenticate(
    request: Request, channel_id: str, body: bytes, extra: Sequence[KeyRecord] = ()
) -> str:
    """The calling party, proven by its request signature under this channel's keys."""
    service = service_of(request)

    def check() -> str:
        row = service.active_channel(channel_id)
        return _authenticate(service, request, _target(request), row, body, extra)

    return await asyncio.to_thread(check)


def _target(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def _authenticate(
    service: NodeService,
    request: Request,
    target: str,
    row: ChannelRow,
    body: bytes,
    extra: Sequence[KeyRecord] = (),
) -> str:
    party = verify_request(
        request.headers,
        request.method,
        target,
        body,
        lambda p, k: service.peer_key(row, p, k, extra),
        service.now(),
    )
    if party == service.party:
        raise AuthError("a node does not call itself", field="detente-party")
    return party


@router.post("/channels/{channel_id}/entries")
async def push(channel_id: str, request: Request) -> dict[str, Any]:
    """Store a batch of the caller's entries; answers with our head of its log and a receipt."""
    service = service_of(request)
    raw = await read_limited(request, service.settings.max_request_bytes)
    # One worker-thread hop for the whole request: on loopback the hops, not the
    # work, were much of a FLASH entry's send-to-receipt time.
    result = await asyncio.to_thread(
        _receive_push, service, request, _target(request), channel_id, raw
    )
    return {
        "accepted": len(result.new),
        "duplicates": result.duplicates,
        "head": {"size": result.head_size, "id": result.head_id},
        "receipt": result.receipt.envelope() if result.receipt else None,
    }


def _receive_push(
    service: NodeService, request: Request, target: str, channel_id: str, raw: bytes
) -> ReceiveResult:
    row = service.active_channel(channel_id)  # read once: authentication and storing share it
    try:
        sender = _authenticate(service, request, target, row, raw)
        envelopes = _envelopes(raw)
    except AuthError as exc:
        # A peer that just rotated its key signs with the new one; the batch it pushes
        # carries the rotation, signed by the old key. Verify that first, then retry.
        claimed = request.headers.get("detente-party", "")
        if exc.field != "detente-key" or not claimed:
            raise
        envelopes = _envelopes(raw)
        announced = service.verify_incoming(channel_id, claimed, envelopes)
        if not announced:
            raise
        sender = _authenticate(service, request, target, row, raw, announced)
    # The receipt travels back in this response, so the courier need not push it too.
    return service.receive(channel_id, sender, envelopes, answered_inline=True, row=row)


def _envelopes(raw: bytes) -> list[object]:
    data = parse_json(raw)
    if not isinstance(data, dict) or set(data) != {"entries"}:
        raise WireError("body must be an object with exactly the field 'entries'", field="body")
    envelopes = data["entries"]
    if not isinstance(envelopes, list) or not envelopes:
        raise WireError("must be a non-empty list", field="entries")
    return envelopes


@router.get("/channels/{channel_id}/entries")
async def pull(channel_id: str, request: Request, limit: int = 500) -> dict[str, Any]:
    """Our own log on this channel from sequence ``from``, exactly as signed."""
    service = service_of(request)
    await authenticate(request, channel_id, b"")
    try:
        from_seq = int(request.query_params.get("from", "1"))
    except ValueError:
        raise ValidationError("must be an integer", field="from") from None
    if from_seq < 1:
        raise ValidationError("must be at least 1", field="from")
    if not 1 <= limit <= 5000:
        raise ValidationError("must be between 1 and 5000", field="limit")
    envelopes, size = await asyncio.to_thread(service.own_entries, channel_id, from_seq, limit)
    return {"entries": envelopes, "size": size}
