"""A crowd of tracks at one instant, clustered like real traffic, for load tests and benchmarks.

Real traffic is not uniform: it sits on shipping lanes, crowds ports and
anchorages, mills over fishing grounds, and flies on airways. ``snapshot``
draws that picture for any number of units per party (a hundred thousand is
fine), vectorised, from a seed. Must never be used as a picture of any real
navy's deployment: it is load, not intelligence.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from detente.deconflict.simulator.scenario import (
    AIRWAYS,
    DEFAULT_START_T,
    FISHING_GROUNDS,
    SINGAPORE_HONG_KONG,
    TAIWAN_STRAIT,
    Point,
)
from detente.deconflict.track import TrackState
from detente.geo.distance import MPS_PER_KNOT, destination_deg, haversine_m, initial_bearing_deg
from detente.types import FloatArray

EXTRA_LANES: list[list[Point]] = [
    [(1.3, 104.3), (6.0, 112.0), (11.0, 117.5), (14.5, 120.7)],  # Singapore - Manila
    [(22.1, 114.3), (20.5, 118.0), (19.8, 122.5)],  # Hong Kong - Luzon Strait
    [(1.3, 104.3), (8.5, 108.0), (15.5, 110.0), (18.0, 108.5)],  # Singapore - Gulf of Tonkin
    [(14.5, 120.7), (17.5, 119.0), (22.4, 120.1)],  # Manila - Kaohsiung
    [(31.0, 122.6), (33.5, 127.5), (35.0, 129.1)],  # Shanghai - Busan
    [(35.0, 129.1), (33.8, 132.0), (33.5, 135.5), (35.0, 139.7)],  # Busan - Tokyo
    [(31.0, 122.6), (36.0, 122.0), (38.5, 121.5), (39.0, 118.0)],  # Shanghai - Tianjin
    [(22.4, 120.1), (26.0, 125.0), (31.0, 131.0), (35.0, 139.7)],  # Kaohsiung - Tokyo
]
OPEN_SEA_BOX = ((2.0, 38.0), (106.0, 145.0))
"""Latitude and longitude bounds of the western Pacific theatre, for dispersed traffic."""

PORTS: list[Point] = [
    (1.26, 103.84),  # Singapore
    (22.28, 114.17),  # Hong Kong
    (22.52, 113.89),  # Shenzhen
    (14.58, 120.95),  # Manila
    (18.24, 109.50),  # Sanya
    (10.76, 106.75),  # Ho Chi Minh City
    (22.60, 120.28),  # Kaohsiung
    (24.45, 118.07),  # Xiamen
    (30.63, 122.07),  # Shanghai
    (29.87, 121.88),  # Ningbo
    (35.08, 129.05),  # Busan
    (35.45, 139.70),  # Tokyo Bay
    (36.05, 120.35),  # Qingdao
]


def _along(
    rng: np.random.Generator, path: Sequence[Point], n: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Points spread uniformly along a polyline, with the local direction of travel."""
    starts = np.array(path[:-1])
    ends = np.array(path[1:])
    legs_m = haversine_m(starts[:, 0], starts[:, 1], ends[:, 0], ends[:, 1])
    leg = rng.choice(len(legs_m), size=n, p=legs_m / legs_m.sum())
    bearing = initial_bearing_deg(starts[leg, 0], starts[leg, 1], ends[leg, 0], ends[leg, 1])
    lat, lon = destination_deg(
        starts[leg, 0], starts[leg, 1], bearing, rng.uniform(0, 1, n) * legs_m[leg]
    )
    return lat, lon, bearing


def snapshot(
    per_party: int,
    parties: Sequence[str] = ("US", "CN"),
    *,
    seed: int = 1,
    t: float = DEFAULT_START_T,
    air_fraction: float = 0.05,
) -> list[TrackState]:
    """``per_party`` units of each party, all reporting at ``t``, clustered like real traffic."""
    rng = np.random.default_rng(seed)
    states: list[TrackState] = []
    for party in parties:
        n_air = round(per_party * air_fraction)
        n_sea = per_party - n_air
        n_lane = round(n_sea * 0.35)
        n_open = round(n_sea * 0.50)
        n_port = round(n_sea * 0.10)
        n_fish = n_sea - n_lane - n_open - n_port
        lanes = [SINGAPORE_HONG_KONG, TAIWAN_STRAIT, *EXTRA_LANES]
        counts = np.bincount(rng.integers(0, len(lanes), n_lane), minlength=len(lanes))
        drawn = [_along(rng, lane, int(k)) for lane, k in zip(lanes, counts, strict=True)]
        lane_lat = np.concatenate([d[0] for d in drawn])
        lane_lon = np.concatenate([d[1] for d in drawn])
        reverse = rng.random(n_lane) < 0.5
        lane_course = (
            np.concatenate([d[2] for d in drawn]) + np.where(reverse, 180.0, 0.0)
        ) % 360.0
        # Each direction keeps to its own side of the lane; a busy lane is tens of km wide.
        side = rng.normal(8000.0, 10_000.0, n_lane)
        lane_lat, lane_lon = destination_deg(lane_lat, lane_lon, lane_course + 90.0, side)
        lane_speed = rng.uniform(10.0, 20.0, n_lane) * MPS_PER_KNOT
        port = rng.integers(0, len(PORTS), n_port)
        port_lat, port_lon = destination_deg(
            np.array(PORTS)[port, 0],
            np.array(PORTS)[port, 1],
            rng.uniform(0, 360, n_port),
            np.abs(rng.normal(0, 60_000.0, n_port)),
        )
        port_speed = np.where(
            rng.random(n_port) < 0.7, 0.0, rng.uniform(3.0, 12.0, n_port) * MPS_PER_KNOT
        )
        ground = rng.integers(0, len(FISHING_GROUNDS), n_fish)
        centres = np.array([g[1] for g in FISHING_GROUNDS])
        fish_lat, fish_lon = destination_deg(
            centres[ground, 0],
            centres[ground, 1],
            rng.uniform(0, 360, n_fish),
            np.abs(rng.normal(0, 60_000.0, n_fish)),
        )
        fish_speed = rng.uniform(0.0, 5.0, n_fish) * MPS_PER_KNOT
        (lat_lo, lat_hi), (lon_lo, lon_hi) = OPEN_SEA_BOX
        open_lat = rng.uniform(lat_lo, lat_hi, n_open)
        open_lon = rng.uniform(lon_lo, lon_hi, n_open)
        open_speed = rng.uniform(5.0, 18.0, n_open) * MPS_PER_KNOT
        lat = np.concatenate([lane_lat, open_lat, port_lat, fish_lat])
        lon = np.concatenate([lane_lon, open_lon, port_lon, fish_lon])
        speed = np.concatenate([lane_speed, open_speed, port_speed, fish_speed])
        course = np.concatenate([lane_course, rng.uniform(0, 360, n_open + n_port + n_fish)])
        for k in range(n_sea):
            states.append(
                TrackState(
                    f"{party.lower()}-sea-{k:06d}",
                    t,
                    float(lat[k]),
                    float(lon[k]),
                    float(speed[k]),
                    float(course[k]),
                    party=party,
                )
            )
        air_lat: list[FloatArray] = []
        air_lon: list[FloatArray] = []
        air_brg: list[FloatArray] = []
        for k, airway in enumerate(AIRWAYS):
            share = n_air // len(AIRWAYS) + (1 if k < n_air % len(AIRWAYS) else 0)
            a_lat, a_lon, a_brg = _along(rng, airway, share)
            air_lat.append(a_lat)
            air_lon.append(a_lon)
            air_brg.append(a_brg)
        alat, alon, abrg = np.concatenate(air_lat), np.concatenate(air_lon), np.concatenate(air_brg)
        reverse = rng.random(n_air) < 0.5
        levels_m = np.where(
            reverse,
            rng.choice([9753.6, 10363.2, 10972.8], n_air),
            rng.choice([9448.8, 10058.4, 10668.0], n_air),
        )
        for k in range(n_air):
            states.append(
                TrackState(
                    f"{party.lower()}-air-{k:06d}",
                    t,
                    float(alat[k]),
                    float(alon[k]),
                    float(rng.uniform(200.0, 250.0)),
                    float((abrg[k] + (180.0 if reverse[k] else 0.0)) % 360.0),
                    alt_m=float(levels_m[k]),
                    domain="air",
                    party=party,
                )
            )
    return states
