"""The incident state machine: both logs' entries in, incident views out.

Sans-I/O in the h11 manner: ``IncidentBook.apply`` is fed one entry at a
time in the channel's canonical order (time, party, seq; the same on both
nodes) and either takes it or raises ``ValidationError`` naming the rule it
breaks, leaving the book untouched. The node uses the same book to refuse
its own drafts before signing and to fold the stored logs into views.

    opened ──ack by a peer──▶ acknowledged ──every side made a statement──▶ in_dialogue
       │                                                          │
       └──────── one_sided close ──▶ closed_one_sided              │
                 resolution proposal + endorsement by the others ──▶ resolved

Two openings with the same ``event_key`` are one incident: the opening with
the smaller entry id names it, the others are recorded as its duplicates,
whatever order they arrive in, so both nodes agree without coordinating.

It must never read a clock, a database or the network.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from detente.errors import ValidationError
from detente.incidents.bodies import (
    IncidentAssessmentBody,
    IncidentCloseBody,
    IncidentEndorseBody,
    IncidentOpenBody,
    Outcome,
    close_text_sha256,
)
from detente.link.kinds import AcknowledgeBody, EscalationBody
from detente.types import EntryId, JSONObject, Party
from detente.wire.body import Body
from detente.wire.enums import Tier


class State(StrEnum):
    OPENED = "opened"
    ACKNOWLEDGED = "acknowledged"
    IN_DIALOGUE = "in_dialogue"
    RESOLVED = "resolved"
    CLOSED_ONE_SIDED = "closed_one_sided"

    @property
    def terminal(self) -> bool:
        return self in (State.RESOLVED, State.CLOSED_ONE_SIDED)


@dataclass(frozen=True, slots=True)
class IncidentItem:
    """One stored (or drafted) entry as the fold sees it."""

    entry_id: EntryId
    party: Party
    t: str
    kind: str
    refs: tuple[str, ...] = ()
    tier: str = Tier.OPERATIONAL.value
    precedence: str = "ROUTINE"
    body: Body | None = None
    """Parsed for the kinds the fold reads (incident_*, acknowledge, escalation)."""
    raw: Mapping[str, Any] = field(default_factory=dict)
    """The body as signed, for display."""
    received_t: str | None = None


@dataclass(frozen=True, slots=True)
class Ack:
    party: Party
    t: str
    entry_id: EntryId
    role: str


@dataclass(frozen=True, slots=True)
class Assessment:
    party: Party
    level: int
    rationale: str
    t: str
    entry_id: EntryId


@dataclass(frozen=True, slots=True)
class Transition:
    state: State
    t: str
    entry_id: EntryId
    party: Party


@dataclass
class _Case:
    openings: list[IncidentItem]
    parties: frozenset[Party]
    rows: list[tuple[str, IncidentItem]] = field(default_factory=list)
    """(role, item) in the order the fold took them."""
    spoke: set[Party] = field(default_factory=set)
    acked: dict[Party, Ack] = field(default_factory=dict)
    assessments: dict[Party, Assessment] = field(default_factory=dict)
    tier: Tier = Tier.OPERATIONAL
    escalations: list[JSONObject] = field(default_factory=list)
    proposal: IncidentItem | None = None
    endorsements: list[IncidentItem] = field(default_factory=list)
    closing: IncidentItem | None = None
    history: list[Transition] = field(default_factory=list)

    @property
    def opening(self) -> IncidentItem:
        return min(self.openings, key=lambda o: o.entry_id)

    @property
    def open_body(self) -> IncidentOpenBody:
        body = self.opening.body
        assert isinstance(body, IncidentOpenBody)
        return body

    @property
    def state(self) -> State:
        if self.closing is not None:
            body = self.closing.body
            assert isinstance(body, IncidentCloseBody)
            return State.RESOLVED if body.outcome is Outcome.RESOLVED else State.CLOSED_ONE_SIDED
        if not self.acked:
            return State.OPENED
        return State.IN_DIALOGUE if self.parties <= self.spoke else State.ACKNOWLEDGED


class IncidentBook:
    """Every incident of one channel, built entry by entry."""

    def __init__(self, parties: Collection[Party]) -> None:
        self.parties = frozenset(parties)
        self._cases: list[_Case] = []
        self._by_opening: dict[EntryId, _Case] = {}
        self._by_key: dict[str, _Case] = {}
        self._owner: dict[EntryId, _Case] = {}
        self._seen: dict[EntryId, IncidentItem] = {}
        self._acks: dict[EntryId, list[Ack]] = {}

    # feeding ------------------------------------------------------------------

    def apply(self, item: IncidentItem) -> None:
        """Take one entry, or raise ``ValidationError`` naming the broken rule (book unchanged)."""
        if item.entry_id in self._seen:
            raise ValidationError(f"entry {item.entry_id[:12]} fed twice", field="entry_id")
        body = item.body
        case: _Case | None
        if isinstance(body, IncidentOpenBody):
            case = self._open(item, body)
        elif isinstance(body, AcknowledgeBody):
            case = self._acknowledge(item, body)
        elif isinstance(body, EscalationBody):
            case = self._escalate(item, body)
        elif isinstance(body, IncidentAssessmentBody):
            case = self._assess(item, body)
        elif isinstance(body, IncidentCloseBody):
            case = self._close(item, body)
        elif isinstance(body, IncidentEndorseBody):
            case = self._endorse(item, body)
        else:
            case = self._statement(item)
        self._seen[item.entry_id] = item
        if case is not None:
            self._note_transition(case, item)

    def feed(self, items: Iterable[IncidentItem]) -> list[dict[str, str]]:
        """Apply leniently: an entry that breaks a rule is set aside with its reason."""
        set_aside = []
        for item in items:
            try:
                self.apply(item)
            except ValidationError as exc:
                self._seen.setdefault(item.entry_id, item)
                set_aside.append({"entry_id": item.entry_id, "reason": str(exc)})
        return set_aside

    def _case_of(self, incident: str, field_name: str) -> _Case:
        case = self._by_opening.get(incident)
        if case is None:
            raise ValidationError(f"no incident {incident[:12]} on this channel", field=field_name)
        return case

    def _open(self, item: IncidentItem, body: IncidentOpenBody) -> _Case:
        case = self._by_key.get(body.event_key)
        if case is None:
            case = _Case(openings=[item], parties=self.parties | {item.party})
            self._cases.append(case)
            self._by_key[body.event_key] = case
            case.history.append(Transition(State.OPENED, item.t, item.entry_id, item.party))
        else:
            case.openings.append(item)  # a duplicate; the smaller id names the incident
        self._by_opening[item.entry_id] = case
        self._owner[item.entry_id] = case
        # An opening is often the machine's (from an alert), so it is not yet dialogue.
        case.rows.append(("opening" if len(case.openings) == 1 else "duplicate", item))
        for link in body.links:
            source = self._seen.get(link.id) if link.kind == "entry" else None
            if source is not None and source.entry_id not in self._owner:
                self._owner[source.entry_id] = case
                case.rows.append(("source", source))
        return case

    def _acknowledge(self, item: IncidentItem, body: AcknowledgeBody) -> _Case | None:
        case = self._owner.get(body.ref)
        previous = self._acks.get(body.ref, [])
        if any(a.party == item.party for a in previous):
            raise ValidationError(f"already acknowledged by {item.party}", field="body.ref")
        opening = case is not None and body.ref in self._by_opening
        if opening and self._seen[body.ref].party == item.party:
            raise ValidationError("one acknowledges the other party's opening", field="body.ref")
        ack = Ack(item.party, item.t, item.entry_id, body.role)
        self._acks[body.ref] = [*previous, ack]
        if case is not None and opening:
            case.acked.setdefault(item.party, ack)
        return case

    def _escalate(self, item: IncidentItem, body: EscalationBody) -> _Case | None:
        case = self._owner.get(body.ref)
        if case is None:
            return None
        case.rows.append(("escalation", item))
        if not case.state.terminal:
            before = case.tier
            case.tier = before.up()
            case.escalations.append(
                {
                    "entry_id": item.entry_id,
                    "ref": body.ref,
                    "t": item.t,
                    "from_tier": before.value,
                    "to_tier": case.tier.value,
                    "missed_deadline_t": body.missed_deadline_t,
                    "reason": body.reason,
                }
            )
        return case

    def _open_case(self, item: IncidentItem, incident: str, what: str) -> _Case:
        case = self._case_of(incident, "body.incident")
        if case.state.terminal:
            raise ValidationError(
                f"incident {case.opening.entry_id[:12]} is {case.state.value}; no further {what}",
                field="body.incident",
            )
        return case

    def _assess(self, item: IncidentItem, body: IncidentAssessmentBody) -> _Case:
        case = self._open_case(item, body.incident, "assessment")
        case.assessments[item.party] = Assessment(
            item.party, body.level, body.rationale, item.t, item.entry_id
        )
        self._take(case, "assessment", item)
        return case

    def _close(self, item: IncidentItem, body: IncidentCloseBody) -> _Case:
        case = self._open_case(item, body.incident, "closing")
        if body.outcome is Outcome.RESOLVED:
            if not case.acked:
                raise ValidationError(
                    f"the peer never acknowledged incident {case.opening.entry_id[:12]}; "
                    "a resolution needs their acknowledgement — close it one-sided "
                    "(outcome one_sided) instead",
                    field="body.outcome",
                )
            case.proposal = item
            case.endorsements = []
            self._take(case, "proposal", item)
        else:
            case.closing = item
            self._take(case, "closing", item)
        return case

    def _endorse(self, item: IncidentItem, body: IncidentEndorseBody) -> _Case:
        case = self._open_case(item, body.incident, "endorsement")
        proposal = case.proposal
        if proposal is None or proposal.entry_id != body.ref:
            raise ValidationError(
                f"{body.ref[:12]} is not the pending resolution of incident "
                f"{case.opening.entry_id[:12]}",
                field="body.ref",
            )
        if proposal.party == item.party:
            raise ValidationError("one cannot endorse one's own proposal", field="body.ref")
        proposed = proposal.body
        assert isinstance(proposed, IncidentCloseBody)
        if body.text_sha256 != close_text_sha256(proposed):
            raise ValidationError(
                "text_sha256 does not match the proposal's words", field="body.text_sha256"
            )
        if any(e.party == item.party for e in case.endorsements):
            raise ValidationError(f"already endorsed by {item.party}", field="body.ref")
        case.endorsements.append(item)
        self._take(case, "endorsement", item)
        signed = {proposal.party, *(e.party for e in case.endorsements)}
        if case.parties <= signed:
            case.closing = proposal
        return case

    def _statement(self, item: IncidentItem) -> _Case | None:
        cases = {id(c): c for ref in item.refs if (c := self._by_opening.get(ref)) is not None}
        for case in cases.values():
            self._take(case, "statement", item)
        return next(iter(cases.values()), None)

    def _take(self, case: _Case, role: str, item: IncidentItem) -> None:
        case.rows.append((role, item))
        case.spoke.add(item.party)
        self._owner[item.entry_id] = case

    def _note_transition(self, case: _Case, item: IncidentItem) -> None:
        now = case.state
        if not case.history or case.history[-1].state is not now:
            case.history.append(Transition(now, item.t, item.entry_id, item.party))

    # reading ------------------------------------------------------------------

    def incident_ids(self) -> list[EntryId]:
        return [c.opening.entry_id for c in self._cases]

    def resolve_id(self, any_opening_id: str) -> EntryId | None:
        """The incident's id for any of its openings (a duplicate's id included)."""
        case = self._by_opening.get(any_opening_id)
        return case.opening.entry_id if case else None

    def by_event_key(self, event_key: str) -> EntryId | None:
        case = self._by_key.get(event_key)
        return case.opening.entry_id if case else None

    def view(self, incident: str) -> IncidentView:
        return _view(self._case_of(incident, "incident"), self._acks)

    def views(self) -> list[IncidentView]:
        return [_view(c, self._acks) for c in self._cases]


@dataclass(frozen=True)
class TimelineRow:
    role: str
    entry_id: EntryId
    party: Party
    t: str
    received_t: str | None
    kind: str
    precedence: str
    tier: str
    body: Mapping[str, Any]
    acks: tuple[Ack, ...]

    def to_json(self) -> JSONObject:
        return {
            "role": self.role,
            "entry_id": self.entry_id,
            "party": self.party,
            "t": self.t,
            "received_t": self.received_t,
            "kind": self.kind,
            "precedence": self.precedence,
            "tier": self.tier,
            "body": dict(self.body),
            "acks": [
                {"party": a.party, "t": a.t, "entry_id": a.entry_id, "role": a.role}
                for a in self.acks
            ],
        }


@dataclass(frozen=True)
class IncidentView:
    """One incident as both sides' logs state it."""

    id: EntryId
    type: str
    title: str
    facts: tuple[str, ...]
    tags: tuple[str, ...]
    event_key: str
    opener: Party
    opened_t: str
    parties: tuple[Party, ...]
    state: State
    proposed_level: int
    assessments: Mapping[Party, Assessment]
    tier: str
    escalations: tuple[JSONObject, ...]
    duplicates: tuple[EntryId, ...]
    links: tuple[JSONObject, ...]
    acknowledged_by: Mapping[Party, Ack]
    proposal: EntryId | None
    closing: JSONObject | None
    history: tuple[Transition, ...]
    timeline: tuple[TimelineRow, ...]
    domain: str | None

    @property
    def level(self) -> int:
        """The highest level any side assessed, else the proposed one: danger is never hidden."""
        return max((a.level for a in self.assessments.values()), default=self.proposed_level)

    @property
    def levels_differ(self) -> bool:
        return len({a.level for a in self.assessments.values()}) > 1

    def first_t(self, state: State) -> str | None:
        return next((h.t for h in self.history if h.state is state), None)

    def to_json(self) -> JSONObject:
        return {
            "id": self.id,
            "type": self.type,
            "title": self.title,
            "facts": [*self.facts],
            "tags": [*self.tags],
            "event_key": self.event_key,
            "opener": self.opener,
            "opened_t": self.opened_t,
            "parties": [*self.parties],
            "state": self.state.value,
            "level": self.level,
            "proposed_level": self.proposed_level,
            "assessments": {
                p: {"level": a.level, "rationale": a.rationale, "t": a.t, "entry_id": a.entry_id}
                for p, a in sorted(self.assessments.items())
            },
            "levels_differ": self.levels_differ,
            "tier": self.tier,
            "escalations": [*self.escalations],
            "duplicates": [*self.duplicates],
            "links": [*self.links],
            "acknowledged_by": {
                p: {"t": a.t, "entry_id": a.entry_id, "role": a.role}
                for p, a in sorted(self.acknowledged_by.items())
            },
            "proposal": self.proposal,
            "closing": self.closing,
            "history": [
                {"state": h.state.value, "t": h.t, "entry_id": h.entry_id, "party": h.party}
                for h in self.history
            ],
            "domain": self.domain,
            "timeline": [r.to_json() for r in self.timeline],
        }


def _view(case: _Case, acks: Mapping[EntryId, list[Ack]]) -> IncidentView:
    opening, body = case.opening, case.open_body
    rows = sorted(case.rows, key=lambda r: (r[1].t, r[1].party, r[1].entry_id))
    timeline = tuple(
        TimelineRow(
            role="opening"
            if item.entry_id == opening.entry_id
            else ("duplicate" if role in ("opening", "duplicate") else role),
            entry_id=item.entry_id,
            party=item.party,
            t=item.t,
            received_t=item.received_t,
            kind=item.kind,
            precedence=item.precedence,
            tier=item.tier,
            body=item.raw,
            acks=tuple(acks.get(item.entry_id, ())),
        )
        for role, item in rows
    )
    closing: JSONObject | None = None
    if case.closing is not None:
        closed = case.closing.body
        assert isinstance(closed, IncidentCloseBody)
        closing = {
            "entry_id": case.closing.entry_id,
            "by": case.closing.party,
            "outcome": closed.outcome.value,
            "agreed_facts": [*closed.agreed_facts],
            "measures": [*closed.measures],
            "note": closed.note,
            "text_sha256": close_text_sha256(closed),
            "signed_by": [case.closing.party, *(e.party for e in case.endorsements)]
            if closed.outcome is Outcome.RESOLVED
            else [case.closing.party],
            "t": case.history[-1].t if case.history else case.closing.t,
        }
    return IncidentView(
        id=opening.entry_id,
        type=body.type.value,
        title=body.title,
        facts=tuple(body.facts),
        tags=tuple(body.tags),
        event_key=body.event_key,
        opener=opening.party,
        opened_t=min(o.t for o in case.openings),  # the first word on it, whoever names it
        parties=tuple(sorted(case.parties)),
        state=case.state,
        proposed_level=body.level,
        assessments=dict(case.assessments),
        tier=case.tier.value,
        escalations=tuple(case.escalations),
        duplicates=tuple(sorted(o.entry_id for o in case.openings if o is not opening)),
        links=tuple(link.model_dump() for link in body.links),
        acknowledged_by=dict(case.acked),
        proposal=case.proposal.entry_id if case.proposal else None,
        closing=closing,
        history=tuple(case.history),
        timeline=timeline,
        domain=body.domain,
    )
