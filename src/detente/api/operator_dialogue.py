"""Operator API for dialogue: meetings, readouts side by side, joint statements."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request, Response

from detente.api import authority_gate as gate
from detente.api.operator import Operator
from detente.api.state import service_of
from detente.link.outgoing import Draft
from detente.node.dialogue import (
    MEETING_KINDS,
    STATEMENT_KINDS,
    channel_items,
    endorsement_body,
    fold,
)
from detente.node.service import NodeService
from detente.store.audit import AuditAction
from detente.wire.enums import Precedence, Tier

router = APIRouter(prefix="/api/v1")


def dialogue_view(service: NodeService, channel_id: str | None = None) -> dict[str, Any]:
    """Every channel's meetings and joint statements; one query function for page and JSON."""
    out = []
    for row in service.channels():
        if row.state != "active" or (channel_id and row.channel_id != channel_id):
            continue
        with service.db.reading() as conn:
            items = channel_items(
                conn, service.registry, row.channel_id, (*MEETING_KINDS, *STATEMENT_KINDS)
            )
        folded = fold(items, [m.party for m in row.members])
        out.append(
            {
                "channel": row.channel_id,
                "meetings": list(folded.meetings.values()),
                "statements": list(folded.statements.values()),
                "set_aside": folded.rejected,
            }
        )
    return {"channels": out}


@router.get("/dialogue")
async def dialogue(request: Request, _op: Operator, channel: str | None = None) -> dict[str, Any]:
    return await asyncio.to_thread(dialogue_view, service_of(request), channel)


def _endorse(
    service: NodeService, statement_id: str, request: Request, op: tuple[str, str]
) -> dict[str, Any]:
    with service.db.reading() as conn:
        body = endorsement_body(conn, service.registry, statement_id)
        from detente.store import logs

        found = logs.entry_by_id(conn, statement_id)
    assert found is not None
    drafts = [Draft("endorse", body, Precedence.PRIORITY, Tier.POLICY, (statement_id,))]
    outcome = gate.submit(request, op, found.channel_id, drafts, AuditAction.ENDORSE)
    if outcome.held is not None:
        return {"held": outcome.held.held_id, "text_sha256": body["text_sha256"]}
    signed = outcome.signed
    return {"id": signed[0].id, "seq": signed[0].entry.seq, "text_sha256": body["text_sha256"]}


@router.post("/statements/{statement_id}/endorse")
async def endorse(
    statement_id: str, request: Request, op: Operator, response: Response
) -> dict[str, Any]:
    """Sign the peer's joint statement as it stands: the hash binds the exact words."""
    answer = await asyncio.to_thread(_endorse, service_of(request), statement_id, request, op)
    if "held" in answer:
        response.status_code = 202
    return answer
