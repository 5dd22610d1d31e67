"""Turn pair geometry into alert levels under a channel's thresholds.

A level holds when the predicted horizontal-violation interval and the
vertical-violation interval overlap somewhere in [0, the level's time
limit]: both units are close in plan *and* in height at one moment. That is
the DAIDALUS "loss of well clear" test, done in closed form on arrays rather
than by sampling times.

It must never project coordinates or remember earlier screens (that is
``encounter``'s job).
"""

from __future__ import annotations

import numpy as np

from detente.deconflict.screen import PairGeometry
from detente.deconflict.thresholds import DomainThresholds, EncounterThresholds, Level
from detente.types import BoolArray, FloatArray, IntArray


def _horizontal_interval(geometry: PairGeometry, range_m: float) -> tuple[FloatArray, FloatArray]:
    """Times (entry, exit) inside ``range_m`` horizontally; empty when entry > exit."""
    sx, sy, vx, vy = geometry.sx_m, geometry.sy_m, geometry.vx_mps, geometry.vy_mps
    a = vx * vx + vy * vy
    b = sx * vx + sy * vy
    c = sx * sx + sy * sy - range_m * range_m
    disc = b * b - a * c
    moving = a > 1e-12
    safe_a = np.where(moving, a, 1.0)
    root = np.sqrt(np.clip(disc, 0.0, None))
    entry = np.where(moving, (-b - root) / safe_a, np.where(c < 0.0, -np.inf, np.inf))
    exit_ = np.where(moving, (-b + root) / safe_a, np.where(c < 0.0, np.inf, -np.inf))
    never = moving & (disc < 0.0)
    return np.where(never, np.inf, entry), np.where(never, -np.inf, exit_)


def _vertical_interval(
    geometry: PairGeometry, vertical_m: float | None
) -> tuple[FloatArray, FloatArray]:
    n = len(geometry)
    if vertical_m is None:
        return np.full(n, -np.inf), np.full(n, np.inf)
    sz, vz = geometry.sz_m, geometry.vz_mps
    moving = np.abs(vz) > 1e-9
    safe_vz = np.where(moving, vz, 1.0)
    t1 = (-vertical_m - sz) / safe_vz
    t2 = (vertical_m - sz) / safe_vz
    inside = np.abs(sz) < vertical_m
    entry = np.where(moving, np.minimum(t1, t2), np.where(inside, -np.inf, np.inf))
    exit_ = np.where(moving, np.maximum(t1, t2), np.where(inside, np.inf, -np.inf))
    return entry, exit_


def breaches(geometry: PairGeometry, domain: DomainThresholds, level: Level) -> BoolArray:
    """Whether each pair is predicted inside ``level``'s limits before its time limit."""
    limits = domain.level(level)
    h_in, h_out = _horizontal_interval(geometry, limits.range_m)
    v_in, v_out = _vertical_interval(geometry, limits.vertical_m)
    start = np.maximum(np.maximum(h_in, v_in), 0.0)
    end = np.minimum(np.minimum(h_out, v_out), np.minimum(limits.within_s, geometry.horizon_s))
    # Strictly inside for a while: a pair grazing a limit at one instant is not in breach.
    return np.asarray(start < end)


def classify(geometry: PairGeometry, thresholds: EncounterThresholds) -> IntArray:
    """The highest level each pair breaches (``Level`` values as int64; 0 for none)."""
    levels = np.zeros(len(geometry), dtype=np.int64)
    for domain, rows in ((thresholds.sea, ~geometry.is_air), (thresholds.air, geometry.is_air)):
        if not bool(rows.any()):
            continue
        subset = geometry.take(rows)
        sub_levels = np.zeros(len(subset), dtype=np.int64)
        for level in (Level.CAUTION, Level.WARNING, Level.CRITICAL):
            sub_levels = np.where(breaches(subset, domain, level), int(level), sub_levels)
        levels[rows] = sub_levels
    return levels
