"""What the map page draws, live or replayed at one instant: one query for all its JSON.

Layers: tracks (latest state each), encounters with each unit's predicted
run to the closest point of approach, activity volumes (both parties'
notices and our private plans) and their conflicts. A replay at ``at_t``
shows each track where its thinned history (``store/track_history.py``) last
had it at or before that instant, if it reported within ``MAX_AGE_S`` before;
the encounters alive then (first alert to clearing) with their last stored
prediction; and the volumes and conflicts whose windows include that
instant; ``replay.shows`` says so. This module only reads; it must never
write.
"""

from __future__ import annotations

import math
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from detente.errors import ValidationError
from detente.geo.distance import destination_deg
from detente.node.service import NodeService
from detente.store import activities, track_history, tracks
from detente.store.schema import tracks as track_table

REPLAY_SPAN_S = 2 * 3600.0
"""How far back the replay slider reaches from now."""

REPLAY_SHOWS = (
    f"tracks (last state at or before the instant, within {track_history.MAX_AGE_S:.0f} s), "
    "encounters (first alert to clearing, last prediction) and active volumes"
)
"""``replay.shows`` of a replay; the history keeps ``REPLAY_SPAN_S`` and more of tracks."""


def _epoch(iso: object) -> float | None:
    if not isinstance(iso, str):
        return None
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _window_holds(window: object, t: float) -> bool:
    """A volume's window includes ``t`` (a window without bounds is always on)."""
    if not isinstance(window, dict):
        return True
    start = _epoch(window.get("start"))
    end = _epoch(window.get("end"))
    return (start is None or start <= t) and (end is None or t <= end)


def _window_not_over(window: object, now_t: float) -> bool:
    if not isinstance(window, dict):
        return True
    end = _epoch(window.get("end"))
    return end is None or end >= now_t


def predicted_run(state: dict[str, Any], tcpa_s: float) -> list[list[float]]:
    """[lat, lon] from the unit's position to where its velocity takes it at the CPA."""
    lat, lon = float(state["lat_deg"]), float(state["lon_deg"])
    run_m = max(0.0, float(state.get("speed_mps") or 0.0) * max(0.0, tcpa_s))
    if run_m == 0.0:
        return [[lat, lon], [lat, lon]]
    end_lat, end_lon = destination_deg(lat, lon, float(state.get("course_deg") or 0.0), run_m)
    return [[lat, lon], [float(end_lat), float(end_lon)]]


def _encounter(row: dict[str, Any], latest: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """An encounter with the states it was last predicted from (else the tracks' latest)."""
    a = row.get("a_state") or latest.get(row["track_a"])
    b = row.get("b_state") or latest.get(row["track_b"])
    tcpa_s = float(row.get("tcpa_s") or 0.0)
    cpa_m = row.get("cpa_m")
    return {
        "encounter": row["encounter_id"],
        "domain": row["domain"],
        "track_a": row["track_a"],
        "track_b": row["track_b"],
        "party_a": row["party_a"],
        "party_b": row["party_b"],
        "level": row["level"],
        "max_level": row["max_level"],
        "first_alert_t": float(row["first_alert_t"]),
        "closest_m": float(row["closest_m"]),
        "closest_t": float(row["closest_t"]),
        "cpa_m": float(cpa_m) if cpa_m is not None else None,
        "tcpa_s": tcpa_s,
        "cpa_t": row.get("cpa_t"),
        "open": row["cleared_t"] is None,
        "cleared_t": row["cleared_t"],
        "a": [a["lat_deg"], a["lon_deg"]] if isinstance(a, dict) else None,
        "b": [b["lat_deg"], b["lon_deg"]] if isinstance(b, dict) else None,
        "cpa_lines": [
            {"track": s["track"], "party": s.get("party"), "path": predicted_run(s, tcpa_s)}
            for s in (a, b)
            if isinstance(s, dict) and tcpa_s > 0
        ],
    }


def _alive_at(row: dict[str, Any], t: float) -> bool:
    cleared = row["cleared_t"]
    return float(row["first_alert_t"]) <= t and (cleared is None or float(cleared) >= t)


def _volumes_of(
    source: str, ref: str, party: str, kind: str, title: str, volumes: object
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for index, volume in enumerate(volumes if isinstance(volumes, list) else []):
        if not isinstance(volume, dict):
            continue
        circle = volume.get("circle")
        polygon = volume.get("polygon")
        out.append(
            {
                "source": source,
                "ref": ref,
                "index": index,
                "party": party,
                "kind": kind,
                "title": title,
                "window": volume.get("window"),
                "altitude": volume.get("altitude"),
                "polygon": polygon if isinstance(polygon, dict) else None,
                "circle": (
                    {"center": circle["center"], "radius_m": float(circle["radius_m"])}
                    if isinstance(circle, dict)
                    else None
                ),
            }
        )
    return out


def _notices(raw: list[tuple[str, str, str, dict[str, Any], float]]) -> list[dict[str, Any]]:
    """Notices in force: updates folded in, cancelled ones dropped (as the API lists them)."""
    active: dict[str, dict[str, Any]] = {}
    for entry_id, _channel, party, payload, _t in raw:
        kind, body = payload.get("kind"), payload.get("body", {})
        if kind == "activity_notice":
            active[entry_id] = {"id": entry_id, "party": party, **body}
        elif kind == "activity_update" and body.get("ref") in active:
            active[body["ref"]].update({k: v for k, v in body.items() if k != "ref"})
        elif kind == "activity_cancel":
            active.pop(str(body.get("ref")), None)
    return list(active.values())


def map_view(
    service: NodeService,
    *,
    at_t: float | None = None,
    now_t: float | None = None,
    limit: int = 2000,
) -> dict[str, Any]:
    """Every map layer, live (``at_t`` None) or replayed at ``at_t``; see the module text."""
    now = service.now() if now_t is None else now_t
    with service.db.reading() as conn:
        track_out = _tracks_now(conn, now, limit) if at_t is None else _tracks_at(conn, at_t, limit)
        encounter_rows = tracks.list_encounters(conn, limit=limit)
        notices = _notices(activities.activity_entries(conn))
        plans = activities.list_plans(conn)
        conflicts = activities.list_conflicts(conn, limit=limit)
    volumes: list[dict[str, Any]] = []
    for notice in notices:
        volumes += _volumes_of(
            "notice",
            notice["id"],
            notice["party"],
            str(notice.get("kind", "")),
            str(notice.get("title", "")),
            notice.get("volumes"),
        )
    for plan in plans:
        volumes += _volumes_of(
            "plan",
            f"plan:{plan.get('plan_id', '')}",
            str(plan.get("party", service.party)),
            str(plan.get("kind", "")),
            str(plan.get("title", "")),
            plan.get("volumes"),
        )
    conflict_out = [
        {**c, "window": {"start": c.get("start"), "end": c.get("end")}}
        for c in conflicts
        if isinstance(c.get("region"), dict)
    ]
    # Where each track was at the instant shown (live: now), for encounters without states.
    latest = {t["track"]: t for t in track_out}
    if at_t is None:
        shown_volumes = [v for v in volumes if _window_not_over(v["window"], now)]
        shown_conflicts = [c for c in conflict_out if _window_not_over(c["window"], now)]
        shown_encounters = encounter_rows
    else:
        shown_volumes = [v for v in volumes if _window_holds(v["window"], at_t)]
        shown_conflicts = [c for c in conflict_out if _window_holds(c["window"], at_t)]
        shown_encounters = [r for r in encounter_rows if _alive_at(r, at_t)]
    return {
        "party": service.party,
        "now_t": now,
        "replay": {
            "at_t": at_t,
            "from_t": now - REPLAY_SPAN_S,
            "to_t": now,
            "shows": REPLAY_SHOWS if at_t is not None else "live",
        },
        "tracks": track_out,
        "encounters": [_encounter(r, latest) for r in shown_encounters],
        "volumes": shown_volumes,
        "conflicts": shown_conflicts,
    }


def _tracks_now(conn: Connection, now: float, limit: int) -> list[dict[str, Any]]:
    """Every track's latest state; one silent longer than a replay would show is ``stale``.

    A stale track stays on the live map, drawn faded, because a unit that
    stopped reporting is itself news to a watch officer; a replay, which
    answers "what was where", leaves it out instead.
    """
    query = select(track_table).order_by(track_table.c.t.desc()).limit(limit)
    out = []
    for r in conn.execute(query):
        track = _track(r._mapping)
        track["stale"] = now - track["t"] > track_history.MAX_AGE_S
        out.append(track)
    return out


def _tracks_at(conn: Connection, at_t: float, limit: int) -> list[dict[str, Any]]:
    """From the history: the latest table has moved on since ``at_t``.

    ``states_at`` shows only states recent at ``at_t``, so none is stale.
    """
    states = track_history.states_at(conn, at_t, limit=limit)
    return [{**_track(asdict(s)), "stale": False} for s in states]


def _track(m: Any) -> dict[str, Any]:
    return {
        "track": m["track"],
        "party": m["party"],
        "name": m["name"],
        "domain": m["domain"],
        "t": float(m["t"]),
        "lat_deg": float(m["lat_deg"]),
        "lon_deg": float(m["lon_deg"]),
        "alt_m": float(m["alt_m"]),
        "speed_mps": float(m["speed_mps"]),
        "course_deg": float(m["course_deg"]),
    }


def finite_epoch(value: str | None, field_name: str) -> float | None:
    """``?at=`` as epoch seconds, or None; anything else is refused naming the field."""
    if value is None or value == "":
        return None
    try:
        t = float(value)
    except ValueError:
        raise ValidationError("not a number of seconds", field=field_name) from None
    if not math.isfinite(t) or t < 0:
        raise ValidationError("not a time", field=field_name)
    return t
