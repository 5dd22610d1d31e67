"""The operator API: what people and their programs ask of their own node.

Authenticated by bearer token; the dashboard (later) adds logins and roles.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from detente.api import authority_gate as gate
from detente.api.state import service_of
from detente.errors import AuthError, ValidationError
from detente.link.outgoing import Draft
from detente.node import views
from detente.node.health import node_health
from detente.node.release import Submitted
from detente.node.rotation import revoke_key, rotate_key
from detente.node.service import NodeService
from detente.node.verification import verify_node_logs
from detente.store import alarms as alarm_queries
from detente.store import logs, tokens
from detente.store.audit import AuditAction
from detente.wire.enums import Precedence, Tier

router = APIRouter(prefix="/api/v1")


def operator(request: Request) -> tuple[str, str]:
    """(operator, role) of a valid bearer token."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise AuthError("a bearer token is required", field="authorization")
    service = service_of(request)
    with service.db.reading() as conn:
        found = tokens.lookup(conn, token.strip())
    if found is None:
        raise AuthError("unknown token", field="authorization")
    return found


Operator = Annotated[tuple[str, str], Depends(operator)]


class Message(BaseModel):
    """One statement to send."""

    model_config = ConfigDict(extra="forbid")

    to: str | None = Field(default=None, pattern=r"^[A-Z]{2,8}$")
    channel: str | None = Field(default=None, pattern=r"^[0-9a-f]{32}$")
    kind: str = Field(default="text", pattern=r"^[a-z][a-z0-9_]{0,39}$")
    body: dict[str, Any]
    precedence: Precedence = Precedence.ROUTINE
    tier: Tier = Tier.OPERATIONAL
    refs: list[str] = Field(default_factory=list, max_length=32)


class Batch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    messages: list[Message] = Field(min_length=1, max_length=1000)


def _refs_of(message: Message) -> tuple[str, ...]:
    """A body's own ``ref`` is also an entry-level reference, so timelines can follow it."""
    refs = list(message.refs)
    ref = message.body.get("ref")
    if isinstance(ref, str) and ref not in refs:
        refs.insert(0, ref)
    return tuple(refs)


def _send(
    service: NodeService, messages: list[Message], request: Request, op: tuple[str, str]
) -> Submitted:
    first = messages[0]
    row = service.channel_for(channel_id=first.channel, peer=first.to)
    drafts = [Draft(m.kind, m.body, m.precedence, m.tier, _refs_of(m)) for m in messages]
    return gate.submit(request, op, row.channel_id, drafts)  # signed now, or held for release


@router.get("/node")
async def node(request: Request, _op: Operator) -> dict[str, Any]:
    service = service_of(request)
    return {
        "party": service.party,
        "name": service.settings.name,
        "key_id": service.key.key_id,
        "fingerprint": service.key.verify_key.fingerprint,
        "channels": [
            {
                "id": c.channel_id,
                "state": c.state,
                "parties": [m.party for m in c.members],
            }
            for c in await asyncio.to_thread(service.channels)
        ],
    }


@router.post("/messages")
async def send(
    message: Message, request: Request, op: Operator, response: Response
) -> dict[str, Any]:
    outcome = await asyncio.to_thread(_send, service_of(request), [message], request, op)
    return gate.held_answer(outcome, response) or gate.entries(outcome)[0]


@router.post("/messages/batch")
async def send_batch(
    batch: Batch, request: Request, op: Operator, response: Response
) -> dict[str, Any]:
    """Many statements to one channel in one transaction (sensors, bulk tools)."""
    channels = {(m.channel, m.to) for m in batch.messages}
    if len(channels) > 1:
        raise ValidationError("a batch goes to one channel", field="messages")
    outcome = await asyncio.to_thread(_send, service_of(request), batch.messages, request, op)
    return gate.held_answer(outcome, response) or {"entries": gate.entries(outcome)}


@router.get("/inbox")
async def inbox(
    request: Request, _op: Operator, limit: int = 100, receipts: bool = False
) -> dict[str, Any]:
    service = service_of(request)
    items = await asyncio.to_thread(
        views.inbox, service, limit=min(max(limit, 1), 1000), include_receipts=receipts
    )
    return {"entries": items}


@router.get("/outbox")
async def outbox(
    request: Request, _op: Operator, limit: int = 100, receipts: bool = False
) -> dict[str, Any]:
    service = service_of(request)
    items = await asyncio.to_thread(
        views.outbox, service, limit=min(max(limit, 1), 1000), include_receipts=receipts
    )
    return {"entries": items}


@router.get("/delivery")
async def delivery(request: Request, _op: Operator) -> dict[str, Any]:
    return {"channels": await asyncio.to_thread(views.delivery_state, service_of(request))}


@router.get("/log/verify")
async def log_verify(request: Request, _op: Operator) -> dict[str, Any]:
    service = service_of(request)
    report = await asyncio.to_thread(verify_node_logs, service)
    return report.to_dict()


class Acknowledgement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ref: str = Field(pattern=r"^[0-9a-f]{64}$")
    role: str = Field(min_length=1, max_length=64)
    officer: str | None = Field(default=None, min_length=1, max_length=100)


def _ack(
    service: NodeService, ack: Acknowledgement, request: Request, op: tuple[str, str]
) -> Submitted:
    with service.db.reading() as conn:
        found = logs.entry_by_id(conn, ack.ref)
    if found is None:
        raise ValidationError(f"no entry {ack.ref[:16]}… on this node", field="ref")
    body = ack.model_dump(exclude_none=True)
    drafts = [Draft("acknowledge", body, refs=(ack.ref,))]
    return gate.submit(request, op, found.channel_id, drafts, AuditAction.ACKNOWLEDGE)


@router.post("/acknowledge")
async def acknowledge(
    ack: Acknowledgement, request: Request, op: Operator, response: Response
) -> dict[str, Any]:
    """A human's "read and understood" of a peer's statement; stops its deadline clock."""
    outcome = await asyncio.to_thread(_ack, service_of(request), ack, request, op)
    signed = outcome.signed
    return gate.held_answer(outcome, response) or {
        "id": signed[0].id,
        "seq": signed[0].entry.seq,
        "t": signed[0].entry.t,
    }


class Suspension(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)


@router.post("/channels/{channel_id}/suspend")
async def suspend(
    channel_id: str, suspension: Suspension, request: Request, op: Operator, response: Response
) -> dict[str, Any]:
    """Suspend dialogue on a channel; the safety floor keeps flowing."""
    outcome = await asyncio.to_thread(
        gate.submit,
        request,
        op,
        channel_id,
        [Draft("suspend", {"reason": suspension.reason}, Precedence.IMMEDIATE, Tier.POLICY)],
        AuditAction.SUSPEND,
    )
    signed = outcome.signed
    return gate.held_answer(outcome, response) or {"id": signed[0].id, "seq": signed[0].entry.seq}


class Resumption(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ref: str = Field(pattern=r"^[0-9a-f]{64}$")
    note: str | None = Field(default=None, min_length=1, max_length=2000)


@router.post("/channels/{channel_id}/resume")
async def resume(
    channel_id: str, resumption: Resumption, request: Request, op: Operator, response: Response
) -> dict[str, Any]:
    body = resumption.model_dump(exclude_none=True)
    outcome = await asyncio.to_thread(
        gate.submit,
        request,
        op,
        channel_id,
        [Draft("resume", body, Precedence.IMMEDIATE, Tier.POLICY, (resumption.ref,))],
        AuditAction.RESUME,
    )
    signed = outcome.signed
    return gate.held_answer(outcome, response) or {"id": signed[0].id, "seq": signed[0].entry.seq}


@router.get("/alarms")
async def list_alarms(request: Request, _op: Operator, open_only: bool = False) -> dict[str, Any]:
    service = service_of(request)

    def read() -> list[dict[str, Any]]:
        with service.db.reading() as conn:
            found = alarm_queries.list_open(conn) if open_only else alarm_queries.list_all(conn)
            return [asdict(a) for a in found]

    return {"alarms": await asyncio.to_thread(read)}


@router.get("/status")
async def status(request: Request, _op: Operator) -> dict[str, Any]:
    """Channel health per channel and direction, and the open alarms."""
    return await asyncio.to_thread(node_health, service_of(request))


class Revocation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    from_seq: int = Field(ge=1)
    reason: str = Field(min_length=1, max_length=2000)


@router.post("/keys/rotate")
async def rotate(request: Request, op: Operator) -> dict[str, Any]:
    """Introduce a new node key on every channel, signed by the old one, and switch to it."""
    service = service_of(request)
    await asyncio.to_thread(gate.require_admin, request, op, "keys/rotate")
    old = service.key.key_id
    new = await asyncio.to_thread(rotate_key, service)
    return {"old_key_id": old, "key_id": new.key_id, "fingerprint": new.verify_key.fingerprint}


@router.post("/keys/revoke")
async def revoke(revocation: Revocation, request: Request, op: Operator) -> dict[str, Any]:
    """Void a compromised (already rotated-out) key of ours from a sequence number on."""
    await asyncio.to_thread(gate.require_admin, request, op, f"keys/revoke {revocation.key_id}")
    sent = await asyncio.to_thread(
        revoke_key,
        service_of(request),
        revocation.key_id,
        revocation.from_seq,
        revocation.reason,
    )
    return {"channels": sent}
