"""The operator API for checkpoints and evidence: witness now, list, export a bundle.

Same bearer-token rule as the rest of the operator API. Exporting returns
the bundle as JSON; the CLI's ``detente evidence export`` reads the
database directly and needs no running node.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from detente.api.operator import Operator
from detente.api.state import peer_client, service_of
from detente.errors import ValidationError
from detente.log.evidence_verify import verify_bundle
from detente.node.evidence_export import Selection, entries_argument, export_bundle, parse_moment
from detente.node.witness import Witness
from detente.store import checkpoints as stored_checkpoints

router = APIRouter(prefix="/api/v1")


@router.post("/checkpoints/now")
async def checkpoint_now(request: Request, _op: Operator) -> dict[str, Any]:
    """Sign a checkpoint of our log on every channel and have each peer witness it now."""
    witness = Witness(service_of(request), peer_client(request))
    return {"results": await witness.run_once()}


@router.get("/channels/{channel_id}/checkpoints")
async def list_checkpoints(
    channel_id: str, request: Request, _op: Operator, party: str | None = None, limit: int = 50
) -> dict[str, Any]:
    """Kept checkpoints (ours and our peers'), largest first, with their cosignatures."""
    service = service_of(request)
    if not 1 <= limit <= 1000:
        raise ValidationError("must be between 1 and 1000", field="limit")

    def read() -> list[dict[str, object]]:
        service.channel(channel_id)
        with service.db.reading() as conn:
            found = stored_checkpoints.list_checkpoints(conn, channel_id, party=party, limit=limit)
        return [s.to_dict() for s in found]

    return {"checkpoints": await asyncio.to_thread(read)}


class ExportRequest(BaseModel):
    """What to put in a bundle: a time window or named entries."""

    model_config = ConfigDict(extra="forbid")

    channel: str | None = Field(default=None, pattern=r"^[0-9a-f]{32}$")
    from_t: str | None = Field(default=None, alias="from")
    to_t: str | None = Field(default=None, alias="to")
    entries: list[str] = Field(default_factory=list, max_length=10_000)


@router.post("/evidence/export")
async def evidence_export(body: ExportRequest, request: Request, _op: Operator) -> dict[str, Any]:
    """A signed evidence bundle; save it byte for byte with ``encode_bundle`` to verify later."""
    service = service_of(request)
    selection = Selection(
        from_t=parse_moment(body.from_t, field="from") if body.from_t else None,
        to_t=parse_moment(body.to_t, field="to") if body.to_t else None,
        entry_ids=entries_argument(body.entries),
    )

    def build() -> dict[str, Any]:
        return export_bundle(
            service.db,
            party=service.party,
            key=service.key,
            selection=selection,
            channel_id=body.channel,
        )

    return await asyncio.to_thread(build)


@router.post("/evidence/verify")
async def evidence_verify(request: Request, _op: Operator) -> dict[str, Any]:
    """Check a bundle (the request body, exactly as exported); the same check as offline."""
    service = service_of(request)
    raw = await request.body()
    if len(raw) > service.settings.max_request_bytes:
        raise ValidationError("bundle is larger than this node accepts", field="body")
    report = await asyncio.to_thread(verify_bundle, raw)
    return report.to_dict()
