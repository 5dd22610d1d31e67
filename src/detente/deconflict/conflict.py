"""When two 4D volumes conflict, and the overlap that proves it.

Two volumes conflict when their areas share interior (an overlap of positive
size), their altitude bands share a range of positive height and their time
windows share positive time. Touching edges, a shared vertex, bands that meet
at one altitude and windows that meet at one instant are *not* conflicts:
notices routinely hand an area over at a boundary. A surface-only band (0..0,
a sea closure) is the one exception to "positive height": it overlaps any
band whose lower bound is the surface, because ships on the surface are
inside both.

A channel may set a safety buffer: two volumes then conflict when they come
closer than ``space_m`` horizontally or vertically and ``time_s`` in time.
Each side is widened by half the buffer, so the rule stays symmetric and a
larger buffer never removes a conflict.

Without a buffer the area test runs on the lon/lat polygons themselves, where
RFC 7946 edges are straight, so touching is decided exactly; areas and
buffers are measured in metres on an equal-area plane. This module must
never know about storage, entries or the network.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

import numpy as np
import shapely

from detente.deconflict.footprint import (
    footprint,
    footprints,
    polygons_only,
    shift,
    shifts_between,
    to_geojson,
)
from detente.deconflict.volume import Volume, utc
from detente.geo.geodesic import EqualAreaProjection, area_m2, areas_m2
from detente.types import JSONObject

MIN_OVERLAP_DEG2 = 1e-12
"""Below this (about 0.01 m^2) an overlay's leftover is rounding, not shared interior."""
MIN_OVERLAP_M2 = 0.01
_BUFFER_QUAD_SEGS = 16
_M_PER_DEG_LAT_MIN = 110_574.0
_M_PER_DEG_LON_EQUATOR = 111_320.0


class ActivityKey(NamedTuple):
    """Who notified an activity and which one: the party and the activity's id."""

    party: str
    activity: str


@dataclass(frozen=True, slots=True)
class ConflictBuffer:
    """Required separation between two parties' volumes, set per channel."""

    space_m: float = 0.0
    time_s: float = 0.0

    def __post_init__(self) -> None:
        if self.space_m < 0.0 or not math.isfinite(self.space_m):
            raise ValueError("space_m must be finite and not negative")
        if self.time_s < 0.0 or not math.isfinite(self.time_s):
            raise ValueError("time_s must be finite and not negative")


NO_BUFFER = ConflictBuffer()


@dataclass(frozen=True, slots=True)
class Prepared:
    """A volume turned into numbers and geometry once, then tested many times."""

    geometry: Any
    bounds: tuple[float, float, float, float]
    lower_m: float
    upper_m: float
    start_s: float
    end_s: float

    @classmethod
    def of(cls, volume: Volume) -> Prepared:
        return cls._from(volume, footprint(volume))

    @classmethod
    def many(cls, volumes: Sequence[Volume]) -> list[Prepared]:
        """Prepare many volumes at once (a node loading its notices, a file of features)."""
        return [cls._from(v, g) for v, g in zip(volumes, footprints(volumes), strict=True)]

    @classmethod
    def _from(cls, volume: Volume, geometry: Any) -> Prepared:
        shapely.prepare(geometry)
        minx, miny, maxx, maxy = (float(v) for v in shapely.bounds(geometry))
        return cls(
            geometry=geometry,
            bounds=(minx, miny, maxx, maxy),
            lower_m=volume.altitude.lower_m,
            upper_m=volume.altitude.upper_m,
            start_s=volume.window.start_s,
            end_s=volume.window.end_s,
        )


@dataclass(frozen=True, slots=True)
class Overlap:
    """Where, at what heights and when two volumes overlap."""

    region: Any = field(repr=False)
    """Canonical lon/lat shapely geometry of the shared (or buffered) area."""
    area_m2: float
    alt_lower_m: float
    alt_upper_m: float
    start_s: float
    end_s: float


@dataclass(frozen=True, slots=True)
class Conflict:
    """One conflicting pair: volume ``a_volume`` of ``a`` against ``b_volume`` of ``b``.

    ``a`` is ``None`` when the first side is a notice being checked before it is sent.
    """

    a: ActivityKey | None
    a_volume: int
    b: ActivityKey
    b_volume: int
    overlap: Overlap

    @property
    def area_km2(self) -> float:
        return self.overlap.area_m2 / 1e6

    @property
    def start(self) -> datetime:
        return utc(self.overlap.start_s)

    @property
    def end(self) -> datetime:
        return utc(self.overlap.end_s)

    def region_geojson(self) -> JSONObject:
        return to_geojson(self.overlap.region)

    def to_dict(self) -> JSONObject:
        """The JSON shape shown by the CLI, the API and notices alike."""
        return {
            "a": None if self.a is None else {"party": self.a.party, "activity": self.a.activity},
            "a_volume": self.a_volume,
            "b": {"party": self.b.party, "activity": self.b.activity},
            "b_volume": self.b_volume,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "alt_lower_m": self.overlap.alt_lower_m,
            "alt_upper_m": self.overlap.alt_upper_m,
            "area_km2": round(self.area_km2, 6),
            "region": self.region_geojson(),
        }


def bands_overlap(
    a_lower_m: float, a_upper_m: float, b_lower_m: float, b_upper_m: float, space_m: float = 0.0
) -> bool:
    """Positive shared height after widening each band by half the buffer."""
    # Written exactly as the index's array filter so both agree to the last bit.
    if min(a_upper_m, b_upper_m) - max(a_lower_m, b_lower_m) + space_m > 0.0:
        return True
    # Surface-only (zero-height) bands: inside any band that starts at that height.
    if a_lower_m == a_upper_m and b_lower_m == b_upper_m:
        return a_lower_m == b_lower_m
    if a_lower_m == a_upper_m:
        return b_lower_m <= a_lower_m < b_upper_m
    if b_lower_m == b_upper_m:
        return a_lower_m <= b_lower_m < a_upper_m
    return False


def windows_overlap(
    a_start_s: float, a_end_s: float, b_start_s: float, b_end_s: float, time_s: float = 0.0
) -> bool:
    """Positive shared time after widening each window by half the buffer."""
    return min(a_end_s, b_end_s) - max(a_start_s, b_start_s) + time_s > 0.0


def _span(a_lo: float, a_hi: float, b_lo: float, b_hi: float) -> tuple[float, float]:
    """The shared stretch, or the gap the buffer bridged when they do not meet."""
    lo, hi = max(a_lo, b_lo), min(a_hi, b_hi)
    return (lo, hi) if lo <= hi else (hi, lo)


def overlap(a: Prepared, b: Prepared, buffer: ConflictBuffer = NO_BUFFER) -> Overlap | None:
    """The overlap of two prepared volumes, or ``None`` when they do not conflict."""
    if not windows_overlap(a.start_s, a.end_s, b.start_s, b.end_s, buffer.time_s):
        return None
    if not bands_overlap(a.lower_m, a.upper_m, b.lower_m, b.upper_m, buffer.space_m):
        return None
    shared = shared_area(a, b, buffer.space_m)
    if shared is None:
        return None
    region, region_m2 = shared
    alt_lo, alt_hi = _span(a.lower_m, a.upper_m, b.lower_m, b.upper_m)
    start_s, end_s = _span(a.start_s, a.end_s, b.start_s, b.end_s)
    return Overlap(region, region_m2, alt_lo, alt_hi, start_s, end_s)


def shared_area(a: Prepared, b: Prepared, space_m: float = 0.0) -> tuple[Any, float] | None:
    """The region two areas share (in ``a``'s longitude frame) and its size in m^2."""
    if space_m > 0.0:
        return _buffered_area(a, b, space_m)
    pieces = []
    for dlon in shifts_between(a.bounds, b.bounds):
        piece = shapely.intersection(a.geometry, shift(b.geometry, dlon))
        if shapely.area(piece) > MIN_OVERLAP_DEG2:
            pieces.append(polygons_only(piece))
    if not pieces:
        return None
    region = pieces[0] if len(pieces) == 1 else shapely.union_all(pieces)
    return region, area_m2(region)


def _buffered_area(a: Prepared, b: Prepared, space_m: float) -> tuple[Any, float] | None:
    a_mid = (a.bounds[0] + a.bounds[2]) / 2.0
    dlon = 360.0 * round((a_mid - (b.bounds[0] + b.bounds[2]) / 2.0) / 360.0)
    # Centred on both boxes together, so swapping a and b measures the same plane.
    west, east = min(a.bounds[0], b.bounds[0] + dlon), max(a.bounds[2], b.bounds[2] + dlon)
    south, north = min(a.bounds[1], b.bounds[1]), max(a.bounds[3], b.bounds[3])
    plane = EqualAreaProjection((west + east) / 2.0, (south + north) / 2.0)
    half = space_m / 2.0
    a_m = shapely.buffer(plane.to_plane(a.geometry), half, quad_segs=_BUFFER_QUAD_SEGS)
    b_m = shapely.buffer(plane.to_plane(shift(b.geometry, dlon)), half, quad_segs=_BUFFER_QUAD_SEGS)
    shared_m = polygons_only(shapely.intersection(a_m, b_m))
    shared_m2 = float(shapely.area(shared_m))
    if shared_m2 <= MIN_OVERLAP_M2:
        return None
    return plane.to_lonlat(shared_m), shared_m2


def widen_bounds(
    bounds: tuple[float, float, float, float], space_m: float
) -> tuple[float, float, float, float]:
    """A lon/lat box grown by at least ``space_m`` on every side, for index look-ups."""
    if space_m <= 0.0:
        return bounds
    minx, miny, maxx, maxy = bounds
    dlat = 1.01 * space_m / _M_PER_DEG_LAT_MIN
    miny, maxy = max(miny - dlat, -90.0), min(maxy + dlat, 90.0)
    cos_lat = math.cos(math.radians(max(abs(miny), abs(maxy))))
    dlon = (
        360.0 if cos_lat < 1e-6 else min(1.01 * space_m / (_M_PER_DEG_LON_EQUATOR * cos_lat), 360.0)
    )
    return (minx - dlon, miny, maxx + dlon, maxy)


def overlaps(
    firsts: Sequence[Prepared], seconds: Sequence[Prepared], buffer: ConflictBuffer = NO_BUFFER
) -> list[Overlap | None]:
    """``overlap`` of many pairs at once: the same answers, with shapely's array operations.

    Pairs that need a longitude shift or a buffer take the pairwise path; the
    rest are intersected and measured in bulk, which is what makes all-pairs
    detection over 100,000 volumes take seconds.
    """
    results: list[Overlap | None] = [None] * len(firsts)
    bulk: list[int] = []
    for number, (a, b) in enumerate(zip(firsts, seconds, strict=True)):
        if not windows_overlap(a.start_s, a.end_s, b.start_s, b.end_s, buffer.time_s):
            continue
        if not bands_overlap(a.lower_m, a.upper_m, b.lower_m, b.upper_m, buffer.space_m):
            continue
        if buffer.space_m > 0.0 or shifts_between(a.bounds, b.bounds) != [0.0]:
            results[number] = overlap(a, b, buffer)
        else:
            bulk.append(number)
    if not bulk:
        return results
    pieces = shapely.intersection(
        np.array([firsts[n].geometry for n in bulk], dtype=object),
        np.array([seconds[n].geometry for n in bulk], dtype=object),
    )
    hit = np.flatnonzero(shapely.area(pieces) > MIN_OVERLAP_DEG2)
    regions = [polygons_only(piece) for piece in pieces[hit]]
    sizes_m2 = areas_m2(np.array(regions, dtype=object))
    for position, region, size_m2 in zip(hit.tolist(), regions, sizes_m2.tolist(), strict=True):
        number = bulk[position]
        a, b = firsts[number], seconds[number]
        alt_lo, alt_hi = _span(a.lower_m, a.upper_m, b.lower_m, b.upper_m)
        start_s, end_s = _span(a.start_s, a.end_s, b.start_s, b.end_s)
        results[number] = Overlap(region, size_m2, alt_lo, alt_hi, start_s, end_s)
    return results


def volumes_conflict(a: Volume, b: Volume, buffer: ConflictBuffer = NO_BUFFER) -> Overlap | None:
    """The overlap of two volumes, or ``None``: the plain pairwise test, no index."""
    return overlap(Prepared.of(a), Prepared.of(b), buffer)
