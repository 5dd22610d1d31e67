"""Encounter screening and AIS ingest throughput, each against a simple baseline in the same run.

Figures:

- ``ais_sentences_per_s``: AIS NMEA (simulator output: tag blocks, type 1
  and 5) decoded and ingested by ``read_states``, single core.
- ``screen_100k_s``: one full ``screen_states`` of 100,000 tracks (50,000
  per party, clustered on lanes, ports, fishing grounds and airways of the
  western Pacific), from TrackStates to levelled pairs.
- ``naive_10k_s``: the baseline, an all-pairs numpy CPA screen of 10,000
  tracks (every cross-party pair, no broad phase), and ``screen_10k_s``, the
  real screen on those same 10,000 tracks.

Each time is the best of its runs, as wall time and as this process's CPU
time (``*_cpu_s``): on a shared machine under load the CPU time is the
steadier figure. Run with ``bench/run.py encounters``; about a minute on two
idle cores.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np

from detente.deconflict.ingest import read_states
from detente.deconflict.screen import PlaneTracks, plane_pair_geometry
from detente.deconflict.screen_levels import classify
from detente.deconflict.screen_states import screen_states
from detente.deconflict.simulator import generate, write
from detente.deconflict.simulator.population import snapshot
from detente.deconflict.thresholds import EncounterThresholds
from detente.deconflict.track import TrackState
from detente.geo.enu import TangentPlane, mean_point, velocity_en

NAIVE_CHUNK_PAIRS = 2_000_000
T = TypeVar("T")


def _best_of(runs: int, work: Callable[[], T]) -> tuple[float, float, T]:
    """The fastest wall and CPU times of ``runs`` runs: other load only ever adds time.

    CPU time is reported too because on a shared, busy machine it moves far
    less than wall time.
    """
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        result = work()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus), result


def naive_screen(states: list[TrackState], thresholds: EncounterThresholds) -> int:
    """Every cross-party pair in one tangent plane, CPA and levels for all: no pruning at all.

    Two parties only (the benchmark's US and CN), as in ``screen.naive_pairs``.
    """
    lat = np.array([s.lat_deg for s in states])
    lon = np.array([s.lon_deg for s in states])
    plane = TangentPlane(*mean_point(lat, lon))
    x, y, _ = plane.project(lat, lon)
    ve, vn = velocity_en(
        np.array([s.speed_mps for s in states]), np.array([s.course_deg for s in states])
    )
    vx, vy = plane.project_velocity(lat, lon, ve, vn)
    is_air = np.array([s.domain == "air" for s in states])
    parties = sorted({s.party for s in states if s.party})
    tracks = PlaneTracks(
        x_m=x,
        y_m=y,
        vx_mps=vx,
        vy_mps=vy,
        alt_m=np.array([s.alt_m for s in states]),
        vz_mps=np.array([s.vrate_mps for s in states]),
        party=np.array([parties.index(s.party) if s.party else -1 for s in states], dtype=np.int64),
        is_air=is_air,
        horizon_s=np.where(
            is_air, thresholds.air.caution.within_s, thresholds.sea.caution.within_s
        ),
    )
    first = np.flatnonzero(tracks.party == 0)
    others = np.flatnonzero(tracks.party > 0)
    rows_per_chunk = max(NAIVE_CHUNK_PAIRS // max(others.shape[0], 1), 1)
    alerting = 0
    # Every cross-party pair, a few million at a time: naive, but not memory-bound.
    for start in range(0, first.shape[0], rows_per_chunk):
        rows = first[start : start + rows_per_chunk]
        a = np.repeat(rows, others.shape[0])
        b = np.tile(others, rows.shape[0])
        levels = classify(plane_pair_geometry(tracks, a, b), thresholds)
        alerting += int((levels > 0).sum())
    return alerting


def _ais_rate() -> dict[str, object]:
    scenario = generate("scs", minutes=20, seed=1, density=2.0)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "traffic.nmea"
        sentences = write(scenario, path, "ais")
        seconds, cpu, report = _best_of(2, lambda: read_states(path))
    states = len(report.states)
    return {
        "ais_sentences": sentences,
        "ais_states": states,
        "ais_ingest_s": round(seconds, 3),
        "ais_sentences_per_s": round(sentences / seconds),
        "ais_sentences_per_cpu_s": round(sentences / cpu),
    }


def run() -> dict[str, object]:
    thresholds = EncounterThresholds.default()
    figures: dict[str, object] = {}
    figures.update(_ais_rate())

    crowd = snapshot(50_000, ("US", "CN"), seed=1)
    now = crowd[0].t
    seconds, cpu, result = _best_of(2, lambda: screen_states(crowd, now, thresholds))
    figures["screen_100k_tracks"] = len(crowd)
    screen_100k_s = seconds
    figures["screen_100k_s"] = round(seconds, 3)
    figures["screen_100k_alerting_pairs"] = len(result.geometry)
    figures["screen_100k_cpu_s"] = round(cpu, 3)

    small = snapshot(5_000, ("US", "CN"), seed=2)
    seconds, cpu, alerting = _best_of(1, lambda: naive_screen(small, thresholds))
    naive_10k_s = seconds
    figures["naive_10k_s"] = round(seconds, 3)
    figures["naive_10k_pairs_screened"] = 5_000 * 5_000
    figures["naive_10k_alerting_pairs"] = alerting
    figures["naive_10k_cpu_s"] = round(cpu, 3)
    seconds, _cpu, result = _best_of(2, lambda: screen_states(small, small[0].t, thresholds))
    figures["screen_10k_s"] = round(seconds, 3)
    figures["screen_10k_alerting_pairs"] = len(result.geometry)
    figures["screen_100k_faster_than_naive_10k"] = screen_100k_s < naive_10k_s
    return figures


if __name__ == "__main__":
    import json

    print(json.dumps(run()))
