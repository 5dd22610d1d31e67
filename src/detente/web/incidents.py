"""The incidents board and incident pages (with JSON twins), the playbook step button
and the after-action report for a dashboard session.

Read models come from ``detente.node.incidents`` (the operator API's own);
this module only arranges them for a page. The one action, sending the next
playbook step, checks CSRF and the role first, then passes the same
authority gate as the operator API (audited) before the node signs it; it
must never sign anything the gate has not allowed.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from detente.api import authority_gate as gate
from detente.api.state import service_of
from detente.errors import ValidationError
from detente.i18n.summaries import summarise
from detente.incidents.state import State
from detente.link.outgoing import Draft
from detente.node import incidents
from detente.node.operators import Action
from detente.node.service import NodeService
from detente.store.audit import AuditAction
from detente.web.context import CurrentViewer, Viewer, checked_form
from detente.web.templating import render
from detente.wire.enums import Precedence, Tier

router = APIRouter(include_in_schema=False)

INCIDENT_ID = re.compile(r"^[0-9a-f]{64}$")
STEP_ID = re.compile(r"^[a-z0-9_]{1,64}$")

TYPE_LABELS = {
    "unsafe_encounter_sea": "Unsafe encounter at sea",
    "unsafe_intercept_air": "Unsafe intercept in the air",
    "activity_conflict": "Activity conflict",
    "predicted_incursion": "Predicted incursion",
    "operator_report": "Operator report",
}

STATE_LABELS = {
    "opened": "Opened",
    "acknowledged": "Acknowledged",
    "in_dialogue": "In dialogue",
    "resolved": "Resolved",
    "closed_one_sided": "Closed by one side",
}


def checked_id(incident_id: str) -> str:
    if not INCIDENT_ID.match(incident_id):
        raise ValidationError("not an incident id", field="incident")
    return incident_id


def board_view(service: NodeService) -> dict[str, Any]:
    """Incidents in columns by state (every state has a column), highest level first."""
    found = incidents.list_incidents(service)
    columns = []
    for state in State:
        cards = [i for i in found if i["state"] == state.value]
        cards.sort(key=lambda i: (-int(str(i["level"])), str(i["opened_t"])))
        columns.append({"state": state.value, "incidents": cards})
    return {"party": service.party, "columns": columns, "count": len(found)}


def detail_view(service: NodeService, incident_id: str, lang: str) -> dict[str, Any]:
    """The node's incident detail, each timeline row with a one-line summary to read."""
    shown: dict[str, Any] = dict(incidents.detail(service, checked_id(incident_id)))
    rows = []
    for row in shown.get("timeline", []):
        item = dict(row)
        body = item.get("body")
        item["summary"] = summarise(
            str(item.get("kind", "")), body if isinstance(body, dict) else {}, lang, None
        )
        rows.append(item)
    shown["timeline"] = rows
    return shown


def send_step(request: Request, incident_id: str, step_id: str | None, who: Viewer) -> None:
    """The playbook's next step (or the one named), through the authority gate (audited).

    The gate judges the step as it will be sent: its kind and precedence, at
    the incident's tier.
    """
    service = service_of(request)
    shown = incidents.detail(service, checked_id(incident_id))
    if step_id is not None and not STEP_ID.match(step_id):
        raise ValidationError("not a step id", field="step")
    steps = shown.get("steps")
    chosen = next(
        (
            s
            for s in (steps if isinstance(steps, list) else [])
            if isinstance(s, dict) and (s.get("id") == step_id if step_id else not s.get("done"))
        ),
        None,
    )
    if chosen is None:
        raise ValidationError("no such step left to send", field="step")
    kind = str(chosen.get("kind") or "phrase")
    draft = Draft(kind, {}, Precedence(str(chosen["precedence"])), Tier(str(shown["tier"])))
    gate.authorize_direct(
        request,
        (who.operator.name, who.operator.role),
        [draft],
        AuditAction.SEND,
        f"incident {incident_id[:16]} step {chosen.get('id')}",
    )
    incidents.send_step(service, incident_id, step_id)


def _labels() -> dict[str, Any]:
    return {"type_labels": TYPE_LABELS, "state_labels": STATE_LABELS}


# board -------------------------------------------------------------------------


@router.get("/ui/incidents", response_model=None)
async def board_page(request: Request, who: CurrentViewer) -> HTMLResponse:
    data = await asyncio.to_thread(board_view, service_of(request))
    return render(request, "incidents.html", {"board": data, **_labels()}, who=who)


@router.get("/ui/incidents/rows", response_model=None)
async def board_rows(request: Request, who: CurrentViewer) -> HTMLResponse:
    data = await asyncio.to_thread(board_view, service_of(request))
    return render(request, "_incidents.html", {"board": data, **_labels()}, who=who)


@router.get("/ui/incidents.json")
async def board_json(request: Request, _who: CurrentViewer) -> dict[str, Any]:
    return await asyncio.to_thread(board_view, service_of(request))


# one incident ------------------------------------------------------------------


@router.get("/ui/incidents/{incident_id}.json")
async def incident_json(incident_id: str, request: Request, who: CurrentViewer) -> dict[str, Any]:
    return await asyncio.to_thread(detail_view, service_of(request), incident_id, who.lang)


@router.get("/ui/incidents/{incident_id}/report", response_model=None)
async def incident_report(incident_id: str, request: Request, _who: CurrentViewer) -> Response:
    """The after-action report as a file to keep (the API's is for bearer tokens)."""
    text = await asyncio.to_thread(
        incidents.report_html, service_of(request), checked_id(incident_id)
    )
    return HTMLResponse(
        text,
        headers={"content-disposition": f'attachment; filename="incident-{incident_id[:12]}.html"'},
    )


@router.get("/ui/incidents/{incident_id}/timeline", response_model=None)
async def incident_timeline(incident_id: str, request: Request, who: CurrentViewer) -> HTMLResponse:
    data = await asyncio.to_thread(detail_view, service_of(request), incident_id, who.lang)
    return render(request, "_incident.html", {"incident": data, **_labels()}, who=who)


@router.get("/ui/incidents/{incident_id}", response_model=None)
async def incident_page(incident_id: str, request: Request, who: CurrentViewer) -> HTMLResponse:
    data = await asyncio.to_thread(detail_view, service_of(request), incident_id, who.lang)
    return render(request, "incident.html", {"incident": data, **_labels()}, who=who)


@router.post("/ui/incidents/{incident_id}/step", response_model=None)
async def incident_step(incident_id: str, request: Request, who: CurrentViewer) -> Response:
    form = await checked_form(request, who, Action.SEND)
    step_id = form.get("step") or None
    await asyncio.to_thread(send_step, request, incident_id, step_id, who)
    return RedirectResponse(f"/ui/incidents/{checked_id(incident_id)}", status_code=303)
