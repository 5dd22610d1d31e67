"""The reading pages: channel status, inbox, outbox, alarms, log, map (and their JSON twins).

Each page is a full HTML page, a fragment the page re-fetches when the event
stream says something changed (``…/rows``), and a ``.json`` twin; all three
come from the same query function in ``detente.web.queries``. The one
action here, acknowledging, is refused unless the role allows it.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from detente.api.authority_gate import submit
from detente.errors import ValidationError
from detente.link.outgoing import Draft
from detente.node.operators import Action
from detente.store import logs, track_history
from detente.store.audit import AuditAction
from detente.web import mapdata, queries
from detente.web.context import CurrentViewer, Viewer, checked_form, service_of
from detente.web.templating import render

router = APIRouter(include_in_schema=False)

ENTRY_ID = re.compile(r"^[0-9a-f]{64}$")


def _evidence_available(request: Request) -> bool:
    return any(
        getattr(route, "path", "").startswith("/api/v1/evidence") for route in request.app.routes
    )


async def _page(
    request: Request, who: Viewer, template: str, key: str, data: Any, **extra: Any
) -> HTMLResponse:
    return render(request, template, {key: data, **extra}, who=who)


# status ------------------------------------------------------------------------


@router.get("/ui/", response_model=None)
async def status_page(request: Request, who: CurrentViewer) -> HTMLResponse:
    data = await asyncio.to_thread(queries.status_view, service_of(request))
    return await _page(request, who, "status.html", "status", data)


@router.get("/ui/status/rows", response_model=None)
async def status_rows(request: Request, who: CurrentViewer) -> HTMLResponse:
    data = await asyncio.to_thread(queries.status_view, service_of(request))
    return await _page(request, who, "_status.html", "status", data)


@router.get("/ui/status.json")
async def status_json(request: Request, _who: CurrentViewer) -> dict[str, Any]:
    return await asyncio.to_thread(queries.status_view, service_of(request))


# inbox and outbox --------------------------------------------------------------


@router.get("/ui/inbox", response_model=None)
async def inbox_page(request: Request, who: CurrentViewer) -> HTMLResponse:
    rows = await asyncio.to_thread(queries.inbox_view, service_of(request), who.lang)
    return await _page(request, who, "inbox.html", "entries", rows)


@router.get("/ui/inbox/rows", response_model=None)
async def inbox_rows(request: Request, who: CurrentViewer) -> HTMLResponse:
    rows = await asyncio.to_thread(queries.inbox_view, service_of(request), who.lang)
    return await _page(request, who, "_inbox.html", "entries", rows)


@router.get("/ui/inbox.json")
async def inbox_json(request: Request, who: CurrentViewer) -> dict[str, Any]:
    return {"entries": await asyncio.to_thread(queries.inbox_view, service_of(request), who.lang)}


@router.get("/ui/outbox", response_model=None)
async def outbox_page(request: Request, who: CurrentViewer) -> HTMLResponse:
    rows = await asyncio.to_thread(queries.outbox_view, service_of(request), who.lang)
    return await _page(request, who, "outbox.html", "entries", rows)


@router.get("/ui/outbox/rows", response_model=None)
async def outbox_rows(request: Request, who: CurrentViewer) -> HTMLResponse:
    rows = await asyncio.to_thread(queries.outbox_view, service_of(request), who.lang)
    return await _page(request, who, "_outbox.html", "entries", rows)


@router.get("/ui/outbox.json")
async def outbox_json(request: Request, who: CurrentViewer) -> dict[str, Any]:
    return {"entries": await asyncio.to_thread(queries.outbox_view, service_of(request), who.lang)}


def acknowledge(request: Request, ref: str, who: Viewer) -> None:
    """Sign "read and understood" of a peer's entry, through the authority gate (audited)."""
    service = service_of(request)
    if not ENTRY_ID.match(ref):
        raise ValidationError("not an entry id", field="ref")
    with service.db.reading() as conn:
        found = logs.entry_by_id(conn, ref)
    if found is None or found.party == service.party:
        raise ValidationError("no entry of a peer with this id on this node", field="ref")
    body = {"ref": ref, "role": who.operator.role, "officer": who.operator.name}
    submit(
        request,
        (who.operator.name, who.operator.role),
        found.channel_id,
        [Draft("acknowledge", body, refs=(ref,))],
        AuditAction.ACKNOWLEDGE,
    )


@router.post("/ui/inbox/{entry_id}/ack", response_model=None)
async def acknowledge_entry(entry_id: str, request: Request, who: CurrentViewer) -> Response:
    await checked_form(request, who, Action.ACKNOWLEDGE)
    await asyncio.to_thread(acknowledge, request, entry_id, who)
    return RedirectResponse("/ui/inbox", status_code=303)


# alarms ------------------------------------------------------------------------


@router.get("/ui/alarms", response_model=None)
async def alarms_page(request: Request, who: CurrentViewer) -> HTMLResponse:
    rows = await asyncio.to_thread(queries.alarms_view, service_of(request))
    return await _page(request, who, "alarms.html", "alarms", rows)


@router.get("/ui/alarms/rows", response_model=None)
async def alarms_rows(request: Request, who: CurrentViewer) -> HTMLResponse:
    rows = await asyncio.to_thread(queries.alarms_view, service_of(request))
    return await _page(request, who, "_alarms.html", "alarms", rows)


@router.get("/ui/alarms.json")
async def alarms_json(request: Request, _who: CurrentViewer) -> dict[str, Any]:
    return {"alarms": await asyncio.to_thread(queries.alarms_view, service_of(request))}


# log ---------------------------------------------------------------------------


@router.get("/ui/log", response_model=None)
async def log_page(request: Request, who: CurrentViewer) -> HTMLResponse:
    data = await asyncio.to_thread(queries.log_view, service_of(request))
    return await _page(request, who, "log.html", "log", data, evidence=_evidence_available(request))


@router.get("/ui/log.json")
async def log_json(request: Request, _who: CurrentViewer) -> dict[str, Any]:
    return await asyncio.to_thread(queries.log_view, service_of(request))


# map (the incidents board is in detente.web.incidents) ---------------------------


@router.get("/ui/map", response_model=None)
async def map_page(request: Request, who: CurrentViewer) -> HTMLResponse:
    shown = {
        "replay_span_s": mapdata.REPLAY_SPAN_S,
        "history_every_s": track_history.EVERY_S,
        "history_max_age_s": track_history.MAX_AGE_S,
    }
    return render(request, "map.html", shown, who=who)


@router.get("/ui/map.json")
async def map_json(request: Request, _who: CurrentViewer, at: str | None = None) -> dict[str, Any]:
    """Every layer, live, or replayed at ``?at=<epoch seconds>``."""
    at_t = mapdata.finite_epoch(at, "at")
    return await asyncio.to_thread(mapdata.map_view, service_of(request), at_t=at_t)
