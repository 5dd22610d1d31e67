"""Operator API for release authority and the audit log.

``/api/v1/held``: the queue of drafts above their author's authority, and
the release and reject decisions a second person takes on them.
``/api/v1/audit``: the audit log, for auditors and administrators only.
``/api/v1/authority``: the rules in force and what the caller's role may do.

This router must never sign anything except through ``detente.node.release``.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from detente.api.authority_gate import actor_of, rules_of
from detente.api.operator import Operator
from detente.api.state import service_of
from detente.errors import NotFoundError, ValidationError
from detente.node import release
from detente.node.authority import require_audit_reader
from detente.store import audit, held

router = APIRouter(prefix="/api/v1")

HELD_ID = r"^[0-9a-f]{32}$"


@router.get("/authority")
async def authority(request: Request, op: Operator) -> dict[str, Any]:
    """The rules in force, and the caller's own grant (for a UI to grey out what it cannot do)."""
    rules = rules_of(request)
    operator, role = op
    return {
        "operator": operator,
        "role": role,
        "grant": rules.grant(role).model_dump(mode="json"),
        "rules": rules.model_dump(mode="json"),
    }


@router.get("/held")
async def list_held(
    request: Request,
    _op: Operator,
    state: Literal["held", "released", "rejected", "all"] = "held",
    limit: int = 100,
) -> dict[str, Any]:
    """Held drafts waiting for release (oldest first), or past decisions."""
    if not 1 <= limit <= 1000:
        raise ValidationError("must be between 1 and 1000", field="limit")
    service = service_of(request)

    def read() -> list[dict[str, Any]]:
        with service.db.reading() as conn:
            found = held.list_held(conn, state=None if state == "all" else state, limit=limit)
        return [h.to_dict() for h in found]

    return {"held": await asyncio.to_thread(read)}


def _check_id(held_id: str) -> None:
    if not re.fullmatch(HELD_ID, held_id):
        raise ValidationError("must be 32 hex digits", field="held_id")


@router.get("/held/{held_id}")
async def get_held(held_id: str, request: Request, _op: Operator) -> dict[str, Any]:
    _check_id(held_id)
    service = service_of(request)

    def read() -> dict[str, Any]:
        with service.db.reading() as conn:
            found = held.get(conn, held_id)
        if found is None:
            raise NotFoundError(f"no held message {held_id}", field="held_id")
        return found.to_dict()

    return await asyncio.to_thread(read)


@router.post("/held/{held_id}/release")
async def release_held(held_id: str, request: Request, op: Operator) -> dict[str, Any]:
    """A second person, with a role that may release it, signs the held draft now."""
    _check_id(held_id)
    done, signed = await asyncio.to_thread(
        release.release, service_of(request), rules_of(request), actor_of(request, op), held_id
    )
    return {
        **done.to_dict(),
        "entries": [
            {"id": s.id, "channel": s.entry.channel, "seq": s.entry.seq, "t": s.entry.t}
            for s in signed
        ],
    }


class Rejection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)


@router.post("/held/{held_id}/reject")
async def reject_held(
    held_id: str, rejection: Rejection, request: Request, op: Operator
) -> dict[str, Any]:
    """Discard a held draft with a reason (its drafter may also withdraw it)."""
    _check_id(held_id)
    done = await asyncio.to_thread(
        release.reject,
        service_of(request),
        rules_of(request),
        actor_of(request, op),
        held_id,
        rejection.reason,
    )
    return done.to_dict()


@router.get("/audit")
async def read_audit(
    request: Request,
    op: Operator,
    limit: int = 100,
    before_id: int | None = None,
    operator: str | None = None,
    action: str | None = None,
) -> dict[str, Any]:
    """The audit log, newest first; auditors and administrators only."""
    require_audit_reader(rules_of(request), op[1])
    if not 1 <= limit <= 1000:
        raise ValidationError("must be between 1 and 1000", field="limit")
    service = service_of(request)

    def read() -> list[dict[str, Any]]:
        with service.db.reading() as conn:
            found = audit.list_records(
                conn, limit=limit, before_id=before_id, operator=operator, action=action
            )
        return [r.to_dict() for r in found]

    return {"records": await asyncio.to_thread(read)}
