"""The live index answers exactly what the naive pairwise loop answers, as notices come and go."""

from __future__ import annotations

import random
from typing import Any

import pytest

from detente.deconflict.conflict import ActivityKey, Conflict, ConflictBuffer, Prepared, overlap
from detente.deconflict.index import ActivityIndex, index_of
from detente.deconflict.volume import Volume

PARTIES = ("US", "CN", "JP")


def random_volume(rng: random.Random, *, lon_range: tuple[float, float] = (118.0, 124.0)) -> Volume:
    lon, lat = rng.uniform(*lon_range), rng.uniform(18.0, 24.0)
    hour = rng.randint(0, 40)
    area: dict[str, Any]
    if rng.random() < 0.4:
        area = {
            "circle": {"type": "Circle", "center": [lon, lat], "radius_m": rng.uniform(5e3, 60e3)}
        }
    else:
        # Grid-aligned boxes so shared edges and vertices happen often.
        x0, y0 = round(lon * 4) / 4, round(lat * 4) / 4
        x1, y1 = x0 + rng.randint(1, 3) / 4, y0 + rng.randint(1, 3) / 4
        ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
        area = {"polygon": {"type": "Polygon", "coordinates": [ring]}}
    lower = rng.choice([0, 0, 1000, 3000])
    upper = lower + rng.choice([0, 1000, 2000])
    data = {
        **area,
        "altitude": {"lower": lower, "upper": upper},
        "window": {
            "start": f"2026-05-{1 + hour // 24:02d}T{hour % 24:02d}:00:00Z",
            "end": f"2026-05-{1 + (hour + 6) // 24:02d}T{(hour + 6) % 24:02d}:00:00Z",
        },
    }
    return Volume.model_validate(wrap(data))


def activities(seed: int, count: int, **kwargs: Any) -> list[tuple[ActivityKey, list[Volume]]]:
    rng = random.Random(seed)
    return [
        (
            ActivityKey(PARTIES[n % 3], f"a{n}"),
            [random_volume(rng, **kwargs) for _ in range(rng.randint(1, 3))],
        )
        for n in range(count)
    ]


def naive_pairs(
    items: list[tuple[ActivityKey, list[Volume]]], buffer: ConflictBuffer
) -> set[tuple[Any, ...]]:
    flat = [(key, n, Prepared.of(v)) for key, volumes in items for n, v in enumerate(volumes)]
    found = set()
    for i, (ka, na, a) in enumerate(flat):
        for kb, nb, b in flat[i + 1 :]:
            if ka.party != kb.party and overlap(a, b, buffer) is not None:
                found.add(frozenset({(ka, na), (kb, nb)}))
    return found


def pair_set(conflicts: list[Conflict]) -> set[Any]:
    return {frozenset({(c.a, c.a_volume), (c.b, c.b_volume)}) for c in conflicts}


@pytest.mark.parametrize("buffer", [ConflictBuffer(), ConflictBuffer(2_000.0, 1_800.0)])
def test_index_all_pairs_matches_naive_loop(buffer: ConflictBuffer) -> None:
    items = activities(seed=7, count=60)
    expected = naive_pairs(items, buffer)
    assert expected, "the data set should contain conflicts"
    assert pair_set(index_of(items, buffer).all_pairs()) == expected


@pytest.mark.parametrize("seed", [11, 12, 13])
@pytest.mark.parametrize("buffer", [ConflictBuffer(), ConflictBuffer(5_000.0)])
def test_index_all_pairs_matches_naive_loop_across_antimeridian(
    seed: int, buffer: ConflictBuffer
) -> None:
    items = activities(seed=seed, count=50, lon_range=(178.5, 181.5))
    expected = naive_pairs(items, buffer)
    assert expected
    assert any(
        v.polygon is not None and v.polygon.type == "MultiPolygon" for _, vs in items for v in vs
    )
    assert pair_set(index_of(items, buffer).all_pairs()) == expected
    # The same set in reverse order: pairs must not depend on which side was indexed first.
    assert pair_set(index_of(items[::-1], buffer).all_pairs()) == expected


def wrap(data: dict[str, Any]) -> dict[str, Any]:
    """Bring longitudes east of 180 back west, cutting boxes in two as RFC 7946 asks."""
    if "circle" in data and data["circle"]["center"][0] > 180:
        data["circle"]["center"][0] -= 360
    if "polygon" in data:
        ring = data["polygon"]["coordinates"][0]
        if min(x for x, _ in ring) >= 180:
            data["polygon"]["coordinates"][0] = [[x - 360, y] for x, y in ring]
        elif max(x for x, _ in ring) > 180:
            east = [[min(x, 180.0), y] for x, y in ring]
            west = [[max(x, 180.0) - 360, y] for x, y in ring]
            data["polygon"] = {"type": "MultiPolygon", "coordinates": [[east], [west]]}
    return data


def test_index_check_matches_naive_and_excludes_own_party() -> None:
    items = activities(seed=3, count=80)
    index = ActivityIndex(rebuild_at=16)
    for key, volumes in items:
        index.add(key, volumes)
    rng = random.Random(99)
    for _ in range(20):
        notice = [random_volume(rng) for _ in range(2)]
        got = {(c.a_volume, c.b, c.b_volume) for c in index.check(notice, exclude_party="US")}
        want = {
            (n, key, m)
            for n, v in enumerate(notice)
            for key, volumes in items
            if key.party != "US"
            for m, w in enumerate(volumes)
            if overlap(Prepared.of(v), Prepared.of(w)) is not None
        }
        assert got == want


def test_index_remove_and_replace_by_key() -> None:
    items = activities(seed=5, count=40)
    index = ActivityIndex(rebuild_at=8)
    for key, volumes in items:
        index.add(key, volumes)
    before = pair_set(index.all_pairs())
    assert before
    victim = next(iter(before))
    ((key, _),) = [next(iter(victim))]
    assert index.remove(key)
    assert not index.remove(key)
    after = pair_set(index.all_pairs())
    assert all(key not in {k for k, _ in pair} for pair in after)
    remaining = [(k, v) for k, v in items if k != key]
    assert after == naive_pairs(remaining, ConflictBuffer())
    # Replacing an activity with another's volumes (an update) moves its conflicts.
    index.add(key, items[0][1])
    index.add(key, items[1][1])
    assert len(index.volumes(key)) == len(items[1][1])
    replaced = [(k, v) for k, v in remaining] + [(key, items[1][1])]
    assert pair_set(index.all_pairs()) == naive_pairs(replaced, ConflictBuffer())


def test_index_delta_is_searched_before_rebuild() -> None:
    items = activities(seed=13, count=30)
    index = ActivityIndex(rebuild_at=1_000)
    index.add_many(items[:20])
    for key, volumes in items[20:]:
        index.add(key, volumes)  # these stay in the delta list
    rng = random.Random(4)
    notice = [random_volume(rng) for _ in range(5)]
    fresh = index_of(items)
    got = sorted((c.a_volume, c.b, c.b_volume) for c in index.check(notice))
    want = sorted((c.a_volume, c.b, c.b_volume) for c in fresh.check(notice))
    assert got == want
    assert len(index) == sum(len(v) for _, v in items)


def test_index_empty_and_single_party_have_no_pairs() -> None:
    assert ActivityIndex().all_pairs() == []
    same_party = [
        (ActivityKey("US", f"a{n}"), volumes) for n, (_, volumes) in enumerate(activities(1, 20))
    ]
    assert index_of(same_party).all_pairs() == []


def test_index_stays_exact_through_many_removals_and_additions() -> None:
    items = activities(seed=21, count=60)
    index = ActivityIndex(rebuild_at=4)
    for key, volumes in items[:40]:
        index.add(key, volumes)
    live = dict(items[:40])
    # Cancel and notify in turns so compactions and rebuilds land at equal sizes.
    for (old_key, _), (new_key, new_volumes) in zip(items[:20], items[40:], strict=True):
        index.remove(old_key)
        del live[old_key]
        index.add(new_key, new_volumes)
        live[new_key] = new_volumes
    assert len(index) == sum(len(v) for v in live.values())
    assert pair_set(index.all_pairs()) == naive_pairs(list(live.items()), ConflictBuffer())
    rng = random.Random(8)
    notice = [random_volume(rng) for _ in range(4)]
    got = sorted((c.a_volume, c.b, c.b_volume) for c in index.check(notice))
    want = sorted((c.a_volume, c.b, c.b_volume) for c in index_of(list(live.items())).check(notice))
    assert got == want


def test_index_expire_forgets_only_finished_activities() -> None:
    items = activities(seed=31, count=30)
    index = index_of(items)
    cutoff = sorted(max(p.end_s for p in index.volumes(key)) for key, _ in items)[15]
    ended = index.expire(cutoff)
    assert len(ended) >= 15
    assert all(max(p.end_s for p in Prepared.many(dict(items)[k])) <= cutoff for k in ended)
    assert all(key in index for key, _ in items if key not in ended)
    assert all(key not in index for key in ended)
