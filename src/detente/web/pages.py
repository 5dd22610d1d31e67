"""The reading pages: channel status, inbox, outbox, alarms, log, map (and their JSON twins).

Each page is a full HTML page, a fragment the page re-fetches when the event
stream says something changed (``…/rows``), and a ``.json`` twin; all three
come from the same query function in ``detente.web.queries``. The one
action here, acknowledging, is refused unless the role allows it.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from detente.api.authority_gate import submit
from detente.api.state import service_of
from detente.errors import ValidationError
from detente.link.outgoing import Draft
from detente.node.operators import Action
from detente.node.service import NodeService
from detente.store import logs, track_history
from detente.store.audit import AuditAction
from detente.web import mapdata, queries
from detente.web.context import CurrentViewer, Viewer, checked_form
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


View = Callable[[NodeService, str], Any]
"""What a page shows, from the node and the viewer's language."""


def _serve(name: str, page_path: str, key: str, view: View, *, wrap_json: bool) -> None:
    """One view three ways: the page ``name.html`` at ``page_path``, its fragment
    ``_name.html`` at ``/ui/name/rows`` (re-fetched when the event stream says something
    changed) and its JSON twin at ``/ui/name.json`` (``{key: data}`` with ``wrap_json``)."""

    async def load(request: Request, who: Viewer) -> Any:
        return await asyncio.to_thread(view, service_of(request), who.lang)

    async def page(request: Request, who: CurrentViewer) -> HTMLResponse:
        return await _page(request, who, f"{name}.html", key, await load(request, who))

    async def rows(request: Request, who: CurrentViewer) -> HTMLResponse:
        return await _page(request, who, f"_{name}.html", key, await load(request, who))

    async def as_json(request: Request, who: CurrentViewer) -> Any:
        data = await load(request, who)
        return {key: data} if wrap_json else data

    for path, endpoint, suffix in (
        (page_path, page, "page"),
        (f"/ui/{name}/rows", rows, "rows"),
        (f"/ui/{name}.json", as_json, "json"),
    ):
        router.add_api_route(
            path, endpoint, methods=["GET"], response_model=None, name=f"{name}_{suffix}"
        )


_serve("status", "/ui/", "status", lambda service, _: queries.status_view(service), wrap_json=False)
_serve("inbox", "/ui/inbox", "entries", queries.inbox_view, wrap_json=True)
_serve("outbox", "/ui/outbox", "entries", queries.outbox_view, wrap_json=True)


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

_serve(
    "alarms",
    "/ui/alarms",
    "alarms",
    lambda service, _: queries.alarms_view(service),
    wrap_json=True,
)


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
