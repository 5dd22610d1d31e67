"""Screen TrackStates at one instant: from position reports to levelled pairs.

Brings every fresh report to the same instant by dead reckoning, drops stale
tracks, runs the flat-plane broad phase in one tangent plane (or in several
overlapping tiles when the tracks span a hemisphere), then measures every
candidate pair again in a plane centred on its first unit, the way DAIDALUS
measures from its ownship, so that neither the antimeridian, the poles nor a
wide theatre distort the distances that decide a level.

It must never keep state between screens or decide what to notify.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from detente.deconflict.screen import (
    OTHER_TRAFFIC,
    PairGeometry,
    PlaneTracks,
    candidate_pairs,
    pair_geometry,
)
from detente.deconflict.screen_levels import classify
from detente.deconflict.thresholds import EncounterThresholds
from detente.deconflict.track import TrackState
from detente.geo.distance import destination_deg, haversine_m
from detente.geo.enu import (
    EARTH_RADIUS_M,
    TangentPlane,
    enu_axes,
    mean_point,
    unit_vectors,
    velocity_en,
)
from detente.types import BoolArray, FloatArray, IntArray

SINGLE_PLANE_SPREAD_M = 3_500_000.0
"""Up to this distance from the centre (about 31 degrees) one orthographic plane prunes safely.

Orthographic projection never lengthens a distance, so pruning in the plane
keeps every pair that can meet; the one error, the plane bending a straight
run by at most a few hundred metres over an aircraft's horizon at this
spread, is covered by padding the reach.
"""

_TILE_CHORD = 0.3
"""Edge of a broad-phase tile on the unit sphere (about 17 degrees)."""


@dataclass(frozen=True, slots=True)
class ScreenResult:
    """Pairs at one instant; ``geometry.a``/``.b`` index into ``reports``."""

    now_s: float
    reports: tuple[TrackState, ...]
    """The latest fresh report of each track, as received (sorted by track id)."""
    lat_deg: FloatArray
    lon_deg: FloatArray
    alt_m: FloatArray
    """Positions dead-reckoned to ``now_s``, one row per report."""
    geometry: PairGeometry
    levels: IntArray

    def state(self, index: int) -> TrackState:
        """Track ``index`` as it is at ``now_s``; built on demand, only for tracks in pairs."""
        return replace(
            self.reports[index],
            t=self.now_s,
            lat_deg=float(self.lat_deg[index]),
            lon_deg=float(self.lon_deg[index]),
            alt_m=float(self.alt_m[index]),
        )

    def pair_ids(self) -> list[tuple[str, str]]:
        """Track ids of each pair, in row order."""
        return [
            (self.reports[int(a)].track, self.reports[int(b)].track)
            for a, b in zip(self.geometry.a, self.geometry.b, strict=True)
        ]


def _latest_fresh(
    states: Iterable[TrackState], now_s: float, thresholds: EncounterThresholds
) -> list[TrackState]:
    latest: dict[str, TrackState] = {}
    for state in states:
        held = latest.get(state.track)
        if held is None or state.t >= held.t:
            latest[state.track] = state
    sea_age, air_age = thresholds.sea.max_age_s, thresholds.air.max_age_s
    kept = [
        s for s in latest.values() if now_s - s.t <= (air_age if s.domain == "air" else sea_age)
    ]
    kept.sort(key=lambda s: s.track)
    return kept


def _numbers(reports: Sequence[TrackState]) -> FloatArray:
    """t, lat, lon, speed, course, alt, vrate per report, in one pass over the objects."""
    return np.array(
        [
            (s.t, s.lat_deg, s.lon_deg, s.speed_mps, s.course_deg, s.alt_m, s.vrate_mps)
            for s in reports
        ],
        dtype=np.float64,
    ).reshape(-1, 7)


def _dead_reckon(
    reports: Sequence[TrackState], now_s: float, numbers: FloatArray | None = None
) -> tuple[FloatArray, FloatArray, FloatArray]:
    table = _numbers(reports) if numbers is None else numbers
    dt = now_s - table[:, 0]
    lat, lon = table[:, 1].copy(), table[:, 2].copy()
    alt = table[:, 5] + table[:, 6] * dt
    moved = dt != 0.0
    if bool(moved.any()):
        lat2, lon2 = destination_deg(
            lat[moved], lon[moved], table[moved, 4], table[moved, 3] * dt[moved]
        )
        lat[moved], lon[moved] = lat2, lon2
    return lat, lon, alt


def fresh_states(
    states: Iterable[TrackState], now_s: float, thresholds: EncounterThresholds
) -> list[TrackState]:
    """The latest report per track, without the stale ones, dead-reckoned to ``now_s``."""
    kept = _latest_fresh(states, now_s, thresholds)
    lat, lon, alt = _dead_reckon(kept, now_s)
    return [
        replace(s, t=now_s, lat_deg=float(lat[k]), lon_deg=float(lon[k]), alt_m=float(alt[k]))
        for k, s in enumerate(kept)
    ]


@dataclass(frozen=True, slots=True)
class _Arrays:
    lat_deg: FloatArray
    lon_deg: FloatArray
    alt_m: FloatArray
    ve_mps: FloatArray
    vn_mps: FloatArray
    vz_mps: FloatArray
    party: IntArray
    is_air: BoolArray
    horizon_s: FloatArray
    reach_m: FloatArray
    unit: FloatArray
    east: FloatArray
    north: FloatArray
    """Unit position vector and local axes, (n, 3): computed once per track, gathered per pair."""


def _arrays(
    states: Sequence[TrackState],
    numbers: FloatArray,
    position: tuple[FloatArray, FloatArray, FloatArray],
    thresholds: EncounterThresholds,
    parties: Collection[str] | None,
) -> _Arrays:
    labels = [s.party for s in states]
    known = sorted({p for p in labels if p is not None})
    index = {p: k for k, p in enumerate(known) if parties is None or p in parties}
    ve, vn = velocity_en(numbers[:, 3], numbers[:, 4])
    is_air = np.array([s.domain == "air" for s in states], dtype=bool)
    east, north, _ = enu_axes(position[0], position[1])
    # Sea pairs need a 2 NM reach between them, any pair with an aircraft in it
    # 5 NM: half the sea range for a ship, the rest for an aircraft.
    sea_reach_m = thresholds.sea.caution.range_m / 2.0
    air_reach_m = max(
        thresholds.air.caution.range_m - sea_reach_m, thresholds.air.caution.range_m / 2
    )
    return _Arrays(
        lat_deg=position[0],
        lon_deg=position[1],
        alt_m=position[2],
        ve_mps=ve,
        vn_mps=vn,
        vz_mps=numbers[:, 6].copy(),
        party=np.array(
            [OTHER_TRAFFIC if p is None else index.get(p, OTHER_TRAFFIC) for p in labels],
            dtype=np.int64,
        ),
        is_air=is_air,
        horizon_s=np.where(
            is_air, thresholds.air.caution.within_s, thresholds.sea.caution.within_s
        ).astype(np.float64),
        reach_m=np.where(is_air, air_reach_m, sea_reach_m).astype(np.float64),
        unit=unit_vectors(position[0], position[1]),
        east=east,
        north=north,
    )


def _plane_tracks(arr: _Arrays, rows: IntArray) -> PlaneTracks:
    lat, lon = arr.lat_deg[rows], arr.lon_deg[rows]
    c_lat, c_lon = mean_point(lat, lon)
    plane = TangentPlane(c_lat, c_lon)
    x, y, _ = plane.project(lat, lon)
    vx, vy = plane.project_velocity(lat, lon, arr.ve_mps[rows], arr.vn_mps[rows])
    return PlaneTracks(
        x_m=x,
        y_m=y,
        vx_mps=vx,
        vy_mps=vy,
        alt_m=arr.alt_m[rows],
        vz_mps=arr.vz_mps[rows],
        party=arr.party[rows],
        is_air=arr.is_air[rows],
        horizon_s=arr.horizon_s[rows],
    )


def _plane_candidates(
    arr: _Arrays, rows: IntArray, *, all_traffic: bool
) -> tuple[IntArray, IntArray]:
    """Candidates among ``rows`` in one plane, already cut to those whose planar CPA can alert.

    The plane's curvature bends straight courses by up to tens of metres over
    the horizon; the reach is padded for that so the cut stays conservative.
    """
    tracks = _plane_tracks(arr, rows)
    reach_m = arr.reach_m[rows] * 1.02 + 250.0
    a, b = candidate_pairs(tracks, reach_m, all_traffic=all_traffic)
    keep = _planar_cpa_m(tracks, a, b) < reach_m[a] + reach_m[b]
    return rows[a[keep]], rows[b[keep]]


def _planar_cpa_m(tracks: PlaneTracks, a: IntArray, b: IntArray) -> FloatArray:
    """Only the CPA distance: the cut runs on every candidate, so it computes nothing else."""
    sx = tracks.x_m[b] - tracks.x_m[a]
    sy = tracks.y_m[b] - tracks.y_m[a]
    vx = tracks.vx_mps[b] - tracks.vx_mps[a]
    vy = tracks.vy_mps[b] - tracks.vy_mps[a]
    v2 = vx * vx + vy * vy
    t = -(sx * vx + sy * vy) / np.maximum(v2, 1e-12)
    t = np.clip(t, 0.0, np.minimum(tracks.horizon_s[a], tracks.horizon_s[b]))
    return np.asarray(np.hypot(sx + vx * t, sy + vy * t))


def _broad_phase(arr: _Arrays, *, all_traffic: bool) -> tuple[IntArray, IntArray]:
    """Candidate pairs over any spread of positions, tiling the sphere when one plane won't do."""
    n = arr.lat_deg.shape[0]
    c_lat, c_lon = mean_point(arr.lat_deg, arr.lon_deg)
    spread_m = float(np.max(haversine_m(c_lat, c_lon, arr.lat_deg, arr.lon_deg)))
    if spread_m <= SINGLE_PLANE_SPREAD_M:
        return _plane_candidates(arr, np.arange(n, dtype=np.int64), all_traffic=all_traffic)
    unit = unit_vectors(arr.lat_deg, arr.lon_deg)
    swept_m = np.hypot(arr.ve_mps, arr.vn_mps) * arr.horizon_s
    margin = (2.0 * float(swept_m.max()) + 2.0 * float(arr.reach_m.max()) + 1000.0) / EARTH_RADIUS_M
    tile = np.floor(unit / _TILE_CHORD).astype(np.int64)
    found_a: list[IntArray] = []
    found_b: list[IntArray] = []
    for key in np.unique(tile, axis=0):
        lo = key * _TILE_CHORD - margin
        hi = (key + 1) * _TILE_CHORD + margin
        rows = np.flatnonzero(np.all((unit >= lo) & (unit <= hi), axis=1)).astype(np.int64)
        if rows.shape[0] < 2:
            continue
        a, b = _plane_candidates(arr, rows, all_traffic=all_traffic)
        home_a = np.all(tile[a] == key, axis=1)
        home_b = np.all(tile[b] == key, axis=1)
        keep = home_a | home_b
        found_a.append(a[keep])
        found_b.append(b[keep])
    if not found_a:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    key_ab = np.unique(np.concatenate(found_a) * n + np.concatenate(found_b))
    return key_ab // n, key_ab % n


def _refine(arr: _Arrays, a: IntArray, b: IntArray) -> PairGeometry:
    """Exact geometry of each pair in a plane tangent at unit ``a``.

    The same orthographic projection as ``geo.enu.project_onto`` and
    ``rotate_velocity_onto``, with the trigonometry done once per track.
    """
    east_a, north_a = arr.east[a], arr.north[a]
    unit_b = arr.unit[b]
    sx = EARTH_RADIUS_M * np.einsum("ij,ij->i", unit_b, east_a)
    sy = EARTH_RADIUS_M * np.einsum("ij,ij->i", unit_b, north_a)
    world_b = arr.ve_mps[b, None] * arr.east[b] + arr.vn_mps[b, None] * arr.north[b]
    return pair_geometry(
        a,
        b,
        sx,
        sy,
        arr.alt_m[b] - arr.alt_m[a],
        np.einsum("ij,ij->i", world_b, east_a) - arr.ve_mps[a],
        np.einsum("ij,ij->i", world_b, north_a) - arr.vn_mps[a],
        arr.vz_mps[b] - arr.vz_mps[a],
        np.minimum(arr.horizon_s[a], arr.horizon_s[b]),
        arr.is_air[a] | arr.is_air[b],
    )


def screen_states(
    states: Iterable[TrackState],
    now_s: float,
    thresholds: EncounterThresholds | None = None,
    *,
    all_traffic: bool = False,
    parties: Collection[str] | None = None,
    watch: Iterable[tuple[str, str]] = (),
) -> ScreenResult:
    """Every pair at some level at ``now_s``, plus the ``watch`` pairs whatever their level.

    ``parties`` are the channel's parties; units of any other party (a flag
    state attributed from an MMSI, say) count as other traffic. ``watch``
    lets the alert lifecycle follow pairs it already has open after they
    have left every threshold, to see them open out and clear.
    """
    thresholds = thresholds or EncounterThresholds.default()
    reports = _latest_fresh(states, now_s, thresholds)
    numbers = _numbers(reports)
    position = _dead_reckon(reports, now_s, numbers)
    empty = np.zeros(0, dtype=np.int64)
    if len(reports) < 2:
        zeros = np.zeros(0)
        geometry = pair_geometry(
            empty, empty, zeros, zeros, zeros, zeros, zeros, zeros, zeros, np.zeros(0, dtype=bool)
        )
        return ScreenResult(now_s, tuple(reports), *position, geometry, empty)
    arr = _arrays(reports, numbers, position, thresholds, parties)
    a, b = _broad_phase(arr, all_traffic=all_traffic)
    watch = list(watch)
    index = {s.track: k for k, s in enumerate(reports)} if watch else {}
    watched = [
        (min(index[x], index[y]), max(index[x], index[y]))
        for x, y in watch
        if x in index and y in index and x != y
    ]
    n = len(reports)
    keys = a * n + b
    watched_keys = np.array([i * n + j for i, j in watched], dtype=np.int64)
    if watched:
        keys = np.unique(np.concatenate([keys, watched_keys]))
    a, b = keys // n, keys % n
    geometry = _refine(arr, a, b)
    levels = classify(geometry, thresholds)
    keep = levels > 0
    if watched:
        keep |= np.isin(keys, watched_keys)
    return ScreenResult(now_s, tuple(reports), *position, geometry.take(keep), levels[keep])
