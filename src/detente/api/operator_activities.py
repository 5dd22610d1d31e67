"""Operator API for planned activities: notify, check drafts, private plans, conflicts."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from detente.api import authority_gate as gate
from detente.api.operator import Operator
from detente.api.state import service_of
from detente.deconflict.activity import ActivityNoticeBody, parse_activity
from detente.deconflict.notice_file import read_notice
from detente.deconflict.plan import Plan
from detente.errors import NotFoundError
from detente.link.outgoing import Draft
from detente.node.activities import ActivityBook
from detente.store import activities as queries
from detente.store.audit import AuditAction
from detente.wire.enums import Precedence, Tier

router = APIRouter(prefix="/api/v1")


def book_of(request: Request) -> ActivityBook:
    book: ActivityBook = request.app.state.activity_book
    return book


class Notify(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: str | None = Field(default=None, pattern=r"^[A-Z]{2,8}$")
    channel: str | None = Field(default=None, pattern=r"^[0-9a-f]{32}$")
    body: dict[str, Any] | None = None
    geojson: dict[str, Any] | None = None
    precedence: Precedence = Precedence.PRIORITY


def _body(request: Request, notify: Notify) -> dict[str, Any]:
    service = service_of(request)
    if notify.geojson is not None:
        return read_notice(notify.geojson, party=service.party, source="geojson")
    return notify.body or {}


def _notice(request: Request, notify: Notify) -> ActivityNoticeBody:
    body = parse_activity("activity_notice", _body(request, notify))
    assert isinstance(body, ActivityNoticeBody)
    return body


@router.post("/activities/check")
async def check(notify: Notify, request: Request, _op: Operator) -> dict[str, Any]:
    """Conflicts a draft notice would have with the peer's notices; nothing is sent."""
    body = _notice(request, notify)
    conflicts = await asyncio.to_thread(book_of(request).check_draft, body.volumes)
    return {"conflicts": conflicts}


@router.post("/activities/notify")
async def notify(notify: Notify, request: Request, op: Operator) -> dict[str, Any]:
    """Send an activity notice; the conflicts found before sending come back as warnings."""
    service = service_of(request)
    body = _notice(request, notify)
    draft = Draft("activity_notice", body.model_dump(mode="json"), notify.precedence, Tier.THEATER)
    await asyncio.to_thread(
        gate.authorize_direct, request, op, [draft], AuditAction.SEND, f"activity {body.title}"
    )
    book = book_of(request)
    warnings = await asyncio.to_thread(book.check_draft, body.volumes)
    row = await asyncio.to_thread(service.channel_for, channel_id=notify.channel, peer=notify.to)
    signed = await asyncio.to_thread(service.send, row.channel_id, [draft])
    return {"id": signed[0].id, "seq": signed[0].entry.seq, "conflicts": warnings}


@router.get("/activities")
async def activities(request: Request, _op: Operator) -> dict[str, Any]:
    service = service_of(request)

    def read() -> dict[str, Any]:
        with service.db.reading() as conn:
            notices = queries.activity_entries(conn)
            conflicts = queries.list_conflicts(conn)
            plans = queries.list_plans(conn)
        active: dict[str, dict[str, Any]] = {}
        for entry_id, channel_id, party, payload, t in notices:
            kind, body = payload["kind"], payload["body"]
            if kind == "activity_notice":
                active[entry_id] = {
                    "id": entry_id,
                    "channel": channel_id,
                    "party": party,
                    "t": t,
                    **body,
                }
            elif kind == "activity_update" and body["ref"] in active:
                active[body["ref"]].update({k: v for k, v in body.items() if k != "ref"})
            elif kind == "activity_cancel":
                active.pop(body["ref"], None)
        return {"notices": list(active.values()), "plans": plans, "conflicts": conflicts}

    return await asyncio.to_thread(read)


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plan_id: str = Field(min_length=1, max_length=128)
    geojson: dict[str, Any]


async def _authorize_planning(request: Request, op: tuple[str, str], target: str) -> None:
    """Plans are private, but only roles that may notify activities may keep them."""
    planning = Draft("activity_notice", {}, Precedence.ROUTINE, Tier.THEATER)
    await asyncio.to_thread(
        gate.authorize_direct, request, op, [planning], AuditAction.CONFIG_CHANGE, target
    )


@router.post("/plans")
async def add_plan(plan_in: PlanIn, request: Request, op: Operator) -> dict[str, Any]:
    """Store a private plan (never sent); returns its conflicts with the peer's notices."""
    service = service_of(request)
    await _authorize_planning(request, op, f"plan {plan_in.plan_id}")
    body = read_notice(plan_in.geojson, party=service.party, source="geojson")
    plan = Plan(plan_id=plan_in.plan_id, party=service.party, **body)
    conflicts = await asyncio.to_thread(book_of(request).add_plan, plan)
    return {"plan_id": plan.plan_id, "conflicts": conflicts}


@router.delete("/plans/{plan_id}")
async def delete_plan(plan_id: str, request: Request, op: Operator) -> dict[str, Any]:
    service = service_of(request)
    await _authorize_planning(request, op, f"plan {plan_id} removed")

    def remove() -> bool:
        with service.db.writing() as conn:
            return queries.delete_plan(conn, plan_id)

    if not await asyncio.to_thread(remove):
        raise NotFoundError(f"no plan {plan_id[:40]!r}", field="plan_id")
    return {"deleted": plan_id}
