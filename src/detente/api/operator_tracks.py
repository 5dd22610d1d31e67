"""Operator API for tracks and encounters: push states in, read the picture out."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from detente.api.operator import Operator
from detente.api.state import service_of
from detente.deconflict.ingest import StateDecoder
from detente.node.encounters import EncounterWatch
from detente.store import tracks as queries

router = APIRouter(prefix="/api/v1")

MAX_LINES = 20_000


class TrackLines(BaseModel):
    """Raw lines as a receiver produced them (AIS NMEA, SBS-1, Mode-S hex, JSON lines)."""

    model_config = ConfigDict(extra="forbid")

    format: str = Field(default="auto", pattern=r"^(auto|ais|sbs|modes|jsonl)$")
    lines: list[str] = Field(min_length=1, max_length=MAX_LINES)


def watch_of(request: Request) -> EncounterWatch:
    watch: EncounterWatch = request.app.state.encounter_watch
    return watch


@router.post("/tracks")
async def post_tracks(lines: TrackLines, request: Request, _op: Operator) -> dict[str, Any]:
    """Decode and queue states for screening; malformed lines are counted, never stored."""
    decoder = StateDecoder(lines.format, source="api")
    now = time.time()
    states = []
    for line in lines.lines:
        states.extend(decoder.feed_line(line, now))
    decoder.finish()
    watch_of(request).ingest(states)
    return {
        "states": len(states),
        "malformed": decoder.malformed_count,
        "malformed_lines": [{"line": m.line, "reason": m.reason} for m in decoder.malformed[:100]],
    }


@router.get("/tracks")
async def get_tracks(request: Request, _op: Operator, limit: int = 5000) -> dict[str, Any]:
    service = service_of(request)

    def read() -> list[dict[str, Any]]:
        with service.db.reading() as conn:
            return [_state(s) for s in queries.latest(conn, limit=min(max(limit, 1), 20_000))]

    return {"tracks": await asyncio.to_thread(read)}


def _state(state: Any) -> dict[str, Any]:
    return {name: getattr(state, name) for name in state.__slots__}


@router.get("/encounters")
async def get_encounters(
    request: Request, _op: Operator, open_only: bool = False
) -> dict[str, Any]:
    service = service_of(request)

    def read() -> list[dict[str, Any]]:
        with service.db.reading() as conn:
            return queries.list_encounters(conn, open_only=open_only)

    return {"encounters": await asyncio.to_thread(read)}
