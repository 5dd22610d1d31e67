"""Queries on the latest track states and on encounters, for the map and incidents."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

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
    conn.execute(
        insert(tracks),
        [
            {
                "track": s.track,
                "party": s.party,
                "name": s.name,
                "domain": s.domain,
                "t": s.t,
                "lat_deg": s.lat_deg,
                "lon_deg": s.lon_deg,
                "alt_m": s.alt_m,
                "speed_mps": s.speed_mps,
                "course_deg": s.course_deg,
                "vrate_mps": s.vrate_mps,
            }
            for s in newest.values()
        ],
    )


def latest(
    conn: Connection, *, since_t: float | None = None, limit: int = 20_000
) -> list[TrackState]:
    query = select(tracks).order_by(tracks.c.t.desc()).limit(limit)
    if since_t is not None:
        query = query.where(tracks.c.t >= since_t)
    return [
        TrackState(
            track=r.track,
            t=float(r._mapping["t"]),
            lat_deg=r.lat_deg,
            lon_deg=r.lon_deg,
            speed_mps=r.speed_mps,
            course_deg=r.course_deg,
            alt_m=r.alt_m,
            vrate_mps=r.vrate_mps,
            domain=r.domain,
            party=r.party,
            name=r.name,
        )
        for r in conn.execute(query)
    ]


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
