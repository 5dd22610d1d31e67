"""Benchmark: conflict checks against 100,000 notified volumes, and all-pairs detection.

The data are synthetic but realistic in size and spread: circles of 2-40 km
and quadrilaterals of 5-80 km across the western Pacific (95-170 E, 0-45 N),
windows of 2 hours to 5 days spread over 30 days, bands from the sea surface
only to high altitude, three parties. The baseline is the naive pairwise
loop (every pair through the same exact test) on 1,000 volumes, in the same
run; the index must find exactly the same pairs there.
"""

from __future__ import annotations

import math
import random
import time
from datetime import UTC, datetime, timedelta

import numpy as np

from detente.deconflict.conflict import ActivityKey, Prepared, overlap
from detente.deconflict.index import ActivityIndex
from detente.deconflict.volume import Volume

N_VOLUMES = 100_000
N_NAIVE = 1_000
N_CHECKS = 200
PARTIES = ("US", "CN", "JP")
_T0 = datetime(2026, 6, 1, tzinfo=UTC)
_BANDS = ((0.0, 0.0), (0.0, 3_000.0), (0.0, 15_000.0), (1_000.0, 12_000.0), (-300.0, 0.0))


def _volume(rng: random.Random) -> Volume:
    """One random volume, validated from JSON-shaped data as a notice's volumes are."""
    lon, lat = rng.uniform(95.0, 170.0), rng.uniform(0.0, 45.0)
    start = _T0 + timedelta(seconds=rng.uniform(0, 30 * 86_400))
    end = start + timedelta(seconds=rng.uniform(7_200, 5 * 86_400))
    lower, upper = rng.choice(_BANDS)
    data: dict[str, object] = {
        "altitude": {"lower": lower, "upper": upper, "reference": "SFC" if upper == 0 else "MSL"},
        "window": {"start": start.isoformat(), "end": end.isoformat()},
    }
    if rng.random() < 0.3:
        radius_m = rng.uniform(2_000, 40_000)
        data["circle"] = {"type": "Circle", "center": [lon, lat], "radius_m": radius_m}
    else:
        half_w = rng.uniform(2.5, 40.0) / 111.0 / max(math.cos(math.radians(lat)), 0.2)
        half_h = rng.uniform(2.5, 40.0) / 111.0
        skew = rng.uniform(-0.3, 0.3) * half_h
        ring = [
            [lon - half_w, lat - half_h + skew],
            [lon + half_w, lat - half_h - skew],
            [lon + half_w, lat + half_h],
            [lon - half_w, lat + half_h],
        ]
        data["polygon"] = {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
    return Volume.model_validate(data)


def _volumes(count: int, seed: int) -> list[Volume]:
    rng = random.Random(seed)
    return [_volume(rng) for _ in range(count)]


def _items(volumes: list[Volume]) -> list[tuple[ActivityKey, list[Prepared]]]:
    prepared = Prepared.many(volumes)
    return [(ActivityKey(PARTIES[n % len(PARTIES)], f"a{n}"), [p]) for n, p in enumerate(prepared)]


def _naive_pairs(items: list[tuple[ActivityKey, list[Prepared]]]) -> int:
    found = 0
    for i, (a_key, (a,)) in enumerate(items):
        for b_key, (b,) in items[i + 1 :]:
            if a_key.party != b_key.party and overlap(a, b) is not None:
                found += 1
    return found


def run() -> dict[str, object]:
    """Figures in wall seconds (and CPU seconds where a shared machine's load blurs them)."""
    started = time.perf_counter()
    volumes = _volumes(N_VOLUMES, seed=1)
    validate_s = time.perf_counter() - started
    started = time.perf_counter()
    items = _items(volumes)
    prepare_s = time.perf_counter() - started

    started = time.perf_counter()
    index = ActivityIndex()
    index.add_many(items)
    build_s = time.perf_counter() - started

    rng = random.Random(2)
    timings_ms = []
    conflicts_per_check = []
    for _ in range(N_CHECKS):
        notice = [_volume(rng) for _ in range(rng.randint(1, 3))]
        began = time.perf_counter()
        found = index.check(notice, exclude_party="US")
        timings_ms.append((time.perf_counter() - began) * 1e3)
        conflicts_per_check.append(len(found))

    # Notices coming and going between checks: add, check, cancel, as a node does.
    live_ms = []
    for number in range(100):
        key = ActivityKey("CN", f"new{number}")
        notice, query = [_volume(rng)], [_volume(rng)]
        began = time.perf_counter()
        index.add(key, notice)
        index.check(query, exclude_party="US")
        if number % 2:
            index.remove(key)
        live_ms.append((time.perf_counter() - began) * 1e3)

    started, cpu_started = time.perf_counter(), time.process_time()
    pairs = index.all_pairs()
    all_pairs_s = time.perf_counter() - started
    all_pairs_cpu_s = time.process_time() - cpu_started

    small = items[:N_NAIVE]
    started, cpu_started = time.perf_counter(), time.process_time()
    naive_count = _naive_pairs(small)
    naive_s = time.perf_counter() - started
    naive_cpu_s = time.process_time() - cpu_started
    started = time.perf_counter()
    small_index = ActivityIndex()
    small_index.add_many(small)
    indexed_count = len(small_index.all_pairs())
    indexed_1k_s = time.perf_counter() - started

    return {
        "volumes": N_VOLUMES,
        "validate_100k_s": round(validate_s, 3),
        "prepare_100k_s": round(prepare_s, 3),
        "build_100k_s": round(build_s, 3),
        "check_p50_ms": round(float(np.percentile(timings_ms, 50)), 3),
        "check_p99_ms": round(float(np.percentile(timings_ms, 99)), 3),
        "check_mean_conflicts": round(float(np.mean(conflicts_per_check)), 2),
        "add_check_cancel_p50_ms": round(float(np.percentile(live_ms, 50)), 3),
        "all_pairs_100k_s": round(all_pairs_s, 3),
        "all_pairs_100k_cpu_s": round(all_pairs_cpu_s, 3),
        "all_pairs_100k_conflicts": len(pairs),
        "naive_1k_s": round(naive_s, 3),
        "naive_1k_cpu_s": round(naive_cpu_s, 3),
        "indexed_1k_s": round(indexed_1k_s, 3),
        "naive_1k_conflicts": naive_count,
        "indexed_1k_conflicts": indexed_count,
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run()))
