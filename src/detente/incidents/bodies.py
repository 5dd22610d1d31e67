"""Entry bodies of an incident: open, assessment, close and endorsement of the close.

An incident is named by the id of its opening entry, so both sides call it
the same. The opening carries an ``event_key`` both nodes compute alike
from the event itself (for an encounter: the sorted track pair and the
minute of the first alert), which lets two openings of one event be merged
without any coordination. A joint resolution is a ``incident_close``
proposal endorsed by the other side with the SHA-256 of its exact words.

This module must never look at other entries (``state`` folds them) and
never do I/O.
"""

from __future__ import annotations

import hashlib
import re
from enum import StrEnum
from typing import Annotated, ClassVar, Final, Literal

import rfc8785
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from detente.wire.body import Body
from detente.wire.kinds import LangTag

MAX_ITEMS: Final = 20
MAX_LINKS: Final = 50
_ENTRY_ID: Final = re.compile(r"[0-9a-f]{64}")

EntryRef = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Title = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Item = Annotated[str, StringConstraints(min_length=1, max_length=1000)]
Tag = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
EventKey = Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,40}:[^\s]{1,300}$")]
Sha256Hex = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
LevelNumber = Annotated[int, Field(ge=1, le=5)]


class IncidentType(StrEnum):
    UNSAFE_ENCOUNTER_SEA = "unsafe_encounter_sea"
    UNSAFE_INTERCEPT_AIR = "unsafe_intercept_air"
    ACTIVITY_CONFLICT = "activity_conflict"
    PREDICTED_INCURSION = "predicted_incursion"
    OPERATOR_REPORT = "operator_report"


class Outcome(StrEnum):
    RESOLVED = "resolved"
    """A proposal for a joint resolution; resolved once the other side endorses it."""
    ONE_SIDED = "one_sided"
    """This side closes the incident alone; shown as such, never as agreed."""


class Link(BaseModel):
    """What the incident comes from: an entry, an encounter, an activity or a track."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["entry", "encounter", "activity", "track"]
    id: Annotated[str, StringConstraints(min_length=1, max_length=200)]

    @model_validator(mode="after")
    def _entry_ids_are_hashes(self) -> Link:
        if self.kind == "entry" and not _ENTRY_ID.fullmatch(self.id):
            raise ValueError("an entry link is a 64-hex entry id")
        return self


class IncidentOpenBody(Body):
    """Opens a shared case; it keeps flowing while dialogue is suspended."""

    KIND: ClassVar[str] = "incident_open"
    SAFETY_FLOOR: ClassVar[bool] = True  # saying "this was dangerous" must always be possible

    type: IncidentType
    title: Title
    facts: Annotated[list[Item], Field(min_length=1, max_length=MAX_ITEMS)]
    tags: Annotated[list[Tag], Field(max_length=MAX_ITEMS)] = Field(default_factory=list)
    """Fact tags such as ``critical`` or ``fire_control_radar``; see ``levels.FACTS_TO_LEVEL``."""
    level: LevelNumber
    """The level the opening side proposes (the node proposes one from the tags)."""
    event_key: EventKey
    links: Annotated[list[Link], Field(max_length=MAX_LINKS)] = Field(default_factory=list)
    domain: Literal["sea", "air", "land", "space"] | None = None
    lang: LangTag = "en"


class IncidentAssessmentBody(Body):
    """One side's own assessment of an incident's level; both sides' are shown."""

    KIND: ClassVar[str] = "incident_assessment"

    incident: EntryRef
    level: LevelNumber
    rationale: Item
    lang: LangTag = "en"


class IncidentCloseBody(Body):
    """Closes an incident: a joint resolution proposal, or one side's closing alone."""

    KIND: ClassVar[str] = "incident_close"

    incident: EntryRef
    outcome: Outcome
    agreed_facts: Annotated[list[Item], Field(min_length=1, max_length=MAX_ITEMS)]
    measures: Annotated[list[Item], Field(max_length=MAX_ITEMS)] = Field(default_factory=list)
    note: Item | None = None
    lang: LangTag = "en"


class IncidentEndorseBody(Body):
    """The other side signs a resolution proposal, bound to its exact words."""

    KIND: ClassVar[str] = "incident_endorse"
    NEEDS_ACK: ClassVar[bool] = False  # the endorsement is itself the answer

    incident: EntryRef
    ref: EntryRef
    """Entry id of the ``incident_close`` proposal."""
    text_sha256: Sha256Hex


def close_text_sha256(body: IncidentCloseBody) -> str:
    """SHA-256 of the RFC 8785 JSON of what a resolution agrees: the exact words endorsed."""
    canonical = rfc8785.dumps(
        {
            "incident": body.incident,
            "agreed_facts": list(body.agreed_facts),
            "measures": list(body.measures),
            "note": body.note,
        }
    )
    return hashlib.sha256(canonical).hexdigest()


INCIDENT_KINDS: Final = (
    "incident_open",
    "incident_assessment",
    "incident_close",
    "incident_endorse",
)


def incident_kinds() -> list[type[Body]]:
    """Every body this package defines, for the node's kind registry."""
    return [IncidentOpenBody, IncidentAssessmentBody, IncidentCloseBody, IncidentEndorseBody]
