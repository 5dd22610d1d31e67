"""Entry bodies for talks between parties: calls, meetings, readouts, joint statements.

These are what a party signs when it asks for a call, proposes a meeting,
answers, records its readout, drafts a joint statement or endorses one.
Every field has a length limit, so no entry can smuggle an unbounded
payload, and every time is a UTC instant written ``YYYY-MM-DDTHH:MM:SSZ``.

An endorsement binds to exact words: it carries the SHA-256 of the joint
statement's canonical text (``statement_text_sha256``), so endorsing a
different draft than the one shown is detectable.

This module must never look at other entries (see ``meetings`` and
``statements`` for the folds) and never do I/O.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, ClassVar, Final

import rfc8785
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from detente.wire.body import Body
from detente.wire.enums import Precedence, Tier
from detente.wire.kinds import LangTag

MAX_TITLE_CHARS: Final = 200
MAX_ITEM_CHARS: Final = 500
MAX_ITEMS: Final = 20
MAX_SLOTS: Final = 10
MAX_READOUT_CHARS: Final = 20_000
MAX_STATEMENT_CHARS: Final = 20_000
MAX_NAME_CHARS: Final = 120
MAX_SLOT_HOURS: Final = 72


def _utc(value: str) -> str:
    try:
        datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        raise ValueError("not a valid UTC time") from None
    return value


UtcTime = Annotated[
    str,
    StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"),
    AfterValidator(_utc),
]
"""A UTC instant, ``2026-11-27T09:30:00Z``: one form, so equal times are equal strings."""
EntryRef = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Title = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TITLE_CHARS)]
Item = Annotated[str, StringConstraints(min_length=1, max_length=MAX_ITEM_CHARS)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=MAX_NAME_CHARS)]
Sha256Hex = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


def parse_utc(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


class Slot(BaseModel):
    """A candidate time window for a call or meeting."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: UtcTime
    end: UtcTime

    @model_validator(mode="after")
    def _ordered(self) -> Slot:
        length_s = (parse_utc(self.end) - parse_utc(self.start)).total_seconds()
        if length_s <= 0:
            raise ValueError("slot must end after it starts")
        if length_s > MAX_SLOT_HOURS * 3600:
            raise ValueError(f"slot longer than {MAX_SLOT_HOURS} hours")
        return self


def _distinct_slots(slots: list[Slot]) -> list[Slot]:
    if len(set(slots)) != len(slots):
        raise ValueError("slots must be distinct")
    return slots


def _distinct_times(times: list[str]) -> list[str]:
    if len(set(times)) != len(times):
        raise ValueError("proposed times must be distinct")
    return times


Slots = Annotated[
    list[Slot], Field(min_length=1, max_length=MAX_SLOTS), AfterValidator(_distinct_slots)
]


class MeetingFormat(StrEnum):
    VIDEO = "video"
    PHONE = "phone"
    IN_PERSON = "in_person"
    HOTLINE = "hotline"


class Response(StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"
    COUNTER = "counter"


class CallRequestBody(Body):
    """A request for a call at a tier; no proposed times means as soon as possible."""

    KIND: ClassVar[str] = "call_request"

    tier: Tier
    urgency: Precedence
    topic: Title
    proposed_times: Annotated[
        list[UtcTime], Field(max_length=MAX_SLOTS), AfterValidator(_distinct_times)
    ] = Field(default_factory=list)
    incident: EntryRef | None = None


class MeetingProposalBody(Body):
    """A proposed meeting: what, how, when (candidate slots) and at which tier."""

    KIND: ClassVar[str] = "meeting_proposal"

    title: Title
    agenda: Annotated[list[Item], Field(min_length=1, max_length=MAX_ITEMS)]
    format: MeetingFormat
    candidate_slots: Slots
    tier: Tier


class MeetingResponseBody(Body):
    """An answer to a proposal (or to the latest counter-proposal on it)."""

    KIND: ClassVar[str] = "meeting_response"

    ref: EntryRef
    """Entry id of the meeting proposal."""
    response: Response
    accepted_slot: Slot | None = Field(default=None, validate_default=True)
    reason: Annotated[str, StringConstraints(max_length=MAX_ITEM_CHARS)] | None = None
    counter_slots: Annotated[
        list[Slot], Field(max_length=MAX_SLOTS), AfterValidator(_distinct_slots)
    ] = Field(default_factory=list, validate_default=True)

    # Field validators (not one model validator) so an error names the field at fault.
    @field_validator("accepted_slot")
    @classmethod
    def _slot_only_to_accept(cls, value: Slot | None, info: ValidationInfo) -> Slot | None:
        accepting = info.data.get("response") is Response.ACCEPT
        if accepting and value is None:
            raise ValueError("accepted_slot is required to accept")
        if not accepting and value is not None:
            raise ValueError("accepted_slot is only for accept")
        return value

    @field_validator("counter_slots")
    @classmethod
    def _slots_only_to_counter(cls, value: list[Slot], info: ValidationInfo) -> list[Slot]:
        countering = info.data.get("response") is Response.COUNTER
        if countering and not value:
            raise ValueError("counter_slots are required to counter")
        if not countering and value:
            raise ValueError("counter_slots are only for counter")
        return value


class ReadoutBody(Body):
    """One party's own account of a meeting; readouts are shown side by side, never merged."""

    KIND: ClassVar[str] = "readout"

    ref: EntryRef
    """Entry id of the meeting proposal."""
    text: Annotated[str, StringConstraints(min_length=1, max_length=MAX_READOUT_CHARS)]
    lang: LangTag
    participants: Annotated[list[Name], Field(max_length=50)] = Field(default_factory=list)


class JointStatementBody(Body):
    """A draft joint statement, in each language of the channel."""

    KIND: ClassVar[str] = "joint_statement"

    title: Title
    text: Annotated[
        dict[
            LangTag, Annotated[str, StringConstraints(min_length=1, max_length=MAX_STATEMENT_CHARS)]
        ],
        Field(min_length=1, max_length=4),
    ]
    """Language tag to the statement's words in that language."""
    ref: EntryRef | None = None
    """Optionally, the meeting or incident the statement concludes."""


class EndorsementBody(Body):
    """A party's endorsement of a joint statement, bound to its exact words."""

    KIND: ClassVar[str] = "endorse"

    ref: EntryRef
    """Entry id of the joint statement."""
    text_sha256: Sha256Hex


def statement_text_sha256(statement: JointStatementBody) -> str:
    """SHA-256 of the RFC 8785 canonical JSON of ``{"title", "text"}``: the exact words endorsed."""
    canonical = rfc8785.dumps({"title": statement.title, "text": dict(statement.text)})
    return hashlib.sha256(canonical).hexdigest()


def dialogue_kinds() -> list[type[Body]]:
    """Every body this package defines, for the node's kind registry."""
    return [
        CallRequestBody,
        MeetingProposalBody,
        MeetingResponseBody,
        ReadoutBody,
        JointStatementBody,
        EndorsementBody,
    ]
