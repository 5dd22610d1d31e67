"""Levels from geometry: the closed-form 3D violation intervals."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.deconflict.screen import PairGeometry, pair_geometry
from detente.deconflict.screen_levels import breaches, classify
from detente.deconflict.thresholds import EncounterThresholds, Level

THRESHOLDS = EncounterThresholds.default()


def geom(
    s: tuple[float, float, float], v: tuple[float, float, float], *, air: bool, horizon_s: float
) -> PairGeometry:
    def one(x: float) -> np.ndarray:
        return np.array([x], dtype=np.float64)

    return pair_geometry(
        np.array([0]),
        np.array([1]),
        one(s[0]),
        one(s[1]),
        one(s[2]),
        one(v[0]),
        one(v[1]),
        one(v[2]),
        one(horizon_s),
        np.array([air]),
    )


def test_classify_sea_levels_by_range_and_time() -> None:
    # Closing at 10 m/s, passing 1,000 m abeam in 1,200 s: inside 1 NM only after 15 min.
    late = geom((1000.0, 12_000.0, 0.0), (0.0, -10.0, 0.0), air=False, horizon_s=1800.0)
    assert classify(late, THRESHOLDS).tolist() == [Level.CAUTION]
    # Same pass 400 s out: warning (1,000 m < 1 NM within 15 min), not critical.
    soon = geom((1000.0, 4000.0, 0.0), (0.0, -10.0, 0.0), air=False, horizon_s=1800.0)
    assert classify(soon, THRESHOLDS).tolist() == [Level.WARNING]
    # Range now under 500 yd: critical whatever the future.
    now = geom((400.0, 0.0, 0.0), (5.0, 0.0, 0.0), air=False, horizon_s=1800.0)
    assert classify(now, THRESHOLDS).tolist() == [Level.CRITICAL]


def test_classify_air_needs_both_horizontal_and_vertical() -> None:
    # Horizontal miss 100 m in 30 s, but 800 ft above and holding: only caution (< 2,000 ft).
    above = geom((100.0, 6000.0, 800 * 0.3048), (0.0, -200.0, 0.0), air=True, horizon_s=300.0)
    assert classify(above, THRESHOLDS).tolist() == [Level.WARNING]
    # Descending through our level right at CPA: critical.
    through = geom((100.0, 6000.0, 300.0), (0.0, -200.0, -10.0), air=True, horizon_s=300.0)
    assert classify(through, THRESHOLDS).tolist() == [Level.CRITICAL]
    # Descending through our level long after the horizontal pass: nothing.
    late = geom((100.0, 6000.0, 3000.0), (0.0, -200.0, -10.0), air=True, horizon_s=300.0)
    assert classify(late, THRESHOLDS).tolist() == [Level.NONE]


def test_classify_mixed_batch_uses_each_domain() -> None:
    sea = geom((400.0, 0.0, 0.0), (0.0, 0.0, 0.0), air=False, horizon_s=1800.0)
    air = geom((400.0, 0.0, 0.0), (0.0, 0.0, 0.0), air=True, horizon_s=300.0)
    both = PairGeometry(
        **{k: np.concatenate([getattr(sea, k), getattr(air, k)]) for k in sea.__slots__}
    )
    assert classify(both, THRESHOLDS).tolist() == [Level.CRITICAL, Level.WARNING]


@given(
    st.floats(-20_000, 20_000),
    st.floats(-20_000, 20_000),
    st.floats(-1000, 1000),
    st.floats(-300, 300),
    st.floats(-300, 300),
    st.floats(-30, 30),
)
@settings(max_examples=200)
def test_breaches_agree_with_sampling(
    sx: float, sy: float, sz: float, vx: float, vy: float, vz: float
) -> None:
    g = geom((sx, sy, sz), (vx, vy, vz), air=True, horizon_s=300.0)
    limits = THRESHOLDS.air.warning
    assert limits.vertical_m is not None
    t = np.linspace(0.0, limits.within_s, 24_001)
    inside = (np.hypot(sx + vx * t, sy + vy * t) < limits.range_m) & (
        np.abs(sz + vz * t) < limits.vertical_m
    )
    got = bool(breaches(g, THRESHOLDS.air, Level.WARNING)[0])
    if inside.any():
        assert got
    if got and not inside.any():
        # Only a sliver between two samples (5 ms) can escape the sampling.
        fine = np.linspace(0.0, limits.within_s, 2_400_001)
        near = (np.hypot(sx + vx * fine, sy + vy * fine) < limits.range_m * 1.001) & (
            np.abs(sz + vz * fine) < limits.vertical_m * 1.001
        )
        assert near.any()
