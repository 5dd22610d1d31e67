"""Scenarios: who is at sea and in the air, where, and which encounters are scripted.

``generate("scs", minutes=10, seed=1)`` builds the South China Sea and
Taiwan Strait picture: merchant ships on the Singapore - Hong Kong and
Taiwan Strait lanes, fishing fleets milling over Scarborough Shoal, Mischief
Reef and the Paracels, naval and coast-guard patrols of the US, China, the
Philippines and Japan, airliners on the airways at cruise levels, a US
reconnaissance flight, and two named scripted encounters a demo can assert
on: ``destroyer_crossing`` (a destroyer crossing another's bow at 150 yards)
and ``unsafe_intercept`` (a fighter crossing a patrol aircraft's nose at 20
feet). Civilian traffic carries no party; state units carry theirs.

Must never read a clock or a global random state: the seed decides all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from detente.deconflict.simulator.movers import Mover, Scripted, Unit
from detente.deconflict.track import Domain, TrackState
from detente.geo.distance import METRES_PER_FT, METRES_PER_YD, MPS_PER_KNOT, destination_deg
from detente.geo.enu import TangentPlane

DEFAULT_START_T = 1_767_225_600.0
"""2026-01-01T00:00:00Z: a fixed start, so a scenario never depends on the clock."""

SHIP_REPORT_S = 10.0
AIR_REPORT_S = 2.0

Point = tuple[float, float]

# Shipping lanes and airways, as waypoint lists (lat, lon).
SINGAPORE_HONG_KONG: list[Point] = [
    (1.3, 104.3),
    (5.0, 106.5),
    (10.0, 110.0),
    (16.0, 113.0),
    (22.1, 114.3),
]
TAIWAN_STRAIT: list[Point] = [
    (22.1, 114.3),
    (23.2, 117.5),
    (24.6, 119.6),
    (26.5, 121.0),
    (31.0, 122.6),
]
AIRWAYS: list[list[Point]] = [
    [(22.3, 113.9), (18.0, 116.5), (14.5, 121.0)],  # Hong Kong - Manila
    [(1.35, 103.99), (8.0, 108.5), (16.0, 112.0), (22.3, 113.9)],  # Singapore - Hong Kong
    [(25.08, 121.23), (20.0, 121.0), (14.5, 121.0)],  # Taipei - Manila
]
FISHING_GROUNDS: list[tuple[str, Point, int]] = [
    ("Scarborough Shoal", (15.15, 117.76), 574),  # Vietnamese-flagged boats
    ("Mischief Reef", (9.90, 115.53), 533),  # Malaysian-flagged boats
    ("Paracel Islands", (16.50, 112.00), 533),
]
# Flags of convenience and regional flags with no party in the demo channels.
MERCHANT_MIDS = (351, 352, 353, 354, 355, 356, 357, 636, 538, 563, 564, 565)
AIRLINE_ICAO_BLOCKS = (0x750000, 0x768000, 0x880000, 0x888000)  # MY, SG, TH, VN


@dataclass(frozen=True, slots=True)
class ScriptedEvent:
    """A named encounter built into the scenario, with what a screen must find."""

    name: str
    a: str
    b: str
    domain: Domain
    cpa_t: float
    miss_m: float
    expected_level: str
    description: str


@dataclass(frozen=True, slots=True)
class Scenario:
    """Everything generated: the units, their reports in time order, and the scripted events."""

    name: str
    seed: int
    start_t: float
    end_t: float
    units: tuple[Unit, ...]
    states: tuple[TrackState, ...]
    events: tuple[ScriptedEvent, ...]

    def event(self, name: str) -> ScriptedEvent:
        for event in self.events:
            if event.name == name:
                return event
        raise KeyError(name)


class _Builder:
    """Accumulates movers with unique ids; every random draw goes through ``rng``."""

    def __init__(self, seed: int, start_t: float, end_t: float) -> None:
        self.rng = np.random.default_rng(seed)
        self.start_t = start_t
        self.end_t = end_t
        self.movers: list[Mover | Scripted] = []
        self.events: list[ScriptedEvent] = []
        self._mmsi: set[int] = set()
        self._icao: set[int] = set()

    def mmsi(self, mid: int) -> int:
        while True:
            value = mid * 1_000_000 + int(self.rng.integers(0, 1_000_000))
            if value not in self._mmsi:
                self._mmsi.add(value)
                return value

    def icao(self, block: int) -> str:
        while True:
            value = block + int(self.rng.integers(0, 0x8000))
            if value not in self._icao:
                self._icao.add(value)
                return f"{value:06X}"

    def ship(self, mmsi: int, name: str, party: str | None, kind: str) -> Unit:
        self._mmsi.add(mmsi)
        return Unit(f"mmsi:{mmsi:09d}", name, party, kind, "sea", mmsi=mmsi)

    def aircraft(self, icao: str, name: str, party: str | None, kind: str) -> Unit:
        self._icao.add(int(icao, 16))
        return Unit(
            f"icao:{icao.upper()}", name, party, kind, "air", icao=icao.upper(), callsign=name
        )

    def phase(self, every_s: float) -> float:
        # Whole seconds: AIS tag blocks carry integer UNIX times.
        return float(self.rng.integers(0, int(every_s)))


def _offset_path(path: list[Point], offset_m: float) -> list[Point]:
    """A lane shifted sideways (starboard for positive offsets), so ships keep to their side."""
    out: list[Point] = []
    for k, (lat, lon) in enumerate(path):
        nxt = path[min(k + 1, len(path) - 1)]
        prev = path[max(k - 1, 0)]
        heading = float(np.degrees(np.arctan2(nxt[1] - prev[1], nxt[0] - prev[0])))
        la, lo = destination_deg(lat, lon, heading + 90.0, offset_m)
        out.append((float(la), float(lo)))
    return out


def _lane_traffic(b: _Builder, lane: list[Point], count: int) -> None:
    for k in range(count):
        forward = bool(b.rng.random() < 0.5)
        path = lane if forward else lane[::-1]
        path = _offset_path(path, float(b.rng.uniform(500.0, 4000.0)))
        speed = float(b.rng.uniform(10.0, 20.0)) * MPS_PER_KNOT
        mover = Mover(
            b.ship(b.mmsi(int(b.rng.choice(MERCHANT_MIDS))), f"MV LANE {k:03d}", None, "civilian"),
            path,
            speed,
            # Spread the ships along the lane: each started its voyage at a different time.
            b.start_t - float(b.rng.uniform(0.0, 1.0)) * 3.0 * 86_400,
            report_every_s=SHIP_REPORT_S,
            phase_s=b.phase(SHIP_REPORT_S),
        )
        # Keep only ships still on passage during the scenario.
        if mover.path_m > (b.end_t - mover.start_t) * speed:
            b.movers.append(mover)


def _fishing(b: _Builder, count_per_ground: int) -> None:
    for ground, (lat, lon), mid in FISHING_GROUNDS:
        for k in range(count_per_ground):
            centre_lat, centre_lon = destination_deg(
                lat, lon, float(b.rng.uniform(0, 360)), float(b.rng.uniform(0, 8000))
            )
            loop = [
                tuple(
                    float(v)
                    for v in destination_deg(
                        centre_lat,
                        centre_lon,
                        float(b.rng.uniform(0, 360)),
                        float(b.rng.uniform(200, 2500)),
                    )
                )
                for _ in range(5)
            ]
            b.movers.append(
                Mover(
                    b.ship(b.mmsi(mid), f"FV {ground.split()[0].upper()} {k:02d}", None, "fishing"),
                    [(p[0], p[1]) for p in loop],
                    float(b.rng.uniform(1.5, 5.0)) * MPS_PER_KNOT,
                    b.start_t - float(b.rng.uniform(0, 3600)),
                    loop=True,
                    report_every_s=SHIP_REPORT_S,
                    phase_s=b.phase(SHIP_REPORT_S),
                )
            )


def _racetrack(centre: Point, heading_deg: float, length_m: float, width_m: float) -> list[Point]:
    corners = []
    for along, across in ((-0.5, -0.5), (0.5, -0.5), (0.5, 0.5), (-0.5, 0.5)):
        la, lo = destination_deg(centre[0], centre[1], heading_deg, along * length_m)
        la, lo = destination_deg(la, lo, heading_deg + 90.0, across * width_m)
        corners.append((float(la), float(lo)))
    return corners


PATROLS: list[tuple[int, str, str, str, Point, float, float]] = [
    # mmsi, name, party, kind, centre, heading, speed kn
    (369970101, "USS MILIUS", "US", "navy", (11.0, 113.5), 30.0, 14.0),
    (412000101, "CNS HAIKOU", "CN", "navy", (15.6, 116.9), 300.0, 14.0),
    (412000102, "CCG 5901", "CN", "coast_guard", (15.3, 117.4), 10.0, 10.0),
    (548000101, "BRP TERESA MAGBANUA", "PH", "coast_guard", (9.75, 115.95), 60.0, 12.0),
    (431000101, "JS TAKANAMI", "JP", "navy", (24.3, 119.6), 35.0, 15.0),
    (412000103, "CNS NANNING", "CN", "navy", (24.0, 119.2), 215.0, 15.0),
]


def _patrols(b: _Builder) -> None:
    for mmsi, name, party, kind, centre, heading, speed_kn in PATROLS:
        b.movers.append(
            Mover(
                b.ship(mmsi, name, party, kind),
                _racetrack(centre, heading, 30_000.0, 10_000.0),
                speed_kn * MPS_PER_KNOT,
                b.start_t - float(b.rng.uniform(0, 7200)),
                loop=True,
                report_every_s=SHIP_REPORT_S,
                phase_s=b.phase(SHIP_REPORT_S),
            )
        )


def _airliners(b: _Builder, count: int) -> None:
    for k in range(count):
        airway = AIRWAYS[k % len(AIRWAYS)]
        forward = bool(b.rng.random() < 0.5)
        path = airway if forward else airway[::-1]
        level_ft = float(
            b.rng.choice(
                [31_000, 33_000, 35_000, 37_000, 39_000]
                if forward
                else [32_000, 34_000, 36_000, 38_000]
            )
        )
        speed = float(b.rng.uniform(230.0, 250.0))
        mover = Mover(
            b.aircraft(
                b.icao(int(b.rng.choice(AIRLINE_ICAO_BLOCKS))), f"AIR{k:03d}", None, "civilian"
            ),
            _offset_path(path, float(b.rng.uniform(-2000.0, 2000.0))),
            speed,
            b.start_t - float(b.rng.uniform(0.0, 1.0)) * 3.0 * 3600,
            alt_m=level_ft * METRES_PER_FT,
            report_every_s=AIR_REPORT_S,
            phase_s=b.phase(AIR_REPORT_S),
        )
        if mover.path_m > (b.end_t - mover.start_t) * speed:
            b.movers.append(mover)


def _recon(b: _Builder) -> None:
    b.movers.append(
        Mover(
            b.aircraft("AE6A01", "SNOOP11", "US", "air_force"),
            _racetrack((18.6, 113.6), 40.0, 120_000.0, 30_000.0),
            115.0,
            b.start_t,
            alt_m=7000.0,
            loop=True,
            report_every_s=AIR_REPORT_S,
            phase_s=b.phase(AIR_REPORT_S),
        )
    )


def _linear_pair(
    b: _Builder,
    units: tuple[Unit, Unit],
    centre: Point,
    velocities_mps: tuple[tuple[float, float], tuple[float, float]],
    miss_m: float,
    cpa_t: float,
    alts_m: tuple[float, float],
    every_s: float,
) -> None:
    """Two units on straight courses whose closest approach is ``miss_m`` at ``cpa_t``.

    Laid out in a tangent plane at ``centre``; b passes on a's left-hand side
    of the relative track, i.e. ahead of a when b crosses from starboard.
    """
    plane = TangentPlane(centre[0], centre[1])
    va = np.array(velocities_mps[0])
    vb = np.array(velocities_mps[1])
    rel_v = vb - va
    normal = np.array([-rel_v[1], rel_v[0]]) / np.linalg.norm(rel_v)
    if float(normal @ va) < 0:  # pass ahead of a, across its bow or nose
        normal = -normal
    times = np.arange(b.start_t, b.end_t, every_s)
    for unit, v, offset, alt in (
        (units[0], va, np.zeros(2), alts_m[0]),
        (units[1], vb, normal * miss_m, alts_m[1]),
    ):
        states: dict[float, TrackState] = {}
        for t in times:
            pos = offset + v * (t - cpa_t)
            lat, lon, _ = plane.inverse(pos[0], pos[1])
            course = float(np.degrees(np.arctan2(v[0], v[1]))) % 360.0
            states[float(t)] = TrackState(
                unit.track,
                float(t),
                float(lat),
                float(lon),
                float(np.hypot(v[0], v[1])),
                course,
                alt_m=alt,
                domain=unit.domain,
                party=unit.party,
                name=unit.name,
            )
        b.movers.append(Scripted(unit, states))


def _destroyer_crossing(b: _Builder) -> None:
    uss = b.ship(369970001, "USS DECATUR", "US", "navy")
    plan = b.ship(412000001, "CNS LANZHOU", "CN", "navy")
    cpa_t = b.start_t + 0.6 * (b.end_t - b.start_t)
    miss_m = 150 * METRES_PER_YD
    speed = 15.0 * MPS_PER_KNOT
    _linear_pair(
        b,
        (uss, plan),
        (10.2, 114.25),
        ((0.0, speed), (-speed * 1.1, 0.0)),
        miss_m,
        cpa_t,
        (0.0, 0.0),
        SHIP_REPORT_S,
    )
    b.events.append(
        ScriptedEvent(
            "destroyer_crossing",
            uss.track,
            plan.track,
            "sea",
            cpa_t,
            miss_m,
            "critical",
            "A destroyer crosses another's bow at 150 yards near Gaven Reef.",
        )
    )


def _unsafe_intercept(b: _Builder) -> None:
    p8 = b.aircraft("AE6A02", "PEGASUS7", "US", "air_force")
    j11 = b.aircraft("7A0011", "J11-01", "CN", "air_force")
    cpa_t = b.start_t + 0.7 * (b.end_t - b.start_t)
    miss_m = 20 * METRES_PER_FT
    heading = np.radians(45.0)
    v_p8 = (115.0 * np.sin(heading), 115.0 * np.cos(heading))
    cross = np.radians(45.0 - 60.0)
    v_j11 = (190.0 * np.sin(cross), 190.0 * np.cos(cross))
    _linear_pair(
        b, (p8, j11), (17.2, 114.6), (v_p8, v_j11), miss_m, cpa_t, (6400.0, 6403.0), AIR_REPORT_S
    )
    b.events.append(
        ScriptedEvent(
            "unsafe_intercept",
            p8.track,
            j11.track,
            "air",
            cpa_t,
            miss_m,
            "critical",
            "A fighter crosses a patrol aircraft's nose at 20 feet, 10 feet above it.",
        )
    )


def _scs(b: _Builder, density: float) -> None:
    _lane_traffic(b, SINGAPORE_HONG_KONG, round(90 * density))
    _lane_traffic(b, TAIWAN_STRAIT, round(60 * density))
    _fishing(b, round(20 * density))
    _patrols(b)
    _airliners(b, round(40 * density))
    _recon(b)
    _destroyer_crossing(b)
    _unsafe_intercept(b)


SCENARIOS: dict[str, Callable[[_Builder, float], None]] = {"scs": _scs}


def generate(
    scenario: str = "scs",
    *,
    minutes: float = 10.0,
    seed: int = 1,
    start_t: float = DEFAULT_START_T,
    density: float = 1.0,
) -> Scenario:
    """Build a scenario; the same arguments always give the same states."""
    if scenario not in SCENARIOS:
        raise KeyError(scenario)
    end_t = start_t + minutes * 60.0
    builder = _Builder(seed, start_t, end_t)
    SCENARIOS[scenario](builder, density)
    states = [
        mover.state(t) for mover in builder.movers for t in mover.report_times(start_t, end_t)
    ]
    states.sort(key=lambda s: (s.t, s.track))
    return Scenario(
        name=scenario,
        seed=seed,
        start_t=start_t,
        end_t=end_t,
        units=tuple(m.unit for m in builder.movers),
        states=tuple(states),
        events=tuple(builder.events),
    )
