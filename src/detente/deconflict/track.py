"""One kinematic state of one ship or aircraft: the unit every ingest path produces.

Kept free of parsing and screening so ingest, screening, incursion checks and
the simulator can all share it without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Domain = Literal["sea", "air"]


@dataclass(frozen=True, slots=True)
class TrackState:
    """A position report; SI units inside, epoch seconds for time."""

    track: str
    t: float
    lat_deg: float
    lon_deg: float
    speed_mps: float
    course_deg: float
    alt_m: float = 0.0
    vrate_mps: float = 0.0
    domain: Domain = "sea"
    party: str | None = None
    name: str | None = None
