"""Incidents on a node: folding the stored logs, refusing bad drafts, opening from alerts.

The state machine (``detente.incidents.state``) is pure; this module feeds
it a channel's entries in the canonical order, adds the draft check that
runs inside the send transaction (so an illegal transition is refused
before anything is signed) and the ``on_stored`` hook that opens an
incident from a critical sea encounter alert, whichever side sent it.

It must never store incident state of its own: everything is folded from
the signed entries, so both nodes see the same incidents.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection

from detente.errors import DetenteError, NotFoundError, ValidationError
from detente.incidents.bodies import (
    INCIDENT_KINDS,
    IncidentCloseBody,
    IncidentOpenBody,
    close_text_sha256,
)
from detente.incidents.levels import meaning, propose_level
from detente.incidents.opening import encounter_pair_prefix, opening_from_alert, report_event_key
from detente.incidents.playbook import Playbook, playbook_for, step_draft
from detente.incidents.progress import StepProgress, next_step, progress
from detente.incidents.report import Evidence, render_report
from detente.incidents.state import IncidentBook, IncidentItem, IncidentView
from detente.incidents.stats import incident_stats, response_times
from detente.link.outgoing import Draft
from detente.node.own_voice import speak
from detente.node.service import NodeService
from detente.node.views import iso
from detente.store import alarms
from detente.store import incidents as incident_queries
from detente.store.channels import ChannelRow
from detente.types import JSONObject, JSONValue
from detente.wire.entry import SignedEntry, now_t, parse_t
from detente.wire.enums import Precedence, Tier
from detente.wire.kinds import KindRegistry

log = logging.getLogger(__name__)

PARSED_KINDS = (*INCIDENT_KINDS, "acknowledge", "escalation")
"""Kinds whose bodies the fold reads; every other kind is kept raw."""


def _item(row: incident_queries.FoldRow, registry: KindRegistry) -> IncidentItem:
    payload = json.loads(row.payload)
    raw = payload["body"]
    body = registry.validate(row.kind, raw) if row.kind in PARSED_KINDS else None
    return IncidentItem(
        entry_id=row.id,
        party=row.party,
        t=payload["t"],
        kind=row.kind,
        refs=tuple(payload.get("refs", ())),
        tier=row.tier,
        precedence=row.precedence,
        body=body,
        raw=raw,
        received_t=iso(row.read_t),
    )


def channel_book(
    conn: Connection, registry: KindRegistry, row: ChannelRow
) -> tuple[IncidentBook, list[dict[str, str]]]:
    """Every incident of a channel, and the entries set aside with the rule they broke."""
    book = IncidentBook([m.party for m in row.members])
    items = [_item(r, registry) for r in incident_queries.channel_rows(conn, row.channel_id)]
    return book, book.feed(items)


def draft_item(registry: KindRegistry, me: str, draft: Draft, entry_id: str) -> IncidentItem:
    body = registry.validate(draft.kind, draft.body)
    return IncidentItem(
        entry_id=entry_id,
        party=me,
        t=now_t(),
        kind=draft.kind,
        refs=draft.refs,
        tier=draft.tier.value,
        precedence=draft.precedence.value,
        body=body if draft.kind in PARSED_KINDS else None,
        raw=draft.body,
    )


class IncidentPolicy:
    """Refuses our own incident drafts that the state machine would reject, before signing."""

    def __init__(self, me: str, registry: KindRegistry) -> None:
        self.me = me
        self.registry = registry

    def __call__(self, conn: Connection, row: ChannelRow, drafts: Sequence[Draft]) -> None:
        if not any(d.kind in INCIDENT_KINDS for d in drafts):
            return
        book, _ = channel_book(conn, self.registry, row)
        for index, draft in enumerate(drafts):
            # Stand-in ids: unique in the batch and above any real hash a test might pick.
            item = draft_item(self.registry, self.me, draft, f"{'f' * 56}{index:08x}")
            if isinstance(item.body, IncidentOpenBody):
                existing = book.by_event_key(item.body.event_key)
                if existing is not None:
                    raise ValidationError(
                        f"incident {existing[:12]} already covers this event",
                        field="body.event_key",
                    )
            book.apply(item)


class IncidentOpener:
    """Opens an incident when a critical sea encounter alert is stored (ours or the peer's)."""

    def __init__(self, service: NodeService) -> None:
        self.service = service

    def __call__(self, row: ChannelRow, stored: Sequence[SignedEntry]) -> None:
        for signed in stored:
            if signed.entry.kind == "encounter_alert" and row.state == "active":
                self._consider(row, signed)

    def _consider(self, row: ChannelRow, signed: SignedEntry) -> None:
        from detente.deconflict.alert import EncounterAlertBody

        alert = EncounterAlertBody.model_validate(signed.entry.body)
        if alert.level != "critical" or not (alert.a.domain == alert.b.domain == "sea"):
            return
        prefix = encounter_pair_prefix(alert)
        with self.service.db.reading() as conn:
            book, _ = channel_book(conn, self.service.registry, row)
        for view in book.views():
            linked = any(link["id"] == signed.id for link in view.links)
            if linked or (view.event_key.startswith(prefix) and not view.state.terminal):
                return  # this episode already has its incident
        body = opening_from_alert(alert, signed.id, parse_t(signed.entry.t))
        draft = Draft(
            "incident_open",
            body.model_dump(mode="json"),
            Precedence.IMMEDIATE,
            Tier.OPERATIONAL,
            (signed.id,),
        )
        try:
            speak(self.service, row.channel_id, [draft], duty="incidents")
        except DetenteError as exc:  # e.g. the peer's opening arrived first: nothing to do
            log.info("incident not opened from alert %s: %s", signed.id[:12], exc)


class IncidentAlarms:
    """Keeps one open ``incident`` alarm per open incident, so every dashboard shows it."""

    KIND = "incident"

    def __init__(self, service: NodeService) -> None:
        self.service = service

    def __call__(self, row: ChannelRow, stored: Sequence[SignedEntry]) -> None:
        ids = {s.id for s in stored if s.entry.kind in (*INCIDENT_KINDS, "escalation")}
        if not ids:
            return
        with self.service.db.writing() as conn:
            book, _ = channel_book(conn, self.service.registry, row)
            for view in book.views():
                if not ids & {r.entry_id for r in view.timeline}:
                    continue
                for duplicate in view.duplicates:  # it may have been named by it for a while
                    alarms.clear_kind_ref(conn, kind=self.KIND, ref=duplicate)
                if view.state.terminal:
                    alarms.clear_kind_ref(conn, kind=self.KIND, ref=view.id)
                    continue
                alarms.raise_alarm(
                    conn,
                    self.KIND,
                    view.level,
                    f"Incident open: {view.title} (level {view.level}, {view.state.value}, "
                    f"{view.tier} tier)",
                    ref=view.id,
                    channel_id=row.channel_id,
                    details={"type": view.type, "level": view.level, "tier": view.tier},
                )


def install(service: NodeService) -> None:
    """Wire incidents into a node: the draft check and the automatic opening."""
    from detente.deconflict.alert import EncounterAlertBody

    if EncounterAlertBody.KIND not in service.registry:
        # Opening from alerts needs the alert kind; a no-op once the node registers it itself.
        service.registry.register(EncounterAlertBody)
    service.draft_checks.append(IncidentPolicy(service.party, service.registry))
    service.on_stored.extend([IncidentOpener(service), IncidentAlarms(service)])


@dataclass(frozen=True)
class Located:
    row: ChannelRow
    book: IncidentBook
    view: IncidentView
    set_aside: list[dict[str, str]]


def locate(service: NodeService, incident_id: str) -> Located:
    """The incident named by ``incident_id`` (or by one of its duplicates), on any channel."""
    for row in service.channels():
        with service.db.reading() as conn:
            book, set_aside = channel_book(conn, service.registry, row)
        found = book.resolve_id(incident_id)
        if found is not None:
            return Located(row, book, book.view(found), set_aside)
    raise NotFoundError(f"no incident {incident_id[:16]} on this node", field="incident")


def all_incidents(service: NodeService) -> list[tuple[ChannelRow, IncidentView]]:
    """Every incident on every channel, oldest first."""
    out: list[tuple[ChannelRow, IncidentView]] = []
    with service.db.reading() as conn:
        with_incidents = set(incident_queries.channels_with_incidents(conn))
    for row in service.channels():
        if row.channel_id not in with_incidents:
            continue
        with service.db.reading() as conn:
            book, _ = channel_book(conn, service.registry, row)
        out.extend((row, view) for view in book.views())
    out.sort(key=lambda pair: pair[1].opened_t)
    return out


def utc_now(service: NodeService) -> datetime:
    return datetime.fromtimestamp(service.now(), UTC)


# views ----------------------------------------------------------------------------


def playbook_dir(service: NodeService) -> Path:
    """Where a party keeps its own edited playbooks (``<data>/playbooks/<type>.yaml``)."""
    return service.settings.data_dir / "playbooks"


def summary(row: ChannelRow, view: IncidentView) -> JSONObject:
    """One line of the incident list; the CLI's JSON and the API's list share it."""
    return {
        "id": view.id,
        "type": view.type,
        "state": view.state.value,
        "level": view.level,
        "opened_t": view.opened_t,
        "parties": [*view.parties],
        "title": view.title,
        "opener": view.opener,
        "tier": view.tier,
        "channel": row.channel_id,
        "assessments": {p: a.level for p, a in sorted(view.assessments.items())},
        "levels_differ": view.levels_differ,
        "duplicates": [*view.duplicates],
    }


def list_incidents(service: NodeService, *, state: str | None = None) -> list[JSONObject]:
    return [
        summary(row, view)
        for row, view in all_incidents(service)
        if state is None or view.state.value == state
    ]


def steps_of(
    service: NodeService, view: IncidentView
) -> tuple[Playbook | None, list[StepProgress]]:
    """Our playbook for the incident's type and where we stand in it."""
    try:
        playbook = playbook_for(view.type, playbook_dir(service))
    except NotFoundError:
        return None, []
    return playbook, progress(playbook, view, service.party)


def detail(service: NodeService, incident_id: str) -> JSONObject:
    """The incident page's JSON twin: the view, our playbook progress, the scale's meanings."""
    found = locate(service, incident_id)
    now = utc_now(service)
    playbook, steps = steps_of(service, found.view)
    upcoming = next_step(steps)
    related = {r.entry_id for r in found.view.timeline}
    out = found.view.to_json()
    out.update(
        {
            "channel": found.row.channel_id,
            "me": service.party,
            "level_meanings": {
                str(n): {"en": meaning(n, "en"), "zh": meaning(n, "zh")} for n in range(1, 6)
            },
            "playbook": playbook.type.value if playbook else None,
            "steps": [s.to_json(now) for s in steps],
            "next_step": upcoming.to_json(now) if upcoming else None,
            "response_times": response_times(found.view),
            "set_aside": cast(
                list[JSONValue], [s for s in found.set_aside if s["entry_id"] in related]
            ),
        }
    )
    return out


def statistics(service: NodeService) -> JSONObject:
    return incident_stats(view for _, view in all_incidents(service))


# actions --------------------------------------------------------------------------


def _tier(view: IncidentView) -> Tier:
    return Tier(view.tier)


def open_incident(
    service: NodeService,
    channel_id: str,
    *,
    incident_type: str,
    title: str,
    facts: Sequence[str],
    tags: Sequence[str] = (),
    links: Sequence[JSONObject] = (),
    level: int | None = None,
    event_key: str | None = None,
    precedence: Precedence = Precedence.IMMEDIATE,
) -> SignedEntry:
    """Open an incident by hand (an operator's report, a conflict seen on a dashboard)."""
    now = utc_now(service)
    raw = {
        "type": incident_type,
        "title": title,
        "facts": list(facts),
        "tags": list(tags),
        "level": level if level is not None else int(propose_level(tags)),
        "event_key": event_key or report_event_key(service.party, title, now),
        "links": list(links),
    }
    body = service.registry.validate("incident_open", raw)
    assert isinstance(body, IncidentOpenBody)
    refs = tuple(link.id for link in body.links if link.kind == "entry")
    draft = Draft("incident_open", raw, precedence, Tier.OPERATIONAL, refs)
    (signed,) = service.send(channel_id, [draft])
    return signed


def send_assessment(
    service: NodeService, incident_id: str, level: int, rationale: str, lang: str = "en"
) -> SignedEntry:
    found = locate(service, incident_id)
    body = {"incident": found.view.id, "level": level, "rationale": rationale, "lang": lang}
    draft = Draft(
        "incident_assessment", body, Precedence.PRIORITY, _tier(found.view), (found.view.id,)
    )
    (signed,) = service.send(found.row.channel_id, [draft])
    return signed


def send_step(
    service: NodeService, incident_id: str, step_id: str | None = None
) -> tuple[JSONObject, SignedEntry]:
    """Send the next playbook step (or the one named); it references the incident."""
    found = locate(service, incident_id)
    if found.view.state.terminal:
        raise ValidationError(
            f"incident {found.view.id[:12]} is {found.view.state.value}", field="incident"
        )
    playbook, steps = steps_of(service, found.view)
    if playbook is None:
        raise NotFoundError(f"no playbook for {found.view.type}", field="type")
    if step_id is None:
        chosen = next_step(steps)
        if chosen is None:
            raise ValidationError("every step of the playbook has been sent", field="step")
    else:
        chosen = next((s for s in steps if s.step.id == step_id), None)
        if chosen is None:
            raise NotFoundError(
                f"no step {step_id!r} in the {playbook.type} playbook", field="step"
            )
    now = utc_now(service)
    draft = step_draft(chosen.step, found.view.id, found.view.title, _tier(found.view), now)
    (signed,) = service.send(found.row.channel_id, [draft])
    return chosen.to_json(now), signed


def close_incident(
    service: NodeService,
    incident_id: str,
    *,
    outcome: str,
    agreed_facts: Sequence[str],
    measures: Sequence[str] = (),
    note: str | None = None,
    lang: str = "en",
) -> SignedEntry:
    """Propose a joint resolution (``resolved``) or close alone (``one_sided``)."""
    found = locate(service, incident_id)
    body: dict[str, Any] = {
        "incident": found.view.id,
        "outcome": outcome,
        "agreed_facts": list(agreed_facts),
        "measures": list(measures),
        "lang": lang,
    }
    if note:
        body["note"] = note
    draft = Draft("incident_close", body, Precedence.PRIORITY, _tier(found.view), (found.view.id,))
    (signed,) = service.send(found.row.channel_id, [draft])
    return signed


def endorse_resolution(service: NodeService, incident_id: str) -> SignedEntry:
    """Sign the peer's pending resolution as it stands: the hash binds its exact words."""
    found = locate(service, incident_id)
    proposal = found.view.proposal
    row = next((r for r in found.view.timeline if r.entry_id == proposal), None)
    if proposal is None or row is None:
        raise ValidationError(
            f"incident {found.view.id[:12]} has no pending resolution proposal", field="incident"
        )
    closing = IncidentCloseBody.model_validate(dict(row.body))
    body = {"incident": found.view.id, "ref": proposal, "text_sha256": close_text_sha256(closing)}
    draft = Draft(
        "incident_endorse", body, Precedence.PRIORITY, _tier(found.view), (found.view.id, proposal)
    )
    (signed,) = service.send(found.row.channel_id, [draft])
    return signed


# report ---------------------------------------------------------------------------


def export_evidence(service: NodeService, incident_id: str, path: Path) -> Evidence:
    """Write the evidence bundle of every entry on the incident's timeline to ``path``."""
    from detente.log.evidence import encode_bundle
    from detente.node.evidence_export import Selection, export_bundle

    found = locate(service, incident_id)
    ids = tuple(sorted({r.entry_id for r in found.view.timeline}))
    bundle = export_bundle(
        service.db,
        party=service.party,
        key=service.key,
        selection=Selection(entry_ids=ids),
        channel_id=found.row.channel_id,
    )
    data = encode_bundle(bundle)
    path.write_bytes(data)
    return Evidence(path.name, hashlib.sha256(data).hexdigest(), len(ids))


def report_html(service: NodeService, incident_id: str, evidence: Evidence | None = None) -> str:
    """The after-action report of one incident as this node's logs state it."""
    found = locate(service, incident_id)
    playbook, _ = steps_of(service, found.view)
    return render_report(
        found.view,
        playbook=playbook,
        generated_by=f"{service.settings.name} ({service.party})",
        now=utc_now(service),
        evidence=evidence,
    )
