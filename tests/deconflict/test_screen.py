"""The CPA/TCPA kernel: hand-computed geometries, properties, and the broad phase's completeness."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.deconflict.screen import (
    OTHER_TRAFFIC,
    PairGeometry,
    PlaneTracks,
    candidate_pairs,
    naive_pairs,
    pair_geometry,
    plane_pair_geometry,
    screen_plane,
)


def one_pair(
    s: tuple[float, float],
    v: tuple[float, float],
    horizon_s: float = 3600.0,
    sz: float = 0.0,
    vz: float = 0.0,
) -> PairGeometry:
    def arr(x: float) -> np.ndarray:
        return np.array([x], dtype=np.float64)

    return pair_geometry(
        np.array([0]),
        np.array([1]),
        arr(s[0]),
        arr(s[1]),
        arr(sz),
        arr(v[0]),
        arr(v[1]),
        arr(vz),
        arr(horizon_s),
        np.array([False]),
    )


def tracks(
    x: list[float],
    y: list[float],
    vx: list[float],
    vy: list[float],
    party: list[int],
    horizon_s: float = 1800.0,
) -> PlaneTracks:
    n = len(x)
    return PlaneTracks(
        x_m=np.array(x, dtype=np.float64),
        y_m=np.array(y, dtype=np.float64),
        vx_mps=np.array(vx, dtype=np.float64),
        vy_mps=np.array(vy, dtype=np.float64),
        alt_m=np.zeros(n),
        vz_mps=np.zeros(n),
        party=np.array(party, dtype=np.int64),
        is_air=np.zeros(n, dtype=bool),
        horizon_s=np.full(n, horizon_s),
    )


def test_pair_geometry_head_on_meets_at_midpoint_time() -> None:
    # 10 km apart, closing at 10 + 10 m/s, offset 100 m laterally.
    g = one_pair((100.0, 10_000.0), (0.0, -20.0))
    assert g.tcpa_s[0] == pytest.approx(500.0)
    assert g.cpa_m[0] == pytest.approx(100.0)
    assert g.range_now_m[0] == pytest.approx(np.hypot(100.0, 10_000.0))
    assert g.range_rate_mps[0] < 0


def test_pair_geometry_crossing_at_right_angles() -> None:
    # a north at 5 m/s from origin; b west at 5 m/s from (1000, 1000): they meet head-on-ish.
    g = one_pair((1000.0, 1000.0), (-5.0, -5.0))
    assert g.tcpa_s[0] == pytest.approx(200.0)
    assert g.cpa_m[0] == pytest.approx(0.0, abs=1e-9)


def test_pair_geometry_overtaking_is_slow_and_close() -> None:
    # b 2 km astern, 50 m to the side, 2 m/s faster.
    g = one_pair((50.0, -2000.0), (0.0, 2.0))
    assert g.tcpa_s[0] == pytest.approx(1000.0)
    assert g.cpa_m[0] == pytest.approx(50.0)


def test_pair_geometry_parallel_keeps_range() -> None:
    g = one_pair((300.0, 400.0), (0.0, 0.0))
    assert g.tcpa_s[0] == 0.0
    assert g.cpa_m[0] == pytest.approx(500.0)
    assert g.range_rate_mps[0] == pytest.approx(0.0)


def test_pair_geometry_diverging_cpa_is_now() -> None:
    g = one_pair((0.0, 1000.0), (0.0, 3.0))
    assert g.tcpa_s[0] == 0.0
    assert g.cpa_m[0] == pytest.approx(1000.0)
    assert g.range_rate_mps[0] == pytest.approx(3.0)


def test_pair_geometry_stationary_and_coincident() -> None:
    g = one_pair((0.0, 0.0), (0.0, 0.0))
    assert g.tcpa_s[0] == 0.0
    assert g.cpa_m[0] == 0.0


def test_pair_geometry_tcpa_clipped_to_horizon() -> None:
    g = one_pair((0.0, 100_000.0), (0.0, -10.0), horizon_s=1800.0)
    assert g.tcpa_s[0] == 1800.0
    assert g.cpa_m[0] == pytest.approx(82_000.0)


def test_pair_geometry_vertical_separation_at_cpa() -> None:
    g = one_pair((0.0, 6000.0), (0.0, -200.0), sz=300.0, vz=-5.0)
    assert g.tcpa_s[0] == pytest.approx(30.0)
    assert g.vsep_now_m[0] == pytest.approx(300.0)
    assert g.vsep_cpa_m[0] == pytest.approx(150.0)


coord = st.floats(min_value=-20_000, max_value=20_000)
speed = st.floats(min_value=-300, max_value=300)


@given(coord, coord, speed, speed, coord, coord, speed, speed)
@settings(max_examples=200)
def test_pair_geometry_properties(
    xa: float, ya: float, vxa: float, vya: float, xb: float, yb: float, vxb: float, vyb: float
) -> None:
    t = tracks([xa, xb], [ya, yb], [vxa, vxb], [vya, vyb], [0, 1], horizon_s=600.0)
    ab = plane_pair_geometry(t, np.array([0]), np.array([1]))
    ba = plane_pair_geometry(t, np.array([1]), np.array([0]))
    # Symmetry: swapping the units changes nothing that matters.
    assert ba.cpa_m[0] == pytest.approx(ab.cpa_m[0], abs=1e-6)
    assert ba.tcpa_s[0] == pytest.approx(ab.tcpa_s[0], abs=1e-6)
    # The closest point is never further than now.
    assert ab.cpa_m[0] <= ab.range_now_m[0] + 1e-9
    # Translation invariance.
    shifted = tracks(
        [xa + 12_345.0, xb + 12_345.0],
        [ya - 999.0, yb - 999.0],
        [vxa, vxb],
        [vya, vyb],
        [0, 1],
        600.0,
    )
    moved = plane_pair_geometry(shifted, np.array([0]), np.array([1]))
    assert moved.cpa_m[0] == pytest.approx(ab.cpa_m[0], abs=1e-6)
    if np.hypot(vxb - vxa, vyb - vya) > 1e-3:  # TCPA is ill-conditioned for parallel tracks
        assert moved.tcpa_s[0] == pytest.approx(ab.tcpa_s[0], abs=1e-6)
    # Agreement with brute-force sampling of the future (1/10 s steps).
    times = np.linspace(0.0, 600.0, 6001)
    dx = (xb - xa) + (vxb - vxa) * times
    dy = (yb - ya) + (vyb - vya) * times
    sampled = np.hypot(dx, dy)
    assert ab.cpa_m[0] <= sampled.min() + 1e-6
    assert ab.cpa_m[0] >= sampled.min() - 0.05 * np.hypot(vxb - vxa, vyb - vya) - 1e-6


def test_candidate_pairs_only_pair_different_parties() -> None:
    t = tracks([0, 10, 20, 30], [0, 0, 0, 0], [0] * 4, [0] * 4, [0, 0, 1, OTHER_TRAFFIC])
    a, b = candidate_pairs(t, 1000.0)
    assert sorted(zip(a.tolist(), b.tolist(), strict=True)) == [(0, 2), (1, 2)]
    a, b = candidate_pairs(t, 1000.0, all_traffic=True)
    assert sorted(zip(a.tolist(), b.tolist(), strict=True)) == [
        (0, 2),
        (0, 3),
        (1, 2),
        (1, 3),
        (2, 3),
    ]


def test_candidate_pairs_prunes_far_apart_and_finds_fast_closers() -> None:
    # 0 and 1 are 100 km apart, stationary: pruned. 2 races 54 km towards 3, 50 km off: kept.
    t = tracks(
        [0, 100_000, 0, 0], [0, 0, 200_000, 250_000], [0, 0, 0, 0], [0, 0, 30, 0], [0, 1, 0, 1]
    )
    a, b = candidate_pairs(t, 1852.0)
    assert list(zip(a.tolist(), b.tolist(), strict=True)) == [(2, 3)]


@given(st.integers(min_value=0, max_value=10_000), st.booleans())
@settings(max_examples=25, deadline=None)
def test_candidate_pairs_finds_every_close_pair_the_naive_screen_finds(
    seed: int, all_traffic: bool
) -> None:
    rng = np.random.default_rng(seed)
    n = 300
    t = PlaneTracks(
        x_m=rng.uniform(0, 60_000, n),
        y_m=rng.uniform(0, 60_000, n),
        vx_mps=rng.normal(0, 8, n),
        vy_mps=rng.normal(0, 8, n),
        alt_m=np.zeros(n),
        vz_mps=np.zeros(n),
        party=rng.integers(-1, 3, n).astype(np.int64),
        is_air=np.zeros(n, dtype=bool),
        horizon_s=rng.choice([300.0, 1800.0], n),
    )
    reach = 1852.0
    fast = screen_plane(t, reach, all_traffic=all_traffic)
    a, b = naive_pairs(t, all_traffic=all_traffic)
    slow = plane_pair_geometry(t, a, b)
    close = slow.cpa_m < 2 * reach
    assert set(zip(fast.a.tolist(), fast.b.tolist(), strict=True)) == set(
        zip(a[close].tolist(), b[close].tolist(), strict=True)
    )
    assert len(fast) == len(set(zip(fast.a.tolist(), fast.b.tolist(), strict=True)))


def test_candidate_pairs_empty_and_single() -> None:
    a, b = candidate_pairs(tracks([], [], [], [], []), 1000.0)
    assert a.shape == (0,) and b.shape == (0,)
    a, b = candidate_pairs(tracks([0.0], [0.0], [0.0], [0.0], [0]), 1000.0)
    assert a.shape == (0,)
