"""The ``encounter_alert`` entry body: what a node tells the other side about an encounter.

Sent by the node itself, without an approval chain, the moment an
encounter opens or changes level; it is safety-critical and so keeps flowing
while a channel's dialogue is suspended. It carries both units as each side
sees them, the predicted closest point, the level, and a suggested standard
phrase code (the phrase catalogue renders it in every agreed language).

It must never decide *whether* to send: the lifecycle's events do that.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from detente.deconflict.encounter import Encounter
from detente.deconflict.thresholds import Level
from detente.deconflict.track import TrackState
from detente.wire.body import Body

LevelName = Literal["caution", "warning", "critical"]
PhraseCode = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]{1,63}$")]


class EncounterUnit(BaseModel):
    """One unit of the pair at the time of the alert."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    track: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    party: str | None
    name: str | None
    domain: Literal["sea", "air"]
    lat_deg: float = Field(ge=-90, le=90)
    lon_deg: float = Field(ge=-180, le=180)
    alt_m: float
    course_deg: float = Field(ge=0, le=360)
    speed_mps: float = Field(ge=0)

    @classmethod
    def from_state(cls, state: TrackState) -> EncounterUnit:
        return cls(
            track=state.track,
            party=state.party,
            name=state.name,
            domain=state.domain,
            lat_deg=state.lat_deg,
            lon_deg=state.lon_deg,
            alt_m=state.alt_m,
            course_deg=state.course_deg % 360.0,
            speed_mps=state.speed_mps,
        )


def suggested_phrase(encounter: Encounter) -> tuple[str, dict[str, str]]:
    """A first standard phrase (code and parameters) for the officer of the watch.

    Ships are asked to turn to starboard (COLREGs rules 14-15: both give way
    to starboard), aircraft to keep clear; at caution, only intentions. Codes
    are the phrase catalogue's, so the peer renders them in its own language.
    """
    if encounter.level <= Level.CAUTION:
        return "REQUEST_INTENTIONS", {}
    if encounter.domain == "sea":
        return "REQUEST_ALTER_COURSE_TO_SIDE", {"side": "starboard"}
    return "KEEP_CLEAR", {}


class EncounterAlertBody(Body):
    """Two parties' units predicted to pass closer than the channel's thresholds."""

    KIND: ClassVar[str] = "encounter_alert"
    SAFETY_FLOOR: ClassVar[bool] = True

    encounter_id: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{16}$")]
    level: LevelName
    a: EncounterUnit
    b: EncounterUnit
    cpa_m: float = Field(ge=0)
    """Predicted horizontal distance at the closest point of approach."""
    cpa_time: datetime
    """When that closest point is predicted (UTC)."""
    tcpa_s: float = Field(ge=0)
    range_m: float = Field(ge=0)
    """Horizontal range when the alert was made."""
    vsep_m: float = Field(ge=0)
    phrase: PhraseCode
    phrase_params: dict[str, str] = Field(default_factory=dict, max_length=8)

    @classmethod
    def from_encounter(
        cls, encounter: Encounter, *, phrase: str | None = None
    ) -> EncounterAlertBody:
        """The body for an encounter's current snapshot (level NONE cannot be alerted)."""
        if encounter.level is Level.NONE:
            raise ValueError("an encounter at level NONE is not alerted")
        code, params = suggested_phrase(encounter)
        return cls(
            encounter_id=encounter.id,
            level=encounter.level.label,
            a=EncounterUnit.from_state(encounter.a),
            b=EncounterUnit.from_state(encounter.b),
            cpa_m=encounter.cpa_m,
            cpa_time=datetime.fromtimestamp(encounter.cpa_t, tz=UTC),
            tcpa_s=encounter.tcpa_s,
            range_m=encounter.range_m,
            vsep_m=encounter.vsep_m,
            phrase=phrase or code,
            phrase_params={} if phrase else params,
        )
