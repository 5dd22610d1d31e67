"""The CPA/TCPA screening kernel: which pairs of tracks can meet, and how close.

Works on plain numpy arrays in one flat plane (metres, metres per second) so
that it can screen a whole theatre at once: a uniform-grid broad phase finds
the pairs whose swept boxes (position now to position at the horizon, grown
by the reach) overlap, then an exact constant-velocity closest point of
approach is computed for those pairs only. Only pairs of *different* parties
are produced; tracks of party ``-1`` are "other traffic" and pair with party
units only when asked.

It must never read TrackStates, geography or thresholds: callers project
(``screen_states``) and classify (``screen_levels``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from detente.types import BoolArray, FloatArray, IntArray

OTHER_TRAFFIC = -1
"""Party index of tracks attributed to no party."""

_CELL_KEY_STRIDE = np.int64(1 << 31)


@dataclass(frozen=True, slots=True)
class PlaneTracks:
    """Tracks at one instant in one plane; all arrays have one row per track."""

    x_m: FloatArray
    y_m: FloatArray
    vx_mps: FloatArray
    vy_mps: FloatArray
    alt_m: FloatArray
    vz_mps: FloatArray
    party: IntArray
    is_air: BoolArray
    horizon_s: FloatArray

    def __len__(self) -> int:
        return int(self.x_m.shape[0])


@dataclass(frozen=True, slots=True)
class PairGeometry:
    """Constant-velocity geometry of candidate pairs; b relative to a, one row per pair."""

    a: IntArray
    b: IntArray
    sx_m: FloatArray
    sy_m: FloatArray
    sz_m: FloatArray
    vx_mps: FloatArray
    vy_mps: FloatArray
    vz_mps: FloatArray
    horizon_s: FloatArray
    is_air: BoolArray
    cpa_m: FloatArray
    """Horizontal distance at the closest point of approach within [0, horizon]."""
    tcpa_s: FloatArray
    """Time to that closest point, clipped to [0, horizon]; 0 once the pair is opening."""
    range_now_m: FloatArray
    vsep_now_m: FloatArray
    vsep_cpa_m: FloatArray
    range_rate_mps: FloatArray
    """Positive when the pair is opening, negative while it closes."""

    def __len__(self) -> int:
        return int(self.a.shape[0])

    def take(self, keep: IntArray | BoolArray) -> PairGeometry:
        """A subset of rows, for filtering after classification."""
        return PairGeometry(**{name: getattr(self, name)[keep] for name in self.__slots__})


def pair_geometry(
    a: IntArray,
    b: IntArray,
    sx_m: FloatArray,
    sy_m: FloatArray,
    sz_m: FloatArray,
    vx_mps: FloatArray,
    vy_mps: FloatArray,
    vz_mps: FloatArray,
    horizon_s: FloatArray,
    is_air: BoolArray,
) -> PairGeometry:
    """Exact horizontal CPA and vertical separations from relative states."""
    v2 = vx_mps * vx_mps + vy_mps * vy_mps
    sv = sx_m * vx_mps + sy_m * vy_mps
    moving = v2 > 0.0
    t_star = np.where(moving, -sv / np.where(moving, v2, 1.0), 0.0)
    tcpa_s = np.clip(t_star, 0.0, horizon_s)
    cx = sx_m + vx_mps * tcpa_s
    cy = sy_m + vy_mps * tcpa_s
    range_now_m = np.hypot(sx_m, sy_m)
    safe_range = np.where(range_now_m > 0.0, range_now_m, 1.0)
    return PairGeometry(
        a=a,
        b=b,
        sx_m=sx_m,
        sy_m=sy_m,
        sz_m=sz_m,
        vx_mps=vx_mps,
        vy_mps=vy_mps,
        vz_mps=vz_mps,
        horizon_s=horizon_s,
        is_air=is_air,
        cpa_m=np.hypot(cx, cy),
        tcpa_s=tcpa_s,
        range_now_m=range_now_m,
        vsep_now_m=np.abs(sz_m),
        vsep_cpa_m=np.abs(sz_m + vz_mps * tcpa_s),
        range_rate_mps=np.where(range_now_m > 0.0, sv / safe_range, np.sqrt(v2)),
    )


def plane_pair_geometry(tracks: PlaneTracks, a: IntArray, b: IntArray) -> PairGeometry:
    """Pair geometry for given index pairs, straight from the plane coordinates."""
    return pair_geometry(
        a,
        b,
        tracks.x_m[b] - tracks.x_m[a],
        tracks.y_m[b] - tracks.y_m[a],
        tracks.alt_m[b] - tracks.alt_m[a],
        tracks.vx_mps[b] - tracks.vx_mps[a],
        tracks.vy_mps[b] - tracks.vy_mps[a],
        tracks.vz_mps[b] - tracks.vz_mps[a],
        np.minimum(tracks.horizon_s[a], tracks.horizon_s[b]),
        tracks.is_air[a] | tracks.is_air[b],
    )


def _swept_boxes(
    tracks: PlaneTracks, reach_m: float | FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    end_x = tracks.x_m + tracks.vx_mps * tracks.horizon_s
    end_y = tracks.y_m + tracks.vy_mps * tracks.horizon_s
    return (
        np.minimum(tracks.x_m, end_x) - reach_m,
        np.maximum(tracks.x_m, end_x) + reach_m,
        np.minimum(tracks.y_m, end_y) - reach_m,
        np.maximum(tracks.y_m, end_y) + reach_m,
    )


def _pairable(party: IntArray, a: IntArray, b: IntArray, all_traffic: bool) -> BoolArray:
    pa, pb = party[a], party[b]
    both_parties = (pa != OTHER_TRAFFIC) & (pb != OTHER_TRAFFIC)
    ok = both_parties & (pa != pb)
    if all_traffic:
        ok |= (pa == OTHER_TRAFFIC) ^ (pb == OTHER_TRAFFIC)
    return np.asarray(ok)


def candidate_pairs(
    tracks: PlaneTracks,
    reach_m: float | FloatArray,
    *,
    all_traffic: bool = False,
    cell_m: float | None = None,
) -> tuple[IntArray, IntArray]:
    """Index pairs (a < b) of pairable tracks whose swept boxes, grown by ``reach_m``, overlap.

    ``reach_m`` is one value or one per track. Two tracks that come within
    ``reach_a + reach_b`` of each other before the shorter horizon
    necessarily have overlapping boxes, so nothing that can alert is pruned.
    Each pair is emitted once: from the grid cell at the low corner of the
    two boxes' intersection, which avoids a global unique().
    """
    n = len(tracks)
    empty = np.zeros(0, dtype=np.int64)
    if n < 2:
        return empty, empty
    x0, x1, y0, y1 = _swept_boxes(tracks, reach_m)
    if cell_m is None:
        extent = np.maximum(x1 - x0, y1 - y0)
        # A little over the typical box: most boxes touch 1-4 cells, few pairs repeat.
        cell_m = float(max(1.5 * np.median(extent), 1.0))
    ox, oy = float(x0.min()), float(y0.min())
    ix0 = np.floor((x0 - ox) / cell_m).astype(np.int64)
    ix1 = np.floor((x1 - ox) / cell_m).astype(np.int64)
    iy0 = np.floor((y0 - oy) / cell_m).astype(np.int64)
    iy1 = np.floor((y1 - oy) / cell_m).astype(np.int64)
    nx = ix1 - ix0 + 1
    ny = iy1 - iy0 + 1
    counts = nx * ny
    owner = np.repeat(np.arange(n, dtype=np.int64), counts)
    first = np.cumsum(counts) - counts
    local = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(first, counts)
    cx = ix0[owner] + local % nx[owner]
    cy = iy0[owner] + local // nx[owner]
    cell = cx * _CELL_KEY_STRIDE + cy
    party = tracks.party
    # Sort by cell, then party, so that each entry pairs only with the later
    # entries of its cell that belong to another party: same-party pairs,
    # the bulk in dense harbours, are never materialised.
    order = np.lexsort((party[owner], cell))
    cell_sorted = cell[order]
    owner_sorted = owner[order]
    party_sorted = party[owner_sorted]
    m = cell_sorted.shape[0]
    new_cell = np.ones(m, dtype=bool)
    new_cell[1:] = cell_sorted[1:] != cell_sorted[:-1]
    new_run = new_cell.copy()
    new_run[1:] |= party_sorted[1:] != party_sorted[:-1]
    cell_end = _run_end(new_cell)
    run_end = _run_end(new_run)
    fan = cell_end - run_end
    total = int(fan.sum())
    if total == 0:
        return empty, empty
    # Everything below is gathered by entry position: src runs in order and
    # dst stays within the same cell, so memory is read nearly sequentially.
    index_type = np.int32 if m < 2**31 else np.int64
    src = np.repeat(np.arange(m, dtype=index_type), fan)
    step = np.arange(total, dtype=index_type) - np.repeat(
        (np.cumsum(fan) - fan).astype(index_type), fan
    )
    dst = np.repeat(run_end.astype(index_type), fan) + step
    e_ix0, e_iy0 = ix0[owner_sorted], iy0[owner_sorted]
    e_cx, e_cy = cx[order], cy[order]
    keep = (e_cx[src] == np.maximum(e_ix0[src], e_ix0[dst])) & (
        e_cy[src] == np.maximum(e_iy0[src], e_iy0[dst])
    )
    src, dst = src[keep], dst[keep]
    e_x0, e_x1, e_y0, e_y1 = x0[owner_sorted], x1[owner_sorted], y0[owner_sorted], y1[owner_sorted]
    keep = (e_x0[src] <= e_x1[dst]) & (e_x0[dst] <= e_x1[src])
    keep &= (e_y0[src] <= e_y1[dst]) & (e_y0[dst] <= e_y1[src])
    a = owner_sorted[src[keep]]
    b = owner_sorted[dst[keep]]
    pairable = _pairable(party, a, b, all_traffic)
    a, b = a[pairable], b[pairable]
    return np.minimum(a, b), np.maximum(a, b)


def _run_end(starts: BoolArray) -> IntArray:
    """For each position, the index one past the end of the run it belongs to."""
    m = starts.shape[0]
    start_idx = np.flatnonzero(starts)
    ends = np.append(start_idx[1:], m).astype(np.int64)
    run_id = np.cumsum(starts) - 1
    return np.asarray(ends[run_id], dtype=np.int64)


def naive_pairs(tracks: PlaneTracks, *, all_traffic: bool = False) -> tuple[IntArray, IntArray]:
    """Every pairable pair, no pruning: the baseline the broad phase is measured against."""
    a, b = np.triu_indices(len(tracks), k=1)
    a64, b64 = a.astype(np.int64), b.astype(np.int64)
    keep = _pairable(tracks.party, a64, b64, all_traffic)
    return a64[keep], b64[keep]


def screen_plane(
    tracks: PlaneTracks,
    reach_m: float | FloatArray,
    *,
    all_traffic: bool = False,
    cell_m: float | None = None,
) -> PairGeometry:
    """Broad phase, then exact CPA; keeps pairs predicted within ``reach_a + reach_b``."""
    a, b = candidate_pairs(tracks, reach_m, all_traffic=all_traffic, cell_m=cell_m)
    geometry = plane_pair_geometry(tracks, a, b)
    reach = np.broadcast_to(np.asarray(reach_m, dtype=np.float64), (len(tracks),))
    return geometry.take(geometry.cpa_m < reach[a] + reach[b])
