"""Queries on the latest track states and on encounters, for the map and incidents."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select, update

from detente.deconflict.track import TrackState
from detente.store.schema import encounters, tracks


def put_latest(conn: Connection, states: Sequence[TrackState]) -> None:
    """Keep only each track's newest state."""
    newest: dict[str, TrackState] = {}
    for state in states:
        held = newest.get(state.track)
        if held is None or state.t >= held.t:
            newest[state.track] = state
    if not newest:
        return
    conn.execute(delete(tracks).where(tracks.c.track.in_(list(newest))))
    conn.execute(insert(tracks), [state_row(s) for s in newest.values()])


def state_row(state: TrackState) -> dict[str, Any]:
    """A state as a row of ``tracks`` or ``track_history`` (both have these columns)."""
    return {
        "track": state.track,
        "party": state.party,
        "name": state.name,
        "domain": state.domain,
        "t": state.t,
        "lat_deg": state.lat_deg,
        "lon_deg": state.lon_deg,
        "alt_m": state.alt_m,
        "speed_mps": state.speed_mps,
        "course_deg": state.course_deg,
        "vrate_mps": state.vrate_mps,
    }


def state_of(row: Row[Any]) -> TrackState:
    """A selected ``tracks`` or ``track_history`` row as a state."""
    return TrackState(
        track=row.track,
        t=float(row._mapping["t"]),
        lat_deg=row.lat_deg,
        lon_deg=row.lon_deg,
        speed_mps=row.speed_mps,
        course_deg=row.course_deg,
        alt_m=row.alt_m,
        vrate_mps=row.vrate_mps,
        domain=row.domain,
        party=row.party,
        name=row.name,
    )


def latest(
    conn: Connection, *, since_t: float | None = None, limit: int = 20_000
) -> list[TrackState]:
    query = select(tracks).order_by(tracks.c.t.desc()).limit(limit)
    if since_t is not None:
        query = query.where(tracks.c.t >= since_t)
    return [state_of(r) for r in conn.execute(query)]


def put_encounter(conn: Connection, row: dict[str, Any]) -> None:
    """Create or refresh an encounter's row; alert bookkeeping columns are kept."""
    exists = conn.execute(
        select(encounters.c.encounter_id).where(encounters.c.encounter_id == row["encounter_id"])
    ).first()
    if exists:
        values = {k: v for k, v in row.items() if k != "encounter_id"}
        conn.execute(
            update(encounters)
            .where(encounters.c.encounter_id == row["encounter_id"])
            .values(**values)
        )
    else:
        conn.execute(insert(encounters).values(**row))


def alert_state(conn: Connection, encounter_id: str) -> tuple[str | None, float | None]:
    row = conn.execute(
        select(encounters.c.alerted_level, encounters.c.alerted_t).where(
            encounters.c.encounter_id == encounter_id
        )
    ).first()
    return (row.alerted_level, row.alerted_t) if row else (None, None)


def mark_alerted(
    conn: Connection, encounter_id: str, level: str, alert_id: str | None, t: float
) -> None:
    conn.execute(
        update(encounters)
        .where(encounters.c.encounter_id == encounter_id)
        .values(alerted_level=level, alert_id=alert_id, alerted_t=t)
    )


def list_encounters(
    conn: Connection, *, open_only: bool = False, limit: int = 500
) -> list[dict[str, Any]]:
    query = select(encounters).order_by(encounters.c.first_alert_t.desc()).limit(limit)
    if open_only:
        query = query.where(encounters.c.cleared_t.is_(None))
    out = []
    for r in conn.execute(query):
        item = dict(r._mapping)
        item.update(json.loads(item.pop("data")))
        out.append(item)
    return out
