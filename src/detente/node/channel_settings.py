"""The channel agreement both nodes hold: languages, link terms, and capability terms.

Capabilities (encounter thresholds, activity buffers) add their own sections
here as they land; every section has defaults so an invitation can be short.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from detente.deconflict.thresholds import EncounterThresholds
from detente.link.settings import LinkSettings


class EncounterTerms(BaseModel):
    """What counts as a dangerous encounter, and what the node notifies by itself."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    thresholds: EncounterThresholds = Field(default_factory=EncounterThresholds.default)
    notify_level: Literal["caution", "warning", "critical"] = "warning"
    """The pre-delegated level: at or above it the node sends ``encounter_alert`` itself."""
    min_interval_s: float = Field(default=60.0, ge=0, le=3600)
    """Per encounter, at most one alert per interval unless the level rises."""


class ActivityTerms(BaseModel):
    """The safety buffer both sides agreed for activity conflicts and incursions."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    buffer_m: float = Field(default=0.0, ge=0, le=200_000)
    buffer_s: float = Field(default=0.0, ge=0, le=7 * 86400)
    incursion_horizon_s: float = Field(default=1800.0, gt=0, le=6 * 3600)


class ChannelSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    languages: list[str] = Field(default_factory=lambda: ["en", "zh"], min_length=1)
    local_tz: str = Field(default="Asia/Shanghai", max_length=64)
    link: LinkSettings = Field(default_factory=LinkSettings)
    encounters: EncounterTerms = Field(default_factory=EncounterTerms)
    activities: ActivityTerms = Field(default_factory=ActivityTerms)
    extra: dict[str, Any] = Field(default_factory=dict)
