"""Entries as the incident fold sees them, built by hand for pure tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from detente.deconflict.alert import EncounterAlertBody, EncounterUnit
from detente.incidents.bodies import (
    IncidentAssessmentBody,
    IncidentCloseBody,
    IncidentEndorseBody,
    IncidentOpenBody,
    close_text_sha256,
)
from detente.incidents.state import IncidentItem
from detente.link.kinds import AcknowledgeBody, EscalationBody
from detente.wire.body import Body

KEY = "encounter:0123456789abcdef:20261127T0900Z"
T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def h(n: int) -> str:
    """A fake entry id; smaller ``n`` sorts first."""
    return f"{n:064x}"


def at(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def item(
    n: int,
    party: str,
    s: float,
    body: Body | None,
    *,
    kind: str | None = None,
    refs: tuple[str, ...] = (),
    raw: dict[str, Any] | None = None,
) -> IncidentItem:
    return IncidentItem(
        entry_id=h(n),
        party=party,
        t=at(s),
        kind=kind or (body.KIND if body is not None else "text"),
        refs=refs,
        body=body,
        raw=raw if raw is not None else (body.model_dump(mode="json") if body else {}),
    )


def opening(
    n: int,
    party: str,
    s: float,
    *,
    key: str = KEY,
    level: int = 3,
    links: list[dict[str, str]] | None = None,
) -> IncidentItem:
    body = IncidentOpenBody.model_validate(
        {
            "type": "unsafe_encounter_sea",
            "title": "Critical encounter",
            "facts": ["CPA 150 m predicted"],
            "tags": ["critical"],
            "level": level,
            "event_key": key,
            "links": links or [],
            "domain": "sea",
        }
    )
    return item(n, party, s, body)


def ack(n: int, party: str, s: float, ref: int) -> IncidentItem:
    return item(n, party, s, AcknowledgeBody(ref=h(ref), role="duty officer"), refs=(h(ref),))


def say(
    n: int,
    party: str,
    s: float,
    incident: int,
    code: str = "REQUEST_INTENTIONS",
    params: dict[str, Any] | None = None,
) -> IncidentItem:
    return item(
        n,
        party,
        s,
        None,
        kind="phrase",
        refs=(h(incident),),
        raw={"code": code, "params": params or {}},
    )


def assess(n: int, party: str, s: float, incident: int, level: int) -> IncidentItem:
    body = IncidentAssessmentBody(incident=h(incident), level=level, rationale="as seen")
    return item(n, party, s, body, refs=(h(incident),))


def close_body(incident: int, outcome: str = "resolved") -> IncidentCloseBody:
    return IncidentCloseBody.model_validate(
        {
            "incident": h(incident),
            "outcome": outcome,
            "agreed_facts": ["Both ships passed at 150 m"],
            "measures": ["Keep 2 nm separation"],
        }
    )


def close(n: int, party: str, s: float, incident: int, outcome: str = "resolved") -> IncidentItem:
    return item(n, party, s, close_body(incident, outcome), refs=(h(incident),))


def endorse(
    n: int, party: str, s: float, incident: int, proposal: int, sha: str | None = None
) -> IncidentItem:
    body = IncidentEndorseBody(
        incident=h(incident),
        ref=h(proposal),
        text_sha256=sha or close_text_sha256(close_body(incident)),
    )
    return item(n, party, s, body, refs=(h(incident), h(proposal)))


def escalation(n: int, party: str, s: float, ref: int, to_tier: str = "theater") -> IncidentItem:
    body = EscalationBody.model_validate(
        {
            "ref": h(ref),
            "from_tier": "operational",
            "to_tier": to_tier,
            "missed_deadline_t": at(s - 1),
            "reason": "no acknowledgement within the FLASH deadline",
        }
    )
    return item(n, party, s, body, refs=(h(ref),))


def head_on_alert(*, offset_north_m: float = 500.0, speed_mps: float = 10.0) -> EncounterAlertBody:
    """Two ships on reciprocal courses along the equator, ``offset_north_m`` apart.

    A at 0°E heading east, B at 0.1°E heading west: they close at twice the
    speed over 0.1° of longitude (11 132 m), so the CPA comes after 556.6 s.
    """
    range_m = 11_131.95
    tcpa_s = range_m / (2 * speed_mps)
    north_deg = offset_north_m / 110_574.0
    a = EncounterUnit(
        track="mmsi:412000001",
        party="CN",
        name="Haikou",
        domain="sea",
        lat_deg=0.0,
        lon_deg=0.0,
        alt_m=0.0,
        course_deg=90.0,
        speed_mps=speed_mps,
    )
    b = EncounterUnit(
        track="mmsi:369000002",
        party="US",
        name="Decatur",
        domain="sea",
        lat_deg=north_deg,
        lon_deg=0.1,
        alt_m=0.0,
        course_deg=270.0,
        speed_mps=speed_mps,
    )
    return EncounterAlertBody(
        encounter_id="00112233aabbccdd",
        level="critical",
        a=a,
        b=b,
        cpa_m=offset_north_m,
        cpa_time=T0 + timedelta(seconds=tcpa_s),
        tcpa_s=tcpa_s,
        range_m=range_m,
        vsep_m=0.0,
        phrase="REQUEST_ALTER_COURSE_TO_SIDE",
    )
