"""Encounter thresholds a channel agrees on: when a predicted pass is caution, warning, critical.

A level holds for a pair when, at some moment between now and the level's
time limit, the two units are predicted closer than its horizontal range
and (for aircraft) its vertical separation at the same moment. The defaults
are the ones the parties start negotiating from; a channel may tighten or
loosen them but never disorder them (caution is always the widest).

This module must never compute geometry; ``screen_levels`` applies it.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic import ValidationError as PydanticValidationError

from detente.errors import ValidationError
from detente.geo.distance import METRES_PER_FT, METRES_PER_NM, METRES_PER_YD
from detente.types import JSONValue


class Level(IntEnum):
    """Ordered so that comparisons read naturally: CRITICAL > WARNING > CAUTION > NONE."""

    NONE = 0
    CAUTION = 1
    WARNING = 2
    CRITICAL = 3

    @property
    def label(self) -> str:
        return self.name.lower()


class LevelThreshold(BaseModel):
    """One level's limits; ``vertical_m`` None means height does not matter (ships)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    range_m: float = Field(gt=0)
    within_s: float = Field(gt=0)
    vertical_m: float | None = Field(default=None, gt=0)


class DomainThresholds(BaseModel):
    """The three levels for one domain, ordered caution >= warning >= critical."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    caution: LevelThreshold
    warning: LevelThreshold
    critical: LevelThreshold
    max_age_s: float = Field(gt=0)
    """A track with no report for longer than this is stale and not screened."""

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        pairs = (("caution", "warning"), ("warning", "critical"))
        for wide_name, narrow_name in pairs:
            wide: LevelThreshold = getattr(self, wide_name)
            narrow: LevelThreshold = getattr(self, narrow_name)
            for attr in ("range_m", "within_s", "vertical_m"):
                wide_v, narrow_v = getattr(wide, attr), getattr(narrow, attr)
                if (wide_v is None) != (narrow_v is None):
                    raise ValueError(f"{narrow_name}.{attr}: set on one level but not another")
                if wide_v is not None and narrow_v > wide_v:
                    raise ValueError(
                        f"{narrow_name}.{attr}: {narrow_v} exceeds {wide_name}'s {wide_v}"
                    )
        return self

    def level(self, level: Level) -> LevelThreshold:
        """The limits of one level (NONE has none)."""
        if level is Level.NONE:
            raise ValueError("Level.NONE has no threshold")
        threshold: LevelThreshold = getattr(self, level.label)
        return threshold

    def scaled(self, factor: float) -> DomainThresholds:
        """Ranges and separations grown by ``factor``: the hysteresis band for lowering a level."""

        def grow(t: LevelThreshold) -> LevelThreshold:
            vertical = None if t.vertical_m is None else t.vertical_m * factor
            return LevelThreshold(
                range_m=t.range_m * factor, within_s=t.within_s, vertical_m=vertical
            )

        return DomainThresholds(
            caution=grow(self.caution),
            warning=grow(self.warning),
            critical=grow(self.critical),
            max_age_s=self.max_age_s,
        )


class EncounterThresholds(BaseModel):
    """What a channel agreed, per domain; a pair with an aircraft in it uses ``air``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sea: DomainThresholds
    air: DomainThresholds
    lower_margin: float = Field(default=0.1, ge=0, le=1)
    """A level is lowered only once the pair is clear of it by this fraction."""
    lower_hold_s: float = Field(default=30.0, ge=0)
    """…and has stayed clear for this long, so an alert does not flicker."""

    @classmethod
    def default(cls) -> EncounterThresholds:
        """The starting point for negotiation, in the units sailors and pilots use."""
        nm, yd, ft = METRES_PER_NM, METRES_PER_YD, METRES_PER_FT
        return cls(
            sea=DomainThresholds(
                caution=LevelThreshold(range_m=2 * nm, within_s=30 * 60),
                warning=LevelThreshold(range_m=1 * nm, within_s=15 * 60),
                critical=LevelThreshold(range_m=500 * yd, within_s=10 * 60),
                max_age_s=10 * 60,
            ),
            air=DomainThresholds(
                caution=LevelThreshold(range_m=5 * nm, within_s=5 * 60, vertical_m=2000 * ft),
                warning=LevelThreshold(range_m=1 * nm, within_s=2 * 60, vertical_m=1000 * ft),
                # "Predicted or now": the shortest look-ahead of the three.
                critical=LevelThreshold(range_m=500 * ft, within_s=60, vertical_m=500 * ft),
                max_age_s=30,
            ),
        )

    @classmethod
    def from_json(cls, data: JSONValue) -> EncounterThresholds:
        """Parse a channel's agreed thresholds, naming the offending field on error."""
        try:
            return cls.model_validate(data)
        except PydanticValidationError as exc:
            first = exc.errors()[0]
            loc = ".".join(str(part) for part in first["loc"])
            message = str(first["msg"]).removeprefix("Value error, ")
            field, _, reason = message.partition(": ")
            if reason:
                loc = f"{loc}.{field}" if loc else field
            else:
                reason = message
            raise ValidationError(
                reason, field=f"thresholds.{loc}" if loc else "thresholds"
            ) from exc

    @property
    def reach_m(self) -> float:
        """Widest caution range of any domain: what the broad phase must never prune."""
        return max(self.sea.caution.range_m, self.air.caution.range_m)


def with_horizon(thresholds: EncounterThresholds, horizon_s: float) -> EncounterThresholds:
    """The same thresholds looking at most ``horizon_s`` ahead (each level's limit capped)."""
    if horizon_s <= 0:
        raise ValidationError("must be positive", field="horizon_s")

    def cap(domain: DomainThresholds) -> DomainThresholds:
        def level(t: LevelThreshold) -> LevelThreshold:
            return t.model_copy(update={"within_s": min(t.within_s, horizon_s)})

        return domain.model_copy(
            update={
                "caution": level(domain.caution),
                "warning": level(domain.warning),
                "critical": level(domain.critical),
            }
        )

    return thresholds.model_copy(update={"sea": cap(thresholds.sea), "air": cap(thresholds.air)})
