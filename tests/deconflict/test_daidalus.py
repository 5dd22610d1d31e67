"""Pair geometry against NASA DAIDALUS's gold output for the head-on encounter H1.

DAIDALUS measures from an ownship-centred east-north-up plane on a sphere
where 1 NM is one arc minute; so do we here (``project_onto`` with
``DAIDALUS_EARTH_RADIUS_M``), and every second of both gold files must agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from detente.deconflict.screen import PairGeometry, pair_geometry
from detente.geo.distance import METRES_PER_FT, METRES_PER_NM, MPS_PER_KNOT
from detente.geo.enu import DAIDALUS_EARTH_RADIUS_M, project_onto, rotate_velocity_onto

DATA = Path(__file__).parent.parent / "data" / "daidalus"
LOOKAHEAD_S = 180.0  # lookahead_time in DAIDALUS's DO-365 configurations


@dataclass(frozen=True)
class Gold:
    t: float
    hs_nm: float
    vs_ft: float
    hcr_kn: float
    hmd_nm: float
    tcpa_s: float
    dcpa_nm: float


def read_daa(path: Path) -> dict[float, dict[str, list[float]]]:
    """Rows by time, then by aircraft name: lat, lon, alt ft, vx kn, vy kn, vz fpm."""
    lines = path.read_text().splitlines()
    columns = [c.strip() for c in lines[0].split(",")]
    assert columns[:8] == ["NAME", "lat", "lon", "alt", "vx", "vy", "vz", "time"]
    by_time: dict[float, dict[str, list[float]]] = {}
    for line in lines[2:]:
        if not line.strip():
            continue
        cells = [c.strip() for c in line.split(",")]
        values = [float(c) for c in cells[1:8]]
        by_time.setdefault(values[6], {})[cells[0]] = values[:6]
    return by_time


def read_gold(path: Path) -> list[Gold]:
    out = []
    for line in path.read_text().splitlines()[2:]:
        c = [x.strip() for x in line.split(",")]
        out.append(Gold(float(c[0]), *(float(c[k]) for k in (8, 9, 10, 12, 14, 15))))
    return out


def geometry_at(states: dict[str, list[float]], horizon_s: float) -> PairGeometry:
    own = states["Ownship"]
    (intruder,) = [v for k, v in states.items() if k != "Ownship"]
    sx, sy = project_onto(own[0], own[1], intruder[0], intruder[1], DAIDALUS_EARTH_RADIUS_M)
    ivx, ivy = rotate_velocity_onto(
        own[0],
        own[1],
        intruder[0],
        intruder[1],
        intruder[3] * MPS_PER_KNOT,
        intruder[4] * MPS_PER_KNOT,
    )

    def one(x: float) -> np.ndarray:
        return np.array([x], dtype=np.float64)

    return pair_geometry(
        np.array([0]),
        np.array([1]),
        one(float(sx)),
        one(float(sy)),
        one((intruder[2] - own[2]) * METRES_PER_FT),
        one(float(ivx) - own[3] * MPS_PER_KNOT),
        one(float(ivy) - own[4] * MPS_PER_KNOT),
        one((intruder[5] - own[5]) * METRES_PER_FT / 60.0),
        one(horizon_s),
        np.array([True]),
    )


@pytest.mark.parametrize(
    ("daa", "gold"),
    [("H1.daa", "DaidalusqAlerting-no_sum.csv"), ("H1_SUM.daa", "DaidalusAlerting-sum.csv")],
)
def test_daidalus_h1_separations_tcpa_dcpa_per_second(daa: str, gold: str) -> None:
    states = read_daa(DATA / daa)
    rows = read_gold(DATA / gold)
    assert len(rows) > 200
    for row in rows:
        unbounded = geometry_at(states[row.t], horizon_s=1e9)
        lookahead = geometry_at(states[row.t], horizon_s=LOOKAHEAD_S)
        # Gold is printed to 1e-6 NM (2 mm) and 1e-6 s.
        assert unbounded.range_now_m[0] / METRES_PER_NM == pytest.approx(row.hs_nm, abs=2e-6)
        assert unbounded.vsep_now_m[0] / METRES_PER_FT == pytest.approx(abs(row.vs_ft), abs=1e-6)
        assert unbounded.tcpa_s[0] == pytest.approx(row.tcpa_s, abs=1e-3)
        assert unbounded.cpa_m[0] / METRES_PER_NM == pytest.approx(row.dcpa_nm, abs=2e-6)
        # DAIDALUS projects velocities by a 10 s finite difference and we differentiate
        # exactly: up to 0.005 kn apart, i.e. 2.5e-4 NM (0.5 m) over the 180 s lookahead.
        assert lookahead.cpa_m[0] / METRES_PER_NM == pytest.approx(row.hmd_nm, abs=3e-4)
        closure_kn = np.hypot(unbounded.vx_mps[0], unbounded.vy_mps[0]) / MPS_PER_KNOT
        assert closure_kn == pytest.approx(row.hcr_kn, abs=5e-3)


def test_daidalus_h1_is_a_critical_head_on_encounter_for_our_air_thresholds() -> None:
    from detente.deconflict.screen_levels import classify
    from detente.deconflict.thresholds import EncounterThresholds, Level

    states = read_daa(DATA / "H1.daa")
    thresholds = EncounterThresholds.default()
    levels = {t: int(classify(geometry_at(s, 300.0), thresholds)[0]) for t, s in states.items()}
    # 800 kn closure, 0.14 NM (262 m) miss at the same altitude: a warning once
    # within 2 min, and the projected miss of 262 m never reaches 500 ft (152 m).
    assert levels[0.0] == Level.CAUTION
    assert levels[100.0] == Level.WARNING
    assert max(levels.values()) == Level.WARNING
