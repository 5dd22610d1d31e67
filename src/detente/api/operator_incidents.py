"""Operator API for incidents: list, show, assess, work the playbook, close, report, statistics.

Every page has its JSON twin here, built by the same functions in
``detente.node.incidents``; state changes go through ``NodeService.send``
so the incident draft check refuses illegal transitions before signing.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from detente.api import authority_gate as gate
from detente.api.operator import Operator
from detente.api.state import service_of
from detente.errors import NotFoundError
from detente.incidents.bodies import IncidentType
from detente.incidents.levels import scale
from detente.incidents.report import html_to_pdf, pdf_converter
from detente.link.outgoing import Draft
from detente.node import incidents
from detente.node.service import NodeService
from detente.store.audit import AuditAction
from detente.wire.entry import SignedEntry
from detente.wire.enums import Precedence, Tier

router = APIRouter(prefix="/api/v1")

Items = list[str]


class Opening(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: str | None = Field(default=None, pattern=r"^[A-Z]{2,8}$")
    channel: str | None = Field(default=None, pattern=r"^[0-9a-f]{32}$")
    type: IncidentType = IncidentType.OPERATOR_REPORT
    title: str
    facts: Items = Field(min_length=1, max_length=20)
    tags: Items = Field(default_factory=list, max_length=20)
    links: list[dict[str, str]] = Field(default_factory=list, max_length=50)
    level: int | None = Field(default=None, ge=1, le=5)
    event_key: str | None = None


class AssessmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    level: int = Field(ge=1, le=5)
    rationale: str
    lang: str = "en"


class StepIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    step: str | None = None
    """A step id; the next step when omitted."""


class ClosingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Literal["resolved", "one_sided"]
    agreed_facts: Items = Field(min_length=1, max_length=20)
    measures: Items = Field(default_factory=list, max_length=20)
    note: str | None = None
    lang: str = "en"


def _sent(signed: SignedEntry) -> dict[str, Any]:
    return {
        "id": signed.id,
        "seq": signed.entry.seq,
        "t": signed.entry.t,
        "kind": signed.entry.kind,
    }


async def _authorize(request: Request, op: tuple[str, str], kind: str, target: str) -> None:
    """Incident statements sign directly: refuse roles that may not say them; audit all."""
    draft = Draft(kind, {}, Precedence.IMMEDIATE, Tier.THEATER)
    await asyncio.to_thread(gate.authorize_direct, request, op, [draft], AuditAction.SEND, target)


@router.get("/incidents")
async def list_incidents(
    request: Request, _op: Operator, state: str | None = None
) -> dict[str, Any]:
    service = service_of(request)
    return {"incidents": await asyncio.to_thread(incidents.list_incidents, service, state=state)}


@router.get("/incidents/stats")
async def incident_statistics(request: Request, _op: Operator) -> dict[str, Any]:
    """Counts by type and level; median time to peer acknowledgement and to resolution, per side."""
    return await asyncio.to_thread(incidents.statistics, service_of(request))


@router.get("/incidents/levels")
async def levels(_op: Operator, lang: str = "en") -> dict[str, Any]:
    return {"levels": scale(lang)}


def _open(service: NodeService, opening: Opening) -> dict[str, Any]:
    row = service.channel_for(channel_id=opening.channel, peer=opening.to)
    signed = incidents.open_incident(
        service,
        row.channel_id,
        incident_type=opening.type.value,
        title=opening.title,
        facts=opening.facts,
        tags=opening.tags,
        links=[dict(link) for link in opening.links],
        level=opening.level,
        event_key=opening.event_key,
    )
    return _sent(signed)


@router.post("/incidents")
async def open_incident(opening: Opening, request: Request, op: Operator) -> dict[str, Any]:
    await _authorize(request, op, "incident_open", f"incident open {opening.title[:60]}")
    return await asyncio.to_thread(_open, service_of(request), opening)


@router.get("/incidents/{incident_id}")
async def show(incident_id: str, request: Request, _op: Operator) -> dict[str, Any]:
    """The incident with its merged timeline, assessments, playbook progress and next step."""
    return await asyncio.to_thread(incidents.detail, service_of(request), incident_id)


@router.post("/incidents/{incident_id}/assessment")
async def assess(
    incident_id: str, assessment: AssessmentIn, request: Request, op: Operator
) -> dict[str, Any]:
    await _authorize(request, op, "incident_assessment", f"incident {incident_id[:16]} assess")
    signed = await asyncio.to_thread(
        incidents.send_assessment,
        service_of(request),
        incident_id,
        assessment.level,
        assessment.rationale,
        assessment.lang,
    )
    return _sent(signed)


@router.get("/incidents/{incident_id}/next-step")
async def next_step(incident_id: str, request: Request, _op: Operator) -> dict[str, Any]:
    shown = await asyncio.to_thread(incidents.detail, service_of(request), incident_id)
    return {"incident": shown["id"], "next_step": shown["next_step"], "steps": shown["steps"]}


@router.post("/incidents/{incident_id}/steps")
async def send_step(
    incident_id: str, step: StepIn, request: Request, op: Operator
) -> dict[str, Any]:
    await _authorize(request, op, "phrase", f"incident {incident_id[:16]} step")
    """Send the next playbook step (or the one named) as an entry referencing the incident."""
    done, signed = await asyncio.to_thread(
        incidents.send_step, service_of(request), incident_id, step.step
    )
    return {**_sent(signed), "step": done}


@router.post("/incidents/{incident_id}/close")
async def close(
    incident_id: str, closing: ClosingIn, request: Request, op: Operator
) -> dict[str, Any]:
    await _authorize(request, op, "incident_close", f"incident {incident_id[:16]} close")
    signed = await asyncio.to_thread(
        lambda: incidents.close_incident(
            service_of(request),
            incident_id,
            outcome=closing.outcome,
            agreed_facts=closing.agreed_facts,
            measures=closing.measures,
            note=closing.note,
            lang=closing.lang,
        )
    )
    return _sent(signed)


@router.post("/incidents/{incident_id}/endorse")
async def endorse(incident_id: str, request: Request, op: Operator) -> dict[str, Any]:
    await _authorize(request, op, "incident_endorse", f"incident {incident_id[:16]} endorse")
    """Sign the peer's resolution proposal as it stands (bound to its exact words)."""
    signed = await asyncio.to_thread(incidents.endorse_resolution, service_of(request), incident_id)
    return _sent(signed)


@router.get("/incidents/{incident_id}/report", response_class=HTMLResponse)
async def report(incident_id: str, request: Request, _op: Operator) -> HTMLResponse:
    """The after-action report as a standalone HTML page (map plot embedded)."""
    html = await asyncio.to_thread(incidents.report_html, service_of(request), incident_id)
    return HTMLResponse(html)


def _pdf(service: NodeService, incident_id: str) -> bytes:
    if pdf_converter() is None:
        raise NotFoundError("no PDF converter (a headless Chromium) on this node", field="format")
    html = incidents.report_html(service, incident_id)
    with tempfile.TemporaryDirectory(prefix="detente-report-") as folder:
        html_path, pdf_path = Path(folder) / "report.html", Path(folder) / "report.pdf"
        html_path.write_text(html, encoding="utf-8")
        html_to_pdf(html_path, pdf_path)
        return pdf_path.read_bytes()


@router.get("/incidents/{incident_id}/report.pdf")
async def report_pdf(incident_id: str, request: Request, _op: Operator) -> Response:
    """The same report printed to PDF, where the node has a converter."""
    data = await asyncio.to_thread(_pdf, service_of(request), incident_id)
    return Response(data, media_type="application/pdf")


def install(app: FastAPI) -> None:
    """Serve the incident routes and wire incidents into the app's node."""
    incidents.install(app.state.service)
    app.include_router(router)
