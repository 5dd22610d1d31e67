"""Server-sent events: "something changed" per topic, so pages re-fetch their fragments.

The stream carries no data worth protecting, only topic names; pages react
by asking for fresh HTML with their own session. Changes are found by
polling the change marks (``detente.web.marks``) every ``events_poll_s``.
A stream ends after ``events_max_s`` (the browser reconnects by itself and
sends back the last ``id``, which carries the topics' marks, so nothing that
changed in between is missed), so a node shutting down never waits long on
an open dashboard.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from detente.api.state import service_of
from detente.node.service import NodeService
from detente.web import marks
from detente.web.context import CurrentViewer, web_settings
from detente.web.marks import TOPICS, Marks, encode

router = APIRouter(include_in_schema=False)


def _changes(seen: Marks, now: Marks) -> bytes:
    changed = [topic for topic in TOPICS if now.get(topic) != seen.get(topic)]
    # Every event carries the id: a browser keeps the last id only of events it dispatched.
    mark_id = encode(now)
    return "".join(f"event: {t}\nid: {mark_id}\ndata: changed\n\n" for t in changed).encode()


async def stream(request: Request, service: NodeService) -> AsyncIterator[bytes]:
    """Topic events until ``events_max_s``, from the marks the page or the last event had."""
    settings = web_settings(request)
    now = await asyncio.to_thread(marks.current, service)
    # Last-Event-ID on a reconnect, else the marks the page was rendered with.
    last = marks.decode(request.headers.get("last-event-id")) or marks.decode(
        request.query_params.get("since")
    )
    caught_up = _changes(last, now) if last else b""
    hello = f"retry: 1000\nevent: marks\nid: {marks.encode(now)}\ndata: ready\n\n"
    yield hello.encode() + caught_up
    seen = now
    stop_at = time.monotonic() + settings.events_max_s
    while time.monotonic() < stop_at:
        await asyncio.sleep(settings.events_poll_s)
        if await request.is_disconnected():
            return
        now = await asyncio.to_thread(marks.current, service)
        yield _changes(seen, now) or b": keep-alive\n\n"
        seen = now


@router.get("/ui/events", response_model=None)
async def events(request: Request, _who: CurrentViewer) -> StreamingResponse:
    return StreamingResponse(
        stream(request, service_of(request)),
        media_type="text/event-stream",
        headers={"cache-control": "no-store", "x-accel-buffering": "no"},
    )
