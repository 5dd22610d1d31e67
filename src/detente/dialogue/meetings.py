"""Where a meeting stands, folded from the entries both parties signed.

A meeting moves proposed → countered (any number of times) → accepted or
declined. The open offer is the latest set of slots (the proposal's, or the
latest counter's), and only a party other than the one who made that offer
may answer it: nobody accepts their own offer. Accepting settles the slot;
readouts then attach per party and are shown side by side, never merged,
because each side's account is its own.

The fold is pure: same entries, same view. It must never trust an answer
that does not fit the story so far; such an entry is a ``ValidationError``
naming the field, so the node can refuse it before it is signed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from detente.dialogue.bodies import (
    MeetingFormat,
    MeetingProposalBody,
    MeetingResponseBody,
    ReadoutBody,
    Response,
    Slot,
)
from detente.dialogue.items import DialogueItem
from detente.errors import ValidationError
from detente.types import EntryId, JSONObject, JSONValue, Party
from detente.wire.enums import Tier


class MeetingStatus(StrEnum):
    PROPOSED = "proposed"
    COUNTERED = "countered"
    ACCEPTED = "accepted"
    DECLINED = "declined"


@dataclass(frozen=True)
class MeetingStep:
    """One move in the meeting's history, for the timeline view."""

    entry_id: EntryId
    party: Party
    t: str
    status: MeetingStatus
    slots: tuple[Slot, ...] = ()
    reason: str | None = None


@dataclass(frozen=True)
class Readout:
    entry_id: EntryId
    party: Party
    t: str
    text: str
    lang: str
    participants: tuple[str, ...]


@dataclass(frozen=True)
class MeetingView:
    """A meeting as both sides can see it: the offer, the outcome, and each side's readouts."""

    proposal_id: EntryId
    proposer: Party
    title: str
    agenda: tuple[str, ...]
    format: MeetingFormat
    tier: Tier
    status: MeetingStatus
    offered_by: Party
    offered_slots: tuple[Slot, ...]
    agreed_slot: Slot | None
    decline_reason: str | None
    history: tuple[MeetingStep, ...]
    readouts: Mapping[Party, tuple[Readout, ...]]

    def to_json(self) -> JSONObject:
        """The JSON twin of the meeting page: same facts, plain values."""

        def slots(values: tuple[Slot, ...]) -> JSONValue:
            return [slot.model_dump() for slot in values]

        return {
            "proposal_id": self.proposal_id,
            "proposer": self.proposer,
            "title": self.title,
            "agenda": list(self.agenda),
            "format": self.format.value,
            "tier": self.tier.value,
            "status": self.status.value,
            "offered_by": self.offered_by,
            "offered_slots": slots(self.offered_slots),
            "agreed_slot": self.agreed_slot.model_dump() if self.agreed_slot else None,
            "decline_reason": self.decline_reason,
            "history": [
                {
                    "entry_id": step.entry_id,
                    "party": step.party,
                    "t": step.t,
                    "status": step.status.value,
                    "slots": slots(step.slots),
                    "reason": step.reason,
                }
                for step in self.history
            ],
            "readouts": {
                party: [
                    {
                        "entry_id": r.entry_id,
                        "t": r.t,
                        "text": r.text,
                        "lang": r.lang,
                        "participants": list(r.participants),
                    }
                    for r in readouts
                ]
                for party, readouts in self.readouts.items()
            },
        }


@dataclass
class _Fold:
    proposal_id: EntryId
    proposal: MeetingProposalBody
    proposer: Party
    status: MeetingStatus
    offered_by: Party
    offered_slots: tuple[Slot, ...]
    history: list[MeetingStep]
    agreed_slot: Slot | None = None
    decline_reason: str | None = None
    readouts: dict[Party, list[Readout]] = field(default_factory=dict)

    def respond(self, item: DialogueItem, body: MeetingResponseBody) -> None:
        if self.status in (MeetingStatus.ACCEPTED, MeetingStatus.DECLINED):
            raise ValidationError(
                f"meeting {self.proposal_id[:12]} is already {self.status}", field="ref"
            )
        if item.party == self.offered_by:
            raise ValidationError(f"{item.party} cannot answer its own offer", field="party")
        if body.response is Response.ACCEPT:
            assert body.accepted_slot is not None
            if body.accepted_slot not in self.offered_slots:
                raise ValidationError("the accepted slot was not offered", field="accepted_slot")
            self.status, self.agreed_slot = MeetingStatus.ACCEPTED, body.accepted_slot
            slots: tuple[Slot, ...] = (body.accepted_slot,)
        elif body.response is Response.DECLINE:
            self.status, self.decline_reason = MeetingStatus.DECLINED, body.reason
            slots = ()
        else:
            self.status, self.offered_by = MeetingStatus.COUNTERED, item.party
            self.offered_slots = slots = tuple(body.counter_slots)
        self.history.append(
            MeetingStep(item.entry_id, item.party, item.t, self.status, slots, body.reason)
        )

    def read_out(self, item: DialogueItem, body: ReadoutBody) -> None:
        if self.status is not MeetingStatus.ACCEPTED:
            raise ValidationError(f"meeting {self.proposal_id[:12]} was never agreed", field="ref")
        readout = Readout(
            item.entry_id, item.party, item.t, body.text, body.lang, tuple(body.participants)
        )
        self.readouts.setdefault(item.party, []).append(readout)

    def view(self) -> MeetingView:
        p = self.proposal
        return MeetingView(
            proposal_id=self.proposal_id,
            proposer=self.proposer,
            title=p.title,
            agenda=tuple(p.agenda),
            format=p.format,
            tier=p.tier,
            status=self.status,
            offered_by=self.offered_by,
            offered_slots=self.offered_slots,
            agreed_slot=self.agreed_slot,
            decline_reason=self.decline_reason,
            history=tuple(self.history),
            readouts={party: tuple(rs) for party, rs in self.readouts.items()},
        )


def meeting_states(items: Iterable[DialogueItem]) -> dict[EntryId, MeetingView]:
    """Every meeting in ``items`` (in log order) by proposal id; other kinds are ignored."""
    folds: dict[EntryId, _Fold] = {}
    for item in items:
        body = item.body
        if isinstance(body, MeetingProposalBody):
            if item.entry_id in folds:
                raise ValidationError("proposal listed twice", field="entry_id")
            slots = tuple(body.candidate_slots)
            step = MeetingStep(item.entry_id, item.party, item.t, MeetingStatus.PROPOSED, slots)
            folds[item.entry_id] = _Fold(
                item.entry_id, body, item.party, MeetingStatus.PROPOSED, item.party, slots, [step]
            )
        elif isinstance(body, MeetingResponseBody | ReadoutBody):
            fold = folds.get(body.ref)
            if fold is None:
                raise ValidationError(f"no meeting proposal {body.ref[:12]}", field="ref")
            if isinstance(body, MeetingResponseBody):
                fold.respond(item, body)
            else:
                fold.read_out(item, body)
    return {pid: fold.view() for pid, fold in folds.items()}


def meeting_state(items: Iterable[DialogueItem], proposal_id: EntryId | None = None) -> MeetingView:
    """The one meeting in ``items``, or the one proposed as ``proposal_id``."""
    states = meeting_states(items)
    if proposal_id is not None:
        if proposal_id not in states:
            raise ValidationError(f"no meeting proposal {proposal_id[:12]}", field="proposal_id")
        return states[proposal_id]
    if len(states) != 1:
        raise ValidationError(
            f"expected one meeting proposal, found {len(states)}", field="proposal_id"
        )
    return next(iter(states.values()))
