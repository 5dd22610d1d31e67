"""A party's own private plans: checked against the peer's notices, never sent.

A duty officer drafts a transit or patrol and wants to know, before anything
is said, whether it lands in the other side's announced live-fire area. A
``Plan`` has the same volumes and kinds as a notice but is not an entry body:
it has no ``KIND`` and the kind registry cannot carry it, so it cannot leak
onto the wire by accident.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from detente.deconflict.activity import MAX_VOLUMES, ActivityKind, Description, Title
from detente.deconflict.conflict import ActivityKey, Conflict
from detente.deconflict.index import ActivityIndex
from detente.deconflict.volume import Volume

PartyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2,8}$")]
PlanId = Annotated[str, StringConstraints(min_length=1, max_length=128)]


class Plan(BaseModel):
    """One party's own planned activity, kept at its node only."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    plan_id: PlanId
    party: PartyCode
    kind: ActivityKind
    title: Title
    description: Description = ""
    volumes: list[Volume] = Field(min_length=1, max_length=MAX_VOLUMES)

    @property
    def key(self) -> ActivityKey:
        return ActivityKey(self.party, f"plan:{self.plan_id}")


def check_plan(plan: Plan, notices: ActivityIndex) -> list[Conflict]:
    """Where the plan meets notified volumes of any other party."""
    return notices.check(plan.volumes, exclude_party=plan.party, key=plan.key)
