"""Predicted incursions: a unit heading into the other party's notified volume.

A ship or aircraft of one party, held at constant course, speed and climb
rate, is predicted over a short horizon (30 minutes by default). If that path
enters a volume the *other* party has notified while the volume is active
and at a height inside its band, the node should say so before it happens.
The answer is the first moment all three hold at once: inside the area
(not on its edge), inside the band, inside the window.

This module must never send anything or read clocks: it takes track states
and an index and returns ``Incursion`` records, earliest first.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from detente.deconflict.conflict import ActivityKey, Prepared
from detente.deconflict.footprint import shift, shifts_between
from detente.deconflict.index import ActivityIndex
from detente.deconflict.track import TrackState
from detente.deconflict.volume import utc
from detente.geo.geodesic import direct
from detente.types import FloatArray, JSONObject

DEFAULT_HORIZON_S = 1_800.0
_STEP_M = 2_000.0
_MAX_SAMPLES = 400

Interval = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Incursion:
    """Track ``track`` is predicted inside volume ``volume`` of ``activity`` from ``entry_s``."""

    track: str
    party: str
    activity: ActivityKey
    volume: int
    entry_s: float
    time_to_entry_s: float
    lat_deg: float
    lon_deg: float
    alt_m: float
    inside_now: bool

    def to_dict(self) -> JSONObject:
        """The JSON shape an alert, the API and the dashboard share."""
        return {
            "track": self.track,
            "party": self.party,
            "activity": {"party": self.activity.party, "activity": self.activity.activity},
            "volume": self.volume,
            "entry": utc(self.entry_s).isoformat().replace("+00:00", "Z"),
            "time_to_entry_s": round(self.time_to_entry_s, 1),
            "lat_deg": self.lat_deg,
            "lon_deg": self.lon_deg,
            "alt_m": self.alt_m,
            "inside_now": self.inside_now,
        }


@dataclass(frozen=True, slots=True)
class _Path:
    """Sampled constant-velocity positions; ``tau_s`` counts from the state's time."""

    tau_s: FloatArray
    lon_deg: FloatArray
    lat_deg: FloatArray
    line: Any
    along: FloatArray
    """Cumulative lon/lat length at each sample, to turn a place on the line into a time."""

    def at(self, tau_s: float) -> tuple[float, float]:
        lon = float(np.interp(tau_s, self.tau_s, self.lon_deg))
        lat = float(np.interp(tau_s, self.tau_s, self.lat_deg))
        return lon, lat

    def tau_of(self, distance: float) -> float:
        return float(np.interp(distance, self.along, self.tau_s))


def predict_incursions(
    states: Iterable[TrackState], index: ActivityIndex, *, horizon_s: float = DEFAULT_HORIZON_S
) -> list[Incursion]:
    """Every predicted entry of an attributed track into another party's volume, earliest first.

    Tracks without a party are skipped: an incursion is one party's unit in
    the other party's announced area.
    """
    found: list[Incursion] = []
    for state in states:
        if state.party is None:
            continue
        path = _path(state, horizon_s)
        minx, miny, maxx, maxy = (float(v) for v in shapely.bounds(path.line))
        for key, number, volume in index.near((minx, miny, maxx, maxy)):
            if key.party == state.party:
                continue
            entry = _entry_tau(state, path, volume, horizon_s)
            if entry is None:
                continue
            lon, lat = path.at(entry)
            found.append(
                Incursion(
                    track=state.track,
                    party=state.party,
                    activity=key,
                    volume=number,
                    entry_s=state.t + entry,
                    time_to_entry_s=entry,
                    lat_deg=lat,
                    lon_deg=((lon + 180.0) % 360.0) - 180.0,
                    alt_m=state.alt_m + state.vrate_mps * entry,
                    inside_now=entry == 0.0,
                )
            )
    found.sort(key=lambda incursion: (incursion.entry_s, incursion.track))
    return found


def _path(state: TrackState, horizon_s: float) -> _Path:
    length_m = max(state.speed_mps, 0.0) * horizon_s
    samples = min(max(math.ceil(length_m / _STEP_M), 1), _MAX_SAMPLES) + 1
    tau = np.linspace(0.0, horizon_s, samples)
    lons, lats = direct(
        state.lon_deg, state.lat_deg, np.full(samples, state.course_deg), state.speed_mps * tau
    )
    lons = np.asarray(lons, dtype=np.float64)
    if lons.min() < -180.0:
        lons = lons + 360.0
    line = shapely.LineString(np.column_stack([lons, lats]))
    steps = np.hypot(np.diff(lons), np.diff(lats))
    along = np.concatenate([[0.0], np.cumsum(steps)])
    return _Path(tau, lons, np.asarray(lats, dtype=np.float64), line, along)


def _entry_tau(state: TrackState, path: _Path, volume: Prepared, horizon_s: float) -> float | None:
    window = (max(volume.start_s - state.t, 0.0), min(volume.end_s - state.t, horizon_s))
    if window[1] <= window[0]:
        return None
    band = _band_interval(state, volume, horizon_s)
    if band is None:
        return None
    best: float | None = None
    for inside in _inside_intervals(path, volume):
        lo = max(inside[0], window[0], band[0])
        hi = min(inside[1], window[1], band[1])
        if hi > lo and (best is None or lo < best):
            best = lo
    return best


def _band_interval(state: TrackState, volume: Prepared, horizon_s: float) -> Interval | None:
    """When the track's height is within the closed band, as an interval of ``tau``."""
    lower, upper, alt, rate = volume.lower_m, volume.upper_m, state.alt_m, state.vrate_mps
    if rate == 0.0:
        return (0.0, horizon_s) if lower <= alt <= upper else None
    t1, t2 = (lower - alt) / rate, (upper - alt) / rate
    lo, hi = max(min(t1, t2), 0.0), min(max(t1, t2), horizon_s)
    return (lo, hi) if hi >= lo else None


def _inside_intervals(path: _Path, volume: Prepared) -> list[Interval]:
    """Stretches of the path strictly inside the area (running along an edge is not entering)."""
    if path.along[-1] == 0.0:
        start = shapely.Point(path.lon_deg[0], path.lat_deg[0])
        for dlon in (0.0, -360.0, 360.0):
            if shapely.contains(shift(volume.geometry, dlon), start):
                return [(0.0, float(path.tau_s[-1]))]
        return []
    intervals: list[Interval] = []
    bounds = tuple(float(v) for v in shapely.bounds(path.line))
    for dlon in shifts_between(bounds, volume.bounds):
        area = shift(volume.geometry, dlon)
        for piece in shapely.get_parts(shapely.intersection(path.line, area)):
            if shapely.get_type_id(piece) != 1:  # a LineString; points are touches
                continue
            ends = [
                path.tau_of(
                    float(shapely.line_locate_point(path.line, shapely.get_point(piece, i)))
                )
                for i in (0, -1)
            ]
            a, b = min(ends), max(ends)
            middle = shapely.line_interpolate_point(piece, 0.5, normalized=True)
            if b > a and shapely.contains(area, middle):
                intervals.append((a, b))
    return intervals
