"""The alert lifecycle, with a re-enactment of a destroyer crossing another's bow at 150 yards."""

from __future__ import annotations

import numpy as np
import pytest

from detente.deconflict.encounter import EncounterTracker, EventKind, encounter_id
from detente.deconflict.thresholds import EncounterThresholds, Level
from detente.deconflict.track import TrackState
from detente.geo.distance import METRES_PER_NM, METRES_PER_YD
from detente.geo.enu import TangentPlane

KNOT = 1852.0 / 3600.0
T_CPA = 1_538_400_000.0  # an afternoon in 2018, South China Sea


def crossing(
    miss_m: float,
    *,
    speed_a_kn: float = 15.0,
    speed_b_kn: float = 15.0,
    before_s: float = 45 * 60,
    after_s: float = 15 * 60,
    step_s: float = 10.0,
) -> list[list[TrackState]]:
    """Destroyer A steams north; destroyer B crosses its bow westward, ``miss_m`` at CPA.

    Built in a plane near the Spratly Islands and turned into one report per
    ship per ``step_s``, as an AIS or radar feed would give them.
    """
    plane = TangentPlane(9.5, 114.0)
    va = np.array([0.0, speed_a_kn * KNOT])
    vb = np.array([-speed_b_kn * KNOT, 0.0])
    rel_v = vb - va
    normal = np.array([-rel_v[1], rel_v[0]]) / np.linalg.norm(rel_v)
    if normal[1] < 0:  # B passes ahead of A, not astern
        normal = -normal
    batches = []
    for t in np.arange(T_CPA - before_s, T_CPA + after_s + step_s / 2, step_s):
        dt = t - T_CPA
        pa = va * dt
        pb = pa + normal * miss_m + rel_v * dt
        la, loa, _ = plane.inverse(pa[0], pa[1])
        lb, lob, _ = plane.inverse(pb[0], pb[1])
        batches.append(
            [
                TrackState(
                    "uss",
                    float(t),
                    float(la),
                    float(loa),
                    speed_a_kn * KNOT,
                    0.0,
                    party="US",
                    name="USS Decatur",
                ),
                TrackState(
                    "plan",
                    float(t),
                    float(lb),
                    float(lob),
                    speed_b_kn * KNOT,
                    270.0,
                    party="CN",
                    name="Lanzhou",
                ),
            ]
        )
    return batches


def replay(
    batches: list[list[TrackState]], tracker: EncounterTracker | None = None
) -> EncounterTracker:
    tracker = tracker or EncounterTracker()
    for batch in batches:
        tracker.update(batch)
    return tracker


def test_encounter_destroyer_crossing_bow_at_150_yards_is_critical() -> None:
    tracker = EncounterTracker()
    events = [e for batch in crossing(150 * METRES_PER_YD) for e in tracker.update(batch)]
    (encounter,) = tracker.encounters()
    assert encounter.max_level is Level.CRITICAL
    assert encounter.closest_m == pytest.approx(137.16, rel=0.10)
    assert abs(encounter.closest_t - T_CPA) <= 10.0
    assert T_CPA - encounter.first_alert_t >= 10 * 60
    assert encounter.first_cpa_m < 2 * METRES_PER_NM
    assert encounter.parties == ("CN", "US")  # pairs are ordered by track id
    kinds = [e.kind for e in events]
    assert kinds[0] is EventKind.OPENED
    assert kinds[-1] is EventKind.CLEARED
    raised = [e.encounter.level for e in events if e.kind is EventKind.LEVEL_RAISED]
    assert raised == [Level.WARNING, Level.CRITICAL]
    critical_at = next(e.t for e in events if e.encounter.level is Level.CRITICAL)
    assert T_CPA - critical_at >= 9 * 60  # critical is predicted, not observed
    assert encounter.cleared_t is not None and encounter.clear_reason == "opening"
    assert len({e.encounter.id for e in events}) == 1


def test_encounter_safe_five_nm_passing_gives_nothing() -> None:
    tracker = replay(crossing(5 * METRES_PER_NM))
    assert tracker.encounters() == []


def test_encounter_closest_is_interpolated_between_sparse_reports() -> None:
    # One report a minute: the true 137 m pass falls between two screens.
    tracker = replay(crossing(150 * METRES_PER_YD, step_s=60.0, before_s=40 * 60 + 25))
    (encounter,) = tracker.encounters()
    assert encounter.closest_m == pytest.approx(137.16, rel=0.05)


def test_encounter_level_falls_only_after_hold_and_margin() -> None:
    thresholds = EncounterThresholds.default().model_copy(update={"lower_hold_s": 120.0})
    tracker = EncounterTracker(thresholds)
    events = [e for batch in crossing(150 * METRES_PER_YD) for e in tracker.update(batch)]
    lowered = [e for e in events if e.kind is EventKind.LEVEL_LOWERED]
    assert lowered, "the level comes down as the ships open"
    first_low = lowered[0]
    assert first_low.previous_level is Level.CRITICAL
    assert first_low.t - T_CPA >= 120.0
    # With no hold, it comes down sooner.
    quick = EncounterTracker(EncounterThresholds.default().model_copy(update={"lower_hold_s": 0.0}))
    quick_events = [e for batch in crossing(150 * METRES_PER_YD) for e in quick.update(batch)]
    quick_low = next(e for e in quick_events if e.kind is EventKind.LEVEL_LOWERED)
    assert quick_low.t < first_low.t


def test_encounter_stale_track_clears() -> None:
    batches = crossing(150 * METRES_PER_YD, after_s=0.0)
    tracker = replay(batches[: len(batches) // 2])
    assert len(tracker.open_encounters()) == 1
    last_t = batches[len(batches) // 2 - 1][0].t
    only_uss = [s for s in batches[-1] if s.track == "uss"]
    events = tracker.update(only_uss, now_s=last_t + 11 * 60)
    assert [e.kind for e in events] == [EventKind.CLEARED]
    assert events[0].encounter.clear_reason == "stale"
    assert tracker.open_encounters() == []


def test_encounter_new_episode_gets_new_id() -> None:
    tracker = replay(crossing(150 * METRES_PER_YD))
    later = [
        [
            TrackState(
                s.track,
                s.t + 7200.0,
                s.lat_deg,
                s.lon_deg,
                s.speed_mps,
                s.course_deg,
                party=s.party,
                name=s.name,
            )
            for s in batch
        ]
        for batch in crossing(150 * METRES_PER_YD)
    ]
    replay(later, tracker)
    first, second = tracker.encounters()
    assert first.id != second.id
    assert second.first_alert_t - first.first_alert_t == pytest.approx(7200.0)


def test_encounter_id_is_order_independent_and_stable() -> None:
    assert encounter_id("a", "b", 100.0) == encounter_id("b", "a", 100.0)
    assert encounter_id("a", "b", 100.0) != encounter_id("a", "b", 101.0)
    assert len(encounter_id("a", "b", 0.0)) == 16
