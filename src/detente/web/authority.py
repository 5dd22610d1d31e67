"""Releases and the audit log: the two-person rule and the record of who did what.

Drafts above their author's authority wait here until a second person with
the authority releases (signs) or rejects them; the rules are the node's
(``detente.node.release``), checked there, not here. The audit page reads
the append-only audit log; nothing on these pages can change it.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from detente.api.authority_gate import actor_of, rules_of
from detente.api.state import service_of
from detente.errors import ValidationError
from detente.i18n.summaries import summarise
from detente.node import operators as accounts
from detente.node import release
from detente.node.operators import Action
from detente.node.service import NodeService
from detente.store import audit, held
from detente.web import forms
from detente.web.context import CurrentViewer, checked_form
from detente.web.templating import render

router = APIRouter(include_in_schema=False)

HELD_ID = re.compile(r"^[0-9a-f]{32}$")


def releases_view(service: NodeService, lang: str) -> list[dict[str, Any]]:
    """Drafts waiting for release, oldest first, each message summarised in ``lang``."""
    with service.db.reading() as conn:
        found = held.list_held(conn, state=held.HELD)
    out = []
    for row in found:
        view = row.to_dict()
        view["summaries"] = [summarise(d.kind, dict(d.body), lang, None) for d in row.drafts]
        out.append(view)
    return out


def audit_view(service: NodeService, *, limit: int = 200) -> list[dict[str, Any]]:
    with service.db.reading() as conn:
        return [r.to_dict() for r in audit.list_records(conn, limit=limit)]


@router.get("/ui/releases", response_model=None)
async def releases_page(request: Request, who: CurrentViewer) -> HTMLResponse:
    rows = await asyncio.to_thread(releases_view, service_of(request), who.lang)
    return render(request, "releases.html", {"held": rows}, who=who)


@router.get("/ui/releases.json")
async def releases_json(request: Request, who: CurrentViewer) -> dict[str, Any]:
    return {"held": await asyncio.to_thread(releases_view, service_of(request), who.lang)}


def _held_id(held_id: str) -> str:
    if not HELD_ID.match(held_id):
        raise ValidationError("not an entry id", field="held_id")
    return held_id


@router.post("/ui/releases/{held_id}/release", response_model=None)
async def release_held(held_id: str, request: Request, who: CurrentViewer) -> Response:
    await checked_form(request, who, Action.RELEASE)
    actor = actor_of(request, (who.operator.name, who.operator.role))
    await asyncio.to_thread(
        release.release, service_of(request), rules_of(request), actor, _held_id(held_id)
    )
    return RedirectResponse("/ui/releases", status_code=303)


@router.post("/ui/releases/{held_id}/reject", response_model=None)
async def reject_held(held_id: str, request: Request, who: CurrentViewer) -> Response:
    form = await checked_form(request, who, Action.RELEASE)
    reason = forms.required(form, "reason")
    actor = actor_of(request, (who.operator.name, who.operator.role))
    await asyncio.to_thread(
        release.reject, service_of(request), rules_of(request), actor, _held_id(held_id), reason
    )
    return RedirectResponse("/ui/releases", status_code=303)


@router.get("/ui/audit", response_model=None)
async def audit_page(request: Request, who: CurrentViewer) -> HTMLResponse:
    accounts.require(who.operator.role, Action.READ_AUDIT)
    rows = await asyncio.to_thread(audit_view, service_of(request))
    return render(request, "audit.html", {"records": rows}, who=who)


@router.get("/ui/audit.json")
async def audit_json(request: Request, who: CurrentViewer) -> dict[str, Any]:
    accounts.require(who.operator.role, Action.READ_AUDIT)
    return {"records": await asyncio.to_thread(audit_view, service_of(request))}
