"""What a channel agrees about its link: deadlines, link checks, limits."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from detente.wire.enums import Precedence

DEFAULT_DEADLINES_S: dict[Precedence, float] = {
    Precedence.FLASH: 10 * 60,
    Precedence.IMMEDIATE: 30 * 60,
    Precedence.PRIORITY: 3 * 3600,
    Precedence.ROUTINE: 6 * 3600,
}


class LinkSettings(BaseModel):
    """Per-channel link agreement; both nodes hold the same values."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ack_deadlines_s: dict[Precedence, float] = Field(
        default_factory=lambda: dict(DEFAULT_DEADLINES_S)
    )
    link_check_interval_s: float = Field(default=3600.0, ge=1.0, le=7 * 86400)
    link_check_missed_alarm: int = Field(default=2, ge=1, le=100)
    max_batch: int = Field(default=500, ge=1, le=5000)
    pull_interval_s: float = Field(default=5.0, ge=0.1, le=3600)
    max_clock_skew_s: float = Field(default=300.0, ge=1.0, le=86400)
    checkpoint_interval_s: float = Field(default=60.0, ge=1.0, le=86400)
    """How often each node signs a checkpoint of its log and asks the peer to witness it."""

    @model_validator(mode="after")
    def _all_precedences(self) -> LinkSettings:
        missing = set(Precedence) - set(self.ack_deadlines_s)
        if missing:
            raise ValueError(f"ack_deadlines_s lacks {sorted(missing)}")
        if any(v <= 0 for v in self.ack_deadlines_s.values()):
            raise ValueError("ack_deadlines_s values must be positive")
        return self
