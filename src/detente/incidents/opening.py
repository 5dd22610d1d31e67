"""How an incident is opened: the event key both sides compute, and the opening body.

Both nodes may open an incident for the same encounter at once; they agree
on the event key without talking because it is derived from the event
itself: the sorted pair of track ids (hashed, so any id fits) and the
minute of the alert. ``state`` merges openings with equal keys.

This module must never send or store anything; it returns bodies.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from detente.deconflict.alert import EncounterAlertBody, EncounterUnit
from detente.incidents.bodies import IncidentOpenBody, IncidentType, Link
from detente.incidents.levels import propose_level

ENCOUNTER_KEY_PREFIX = "encounter:"


def pair_digest(track_a: str, track_b: str) -> str:
    """The same 16 hex digits for a pair whichever side lists it first."""
    low, high = sorted((track_a, track_b))
    return hashlib.sha256(f"{low}\x00{high}".encode()).hexdigest()[:16]


def encounter_event_key(track_a: str, track_b: str, alert_t: datetime) -> str:
    """``encounter:<pair digest>:<UTC minute of the alert>``."""
    minute = alert_t.astimezone(UTC).strftime("%Y%m%dT%H%MZ")
    return f"{ENCOUNTER_KEY_PREFIX}{pair_digest(track_a, track_b)}:{minute}"


def encounter_pair_prefix(alert: EncounterAlertBody) -> str:
    """What every event key of this pair starts with, whatever the minute."""
    return f"{ENCOUNTER_KEY_PREFIX}{pair_digest(alert.a.track, alert.b.track)}:"


def _unit(unit: EncounterUnit) -> str:
    who = unit.name or unit.track
    party = f" ({unit.party})" if unit.party else ""
    return (
        f"{who}{party} at {unit.lat_deg:.4f}, {unit.lon_deg:.4f}, course "
        f"{unit.course_deg:.0f}°, speed {unit.speed_mps * 3600 / 1852:.1f} kn"
    )


def alert_tags(alert: EncounterAlertBody) -> list[str]:
    tags: list[str] = [alert.level]
    if alert.level == "critical":
        tags.append("collision_risk")
    return tags


def opening_from_alert(
    alert: EncounterAlertBody, alert_id: str, alert_t: datetime
) -> IncidentOpenBody:
    """The ``incident_open`` body for an encounter alert entry."""
    kind = (
        IncidentType.UNSAFE_ENCOUNTER_SEA
        if alert.a.domain == "sea" and alert.b.domain == "sea"
        else IncidentType.UNSAFE_INTERCEPT_AIR
    )
    names = " / ".join(u.name or u.track for u in (alert.a, alert.b))
    tags = alert_tags(alert)
    return IncidentOpenBody(
        type=kind,
        title=f"{alert.level.capitalize()} encounter: {names}"[:200],
        facts=[
            f"Predicted closest point of approach {alert.cpa_m:.0f} m at "
            f"{alert.cpa_time.astimezone(UTC):%Y-%m-%d %H:%M:%S}Z "
            f"(in {alert.tcpa_s:.0f} s).",
            f"Range {alert.range_m:.0f} m when alerted; vertical separation {alert.vsep_m:.0f} m.",
            f"Unit A: {_unit(alert.a)}.",
            f"Unit B: {_unit(alert.b)}.",
        ],
        tags=tags,
        level=int(propose_level(tags)),
        event_key=encounter_event_key(alert.a.track, alert.b.track, alert_t),
        links=[
            Link(kind="entry", id=alert_id),
            Link(kind="encounter", id=alert.encounter_id),
            Link(kind="track", id=alert.a.track[:200]),
            Link(kind="track", id=alert.b.track[:200]),
        ],
        domain=alert.a.domain,
    )


def report_event_key(party: str, title: str, t: datetime) -> str:
    """An operator's report is its own event: keyed by who, what and when."""
    digest = hashlib.sha256(f"{party}\x00{title}\x00{t.isoformat()}".encode()).hexdigest()[:16]
    return f"report:{party}:{digest}"
