"""The link's own entry kinds: acknowledgements, replies, link checks, outages,
audit anchors, suspension, escalation, and the distress and emergency
messages that must always get through.

Which of them keep flowing while dialogue is suspended is declared here, on
the body classes, so the rule lives next to the kinds it governs.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from detente.types import JSONObject
from detente.wire.body import Body
from detente.wire.enums import Tier
from detente.wire.kinds import LangTag

EntryRef = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Timestamp = Annotated[
    str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")
]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=2000)]


class AcknowledgeBody(Body):
    """A human's "read and understood" of one entry of the other party."""

    KIND: ClassVar[str] = "acknowledge"
    SAFETY_FLOOR: ClassVar[bool] = True  # an acknowledgement is not dialogue
    NEEDS_ACK: ClassVar[bool] = False

    ref: EntryRef
    role: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    officer: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None


class RespondBody(Body):
    """A free-text answer to a given entry."""

    KIND: ClassVar[str] = "respond"

    ref: EntryRef
    text: Annotated[str, StringConstraints(min_length=1, max_length=8000)]
    lang: LangTag


class LinkCheckBody(Body):
    """The scheduled "are you there"; the peer node's receipt is the answer."""

    KIND: ClassVar[str] = "link_check"
    SAFETY_FLOOR: ClassVar[bool] = True
    NEEDS_ACK: ClassVar[bool] = False

    n: int = Field(ge=1)
    interval_s: float = Field(gt=0)


class AuditAnchorBody(Body):
    """The newest chain value of the sender's audit log, signed so the peer witnesses it.

    Only the head, deliberately no count: the rival learns that our operators
    acted, not how much. A later rewrite of the audit log on the sender's
    machine no longer matches what the peer holds (``detente audit verify``).
    Housekeeping like a link check: it keeps flowing during a suspension and
    asks no person to acknowledge it.
    """

    KIND: ClassVar[str] = "audit_anchor"
    SAFETY_FLOOR: ClassVar[bool] = True
    NEEDS_ACK: ClassVar[bool] = False

    head: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class OutageReportBody(Body):
    """After a link-down: when it started and ended, so both sides record the same outage."""

    KIND: ClassVar[str] = "outage_report"
    SAFETY_FLOOR: ClassVar[bool] = True
    NEEDS_ACK: ClassVar[bool] = False

    start_t: Timestamp
    end_t: Timestamp
    missed_checks: int = Field(ge=1)


class SuspendBody(Body):
    """Suspends dialogue on the channel; the safety floor keeps flowing."""

    KIND: ClassVar[str] = "suspend"
    SAFETY_FLOOR: ClassVar[bool] = True  # must always be sayable

    reason: ShortText


class ResumeBody(Body):
    """Ends one's own suspension."""

    KIND: ClassVar[str] = "resume"
    SAFETY_FLOOR: ClassVar[bool] = True

    ref: EntryRef
    note: ShortText | None = None


class EscalationBody(Body):
    """A missed deadline moves an item one tier up, with a new deadline there."""

    KIND: ClassVar[str] = "escalation"
    SAFETY_FLOOR: ClassVar[bool] = True
    NEEDS_ACK: ClassVar[bool] = False

    ref: EntryRef
    from_tier: Tier
    to_tier: Tier
    missed_deadline_t: Timestamp
    reason: ShortText


class Position(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    lat_deg: float = Field(ge=-90, le=90)
    lon_deg: float = Field(ge=-180, le=180)


class DistressBody(Body):
    """A platform in distress (Mayday): always carried."""

    KIND: ClassVar[str] = "distress"
    SAFETY_FLOOR: ClassVar[bool] = True

    text: Annotated[str, StringConstraints(min_length=1, max_length=4000)]
    lang: LangTag
    unit: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None
    position: Position | None = None


class EmergencyBody(Body):
    """An urgent safety message short of distress (Pan-Pan, Sécurité): always carried."""

    KIND: ClassVar[str] = "emergency"
    SAFETY_FLOOR: ClassVar[bool] = True

    text: Annotated[str, StringConstraints(min_length=1, max_length=4000)]
    lang: LangTag
    unit: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None
    position: Position | None = None


ROTATION_PURPOSE = "detente/key-rotation"


class KeyRotationBody(Body):
    """Signed by the old key: from the next entry on, this log is signed by the new key.

    ``new_key_sig`` is the new key's signature over the canonical JSON of
    ``{"purpose", "channel", "party", "old_key_id", "new_key_id"}``, proving the
    new key's holder agreed to take over this log.
    """

    KIND: ClassVar[str] = "key_rotation"
    SAFETY_FLOOR: ClassVar[bool] = True
    NEEDS_ACK: ClassVar[bool] = False

    new_key_id: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
    new_public_key: Annotated[str, StringConstraints(min_length=43, max_length=43)]
    new_key_sig: Annotated[str, StringConstraints(min_length=86, max_length=86)]


class KeyRevocationBody(Body):
    """A compromised key of this log: entries it signed from ``from_seq`` on are void."""

    KIND: ClassVar[str] = "key_revocation"
    SAFETY_FLOOR: ClassVar[bool] = True
    NEEDS_ACK: ClassVar[bool] = True

    key_id: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
    from_seq: int = Field(ge=1)
    reason: ShortText


def rotation_statement(channel: str, party: str, old_key_id: str, new_key_id: str) -> JSONObject:
    """What the new key signs to accept a log (see ``KeyRotationBody``)."""
    return {
        "purpose": ROTATION_PURPOSE,
        "channel": channel,
        "party": party,
        "old_key_id": old_key_id,
        "new_key_id": new_key_id,
    }


def link_kinds() -> list[type[Body]]:
    return [
        AcknowledgeBody,
        RespondBody,
        LinkCheckBody,
        AuditAnchorBody,
        OutageReportBody,
        SuspendBody,
        ResumeBody,
        EscalationBody,
        DistressBody,
        EmergencyBody,
        KeyRotationBody,
        KeyRevocationBody,
    ]
