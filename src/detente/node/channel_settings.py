"""The channel agreement both nodes hold: languages, link terms, and capability terms.

Capabilities (encounter thresholds, activity buffers) add their own sections
here as they land; every section has defaults so an invitation can be short.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from detente.link.settings import LinkSettings


class ChannelSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    languages: list[str] = Field(default_factory=lambda: ["en", "zh"], min_length=1)
    local_tz: str = Field(default="Asia/Shanghai", max_length=64)
    link: LinkSettings = Field(default_factory=LinkSettings)
    extra: dict[str, Any] = Field(default_factory=dict)
