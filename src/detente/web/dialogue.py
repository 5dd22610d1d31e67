"""Dialogue page: meetings with readouts side by side, joint statements, endorsement.

The page and ``/ui/dialogue.json`` both come from ``dialogue_view``. Endorsing
signs the statement's text hash as it stands, so the words shown are the
words endorsed; only roles allowed to endorse may.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from detente.api.authority_gate import submit
from detente.api.operator_dialogue import dialogue_view
from detente.api.state import service_of
from detente.errors import ValidationError
from detente.i18n.ui import gettext_for
from detente.link.outgoing import Draft
from detente.node.dialogue import endorsement_body
from detente.node.operators import Action
from detente.store import logs
from detente.store.audit import AuditAction
from detente.web.context import CurrentViewer, Viewer, checked_form
from detente.web.templating import render
from detente.wire.enums import Precedence, Tier

router = APIRouter(include_in_schema=False)

ENTRY_ID = re.compile(r"^[0-9a-f]{64}$")


@router.get("/ui/dialogue", response_model=None)
async def dialogue_page(request: Request, who: CurrentViewer) -> HTMLResponse:
    data = await asyncio.to_thread(dialogue_view, service_of(request))
    return render(request, "dialogue.html", {"dialogue": data}, who=who)


@router.get("/ui/dialogue/rows", response_model=None)
async def dialogue_rows(request: Request, who: CurrentViewer) -> HTMLResponse:
    data = await asyncio.to_thread(dialogue_view, service_of(request))
    return render(request, "_dialogue.html", {"dialogue": data}, who=who)


@router.get("/ui/dialogue.json")
async def dialogue_json(request: Request, _who: CurrentViewer) -> dict[str, Any]:
    return await asyncio.to_thread(dialogue_view, service_of(request))


def endorse(request: Request, statement_id: str, who: Viewer) -> str | None:
    """Endorse, or hold for release when the role may not sign a policy-tier statement.

    Returns the reason it was held, or None when it was signed.
    """
    service = service_of(request)
    if not ENTRY_ID.match(statement_id):
        raise ValidationError("not an entry id", field="statement")
    with service.db.reading() as conn:
        found = logs.entry_by_id(conn, statement_id)
        if found is None:
            raise ValidationError("no such statement on this node", field="statement")
        body = endorsement_body(conn, service.registry, statement_id)
    outcome = submit(
        request,
        (who.operator.name, who.operator.role),
        found.channel_id,
        [Draft("endorse", body, Precedence.PRIORITY, Tier.POLICY, (statement_id,))],
        AuditAction.ENDORSE,
    )
    return outcome.held.reason if outcome.held is not None else None


@router.post("/ui/dialogue/{statement_id}/endorse", response_model=None)
async def endorse_statement(statement_id: str, request: Request, who: CurrentViewer) -> Response:
    await checked_form(request, who, Action.ENDORSE)
    held = await asyncio.to_thread(endorse, request, statement_id, who)
    if held is None:
        return RedirectResponse("/ui/dialogue", status_code=303)
    _ = gettext_for(who.lang)
    data = await asyncio.to_thread(dialogue_view, service_of(request))
    notice = _("Held for release by a second person: {reason}").format(reason=held)
    return render(request, "dialogue.html", {"dialogue": data, "notice": notice}, who=who)
