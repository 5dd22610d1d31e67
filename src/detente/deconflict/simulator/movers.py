"""Units that move along great-circle legs through waypoints, sampled at report times.

A mover knows only its path and its speed; where it is at time t is the
point that distance along the path. Loops (patrol racetracks, fishing boats
milling over a ground) wrap around. Must never draw random numbers: the
scenario does that, so a seed decides everything.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from detente.deconflict.track import Domain, TrackState
from detente.geo.distance import destination_deg, haversine_m, initial_bearing_deg


@dataclass(frozen=True, slots=True)
class Unit:
    """Who a track is: its id as ingest would name it, and what it is."""

    track: str
    name: str
    party: str | None
    kind: str
    """navy, coast_guard, maritime_militia, air_force, civilian, fishing …"""
    domain: Domain
    mmsi: int | None = None
    icao: str | None = None
    callsign: str | None = None


@dataclass(slots=True)
class Mover:
    """A unit following waypoints at a constant speed from ``start_t``."""

    unit: Unit
    waypoints: list[tuple[float, float]]
    speed_mps: float
    start_t: float
    alt_m: float = 0.0
    loop: bool = False
    report_every_s: float = 10.0
    phase_s: float = 0.0
    """Offset of this unit's report clock, so units do not all report on the same second."""
    _legs_m: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        pts = self.waypoints + ([self.waypoints[0]] if self.loop else [])
        self._legs_m = [
            float(haversine_m(a[0], a[1], b[0], b[1])) for a, b in itertools.pairwise(pts)
        ]

    @property
    def path_m(self) -> float:
        return float(sum(self._legs_m))

    def state(self, t: float) -> TrackState:
        """Where the unit is at ``t``; it holds at its last waypoint once there."""
        pts = self.waypoints + ([self.waypoints[0]] if self.loop else [])
        travelled = max(t - self.start_t, 0.0) * self.speed_mps
        total = self.path_m
        if self.loop and total > 0:
            travelled %= total
        speed = self.speed_mps
        for k, leg in enumerate(self._legs_m):
            if travelled <= leg or k == len(self._legs_m) - 1:
                a, b = pts[k], pts[k + 1]
                along = min(travelled, leg)
                if travelled > leg:
                    speed = 0.0
                course = float(initial_bearing_deg(a[0], a[1], b[0], b[1]))
                lat, lon = destination_deg(a[0], a[1], course, along)
                # The course at the current point, not at the leg's start.
                here = float(initial_bearing_deg(lat, lon, b[0], b[1])) if along < leg else course
                return self._make(t, float(lat), float(lon), speed, here)
            travelled -= leg
        lat0, lon0 = self.waypoints[0]
        return self._make(t, lat0, lon0, 0.0, 0.0)

    def _make(self, t: float, lat: float, lon: float, speed: float, course: float) -> TrackState:
        return TrackState(
            track=self.unit.track,
            t=t,
            lat_deg=lat,
            lon_deg=lon,
            speed_mps=speed,
            course_deg=course % 360.0,
            alt_m=self.alt_m,
            vrate_mps=0.0,
            domain=self.unit.domain,
            party=self.unit.party,
            name=self.unit.name,
        )

    def report_times(self, start_t: float, end_t: float) -> list[float]:
        first = start_t + self.phase_s % self.report_every_s
        return [float(t) for t in np.arange(first, end_t, self.report_every_s)]


@dataclass(slots=True)
class Scripted:
    """A unit whose states come from a closed-form function of time (scripted encounters)."""

    unit: Unit
    states: dict[float, TrackState]
    """Reports by time, precomputed by the scenario."""

    def report_times(self, start_t: float, end_t: float) -> list[float]:
        return [t for t in sorted(self.states) if start_t <= t < end_t]

    def state(self, t: float) -> TrackState:
        return self.states[t]
