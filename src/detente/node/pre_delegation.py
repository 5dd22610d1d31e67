"""Pre-delegation: what a node says on its own, without any person's approval.

Safety-critical notices need no approval chain (DESIGN.md). Both parties
state, in the channel terms both sign, which statements each node sends by
itself: receipts, link checks, audit anchors, escalations of missed
deadlines, outage reports, and encounter alerts up to an agreed level. The section lives in
``ChannelSettings.extra["pre_delegation"]`` so the peer knows which of our
entries carry no person's release, and a reviewer can check afterwards that
nothing else was sent that way.

This module must never send anything; it only states and checks the terms.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from detente.errors import ForbiddenError, ValidationError
from detente.link.outgoing import Draft, draft_place
from detente.node.channel_settings import ChannelSettings
from detente.wire.enums import Precedence

SECTION = "pre_delegation"
AlertLevel = Literal["caution", "warning", "critical"]
LEVEL_ORDER: tuple[str, ...] = ("caution", "warning", "critical")


class Delegated(BaseModel):
    """One kind the node sends by itself, and the most urgent precedence it may use."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    max_precedence: Precedence = Precedence.ROUTINE


def _default_kinds() -> tuple[Delegated, ...]:
    return (
        Delegated(kind="receipt"),
        Delegated(kind="link_check"),
        Delegated(kind="audit_anchor"),
        Delegated(kind="escalation", max_precedence=Precedence.FLASH),
        Delegated(kind="outage_report", max_precedence=Precedence.IMMEDIATE),
        Delegated(kind="encounter_alert", max_precedence=Precedence.FLASH),
        Delegated(kind="incident_open", max_precedence=Precedence.IMMEDIATE),
    )


class PreDelegation(BaseModel):
    """The pre-delegation section of the channel terms.

    Defaults: receipts, link checks and audit anchors (ROUTINE), escalations
    of missed deadlines (up to FLASH, as the missed item's precedence), outage
    reports (up to IMMEDIATE), and encounter alerts up to ``encounter_alert_max_level``
    (``critical`` by default: the closest encounters are exactly the ones that
    must not wait for a person), and the incident a critical sea alert opens
    (up to IMMEDIATE). A party that wants a human in the loop for critical
    encounters lowers the level to ``warning``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kinds: tuple[Delegated, ...] = Field(default_factory=_default_kinds)
    encounter_alert_max_level: AlertLevel = "critical"

    def covers(self, kind: str, precedence: Precedence, body: dict[str, Any]) -> bool:
        """Whether the node may send this statement without a person's release."""
        order = list(Precedence)  # FLASH first: a smaller index is more urgent
        for item in self.kinds:
            if item.kind != kind:
                continue
            if order.index(precedence) < order.index(item.max_precedence):
                return False
            if kind == "encounter_alert":
                level = str(body.get("level"))
                ceiling = LEVEL_ORDER.index(self.encounter_alert_max_level)
                return level in LEVEL_ORDER and LEVEL_ORDER.index(level) <= ceiling
            return True
        return False


def pre_delegation_of(terms: ChannelSettings) -> PreDelegation:
    """The channel's pre-delegation section, or the defaults when the terms have none."""
    raw = terms.extra.get(SECTION)
    if raw is None:
        return PreDelegation()
    try:
        return PreDelegation.model_validate(raw)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise ValidationError(
            first["msg"], field=f"extra.{SECTION}.{loc}" if loc else f"extra.{SECTION}"
        ) from exc


def with_pre_delegation(terms: ChannelSettings, section: PreDelegation) -> ChannelSettings:
    """Terms carrying ``section``, for an invitation that states it explicitly."""
    extra = {**terms.extra, SECTION: section.model_dump(mode="json")}
    return terms.model_copy(update={"extra": extra})


def require_pre_delegated(terms: ChannelSettings, drafts: Sequence[Draft]) -> None:
    """Refuse a draft the node would send on its own without the channel's pre-delegation.

    For the node's duties (link checks, escalations, alerts) to call before
    ``NodeService.send``, so a statement nobody released is always one both
    parties agreed the node may make.
    """
    section = pre_delegation_of(terms)
    for index, draft in enumerate(drafts):
        if not section.covers(draft.kind, draft.precedence, draft.body):
            where = draft_place(drafts, index)
            raise ForbiddenError(
                f"{where}: {draft.kind} at {draft.precedence.value} is not pre-delegated "
                "by this channel's terms; a person must send it",
                field="kind",
            )
