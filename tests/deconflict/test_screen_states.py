"""Screening TrackStates: dead reckoning, staleness, parties, and geography that must not break."""

from __future__ import annotations

import numpy as np
import pytest

from detente.deconflict.screen_states import fresh_states, screen_states
from detente.deconflict.thresholds import EncounterThresholds, Level
from detente.deconflict.track import TrackState
from detente.geo.distance import METRES_PER_NM, destination_deg, initial_bearing_deg

KNOT = 1852.0 / 3600.0
T0 = 1_780_000_000.0


def head_on(
    lat: float, lon: float, miss_m: float, gap_m: float, *, t: float = T0, course: float = 90.0
) -> list[TrackState]:
    """Two ships at 15 kn on reciprocal courses, ``gap_m`` apart, passing ``miss_m`` abeam."""
    # b sails back towards the point abeam of a's start, so that the two
    # courses are reciprocal where the units meet, whatever the latitude.
    abeam_lat, abeam_lon = destination_deg(lat, lon, course - 90.0, miss_m)
    far_lat, far_lon = destination_deg(abeam_lat, abeam_lon, course, gap_m)
    lat_b, lon_b = float(far_lat), float(far_lon)
    course_b = float(initial_bearing_deg(lat_b, lon_b, abeam_lat, abeam_lon))
    course_a = float(initial_bearing_deg(lat, lon, *destination_deg(lat, lon, course, gap_m / 2)))
    return [
        TrackState("a", t, lat, lon, 15 * KNOT, course_a, party="US"),
        TrackState("b", t, lat_b, lon_b, 15 * KNOT, course_b, party="CN"),
    ]


def test_screen_states_head_on_pass() -> None:
    result = screen_states(head_on(10.0, 114.0, 300.0, 9000.0), T0)
    assert result.pair_ids() == [("a", "b")]
    g = result.geometry
    assert g.cpa_m[0] == pytest.approx(300.0, rel=1e-3)
    assert g.tcpa_s[0] == pytest.approx(9000.0 / (30 * KNOT), rel=1e-3)
    assert result.levels[0] == Level.CRITICAL


@pytest.mark.parametrize(
    ("lat", "lon", "course"),
    [
        (0.0, 179.99, 90.0),
        (-30.0, -179.98, 270.0),
        (80.0, 10.0, 90.0),
        (80.0, 179.99, 45.0),
        (-85.0, 0.0, 0.0),
    ],
)
def test_screen_states_antimeridian_and_high_latitude(
    lat: float, lon: float, course: float
) -> None:
    result = screen_states(head_on(lat, lon, 300.0, 9000.0, course=course), T0)
    assert result.pair_ids() == [("a", "b")]
    assert result.geometry.cpa_m[0] == pytest.approx(300.0, rel=0.01)
    assert result.geometry.range_now_m[0] == pytest.approx(np.hypot(9000.0, 300.0), rel=1e-3)


def test_screen_states_same_party_is_never_an_encounter() -> None:
    states = head_on(10.0, 114.0, 0.0, 2000.0)
    b = states[1]
    same = [
        states[0],
        TrackState("b", T0, b.lat_deg, b.lon_deg, b.speed_mps, b.course_deg, party="US"),
    ]
    assert len(screen_states(same, T0).geometry) == 0


def test_screen_states_other_traffic_only_when_asked() -> None:
    a, b = head_on(10.0, 114.0, 0.0, 2000.0)
    fisher = TrackState("b", T0, b.lat_deg, b.lon_deg, b.speed_mps, b.course_deg, party=None)
    assert len(screen_states([a, fisher], T0).geometry) == 0
    assert screen_states([a, fisher], T0, all_traffic=True).pair_ids() == [("a", "b")]


def test_screen_states_safe_five_nm_passing_gives_nothing() -> None:
    states = head_on(10.0, 114.0, 5 * METRES_PER_NM, 20_000.0)
    assert len(screen_states(states, T0).geometry) == 0


def test_screen_states_dead_reckons_old_reports_to_now() -> None:
    a, b = head_on(10.0, 114.0, 300.0, 9000.0)
    # b reported 60 s before a, from 60 s further back along its course.
    lat_b, lon_b = destination_deg(b.lat_deg, b.lon_deg, b.course_deg, -b.speed_mps * 60.0)
    old_b = TrackState(
        "b", T0 - 60.0, float(lat_b), float(lon_b), b.speed_mps, b.course_deg, party="CN"
    )
    result = screen_states([a, old_b], T0)
    assert result.geometry.range_now_m[0] == pytest.approx(np.hypot(9000.0, 300.0), rel=1e-4)
    assert all(result.state(k).t == T0 for k in range(len(result.reports)))


def test_fresh_states_drops_stale_by_domain_and_keeps_latest() -> None:
    thresholds = EncounterThresholds.default()
    states = [
        TrackState("ship", T0 - 599.0, 10.0, 114.0, 5.0, 0.0),
        TrackState("old ship", T0 - 601.0, 10.0, 114.0, 5.0, 0.0),
        TrackState("jet", T0 - 29.0, 10.0, 114.0, 200.0, 0.0, alt_m=9000.0, domain="air"),
        TrackState("old jet", T0 - 31.0, 10.0, 114.0, 200.0, 0.0, alt_m=9000.0, domain="air"),
        TrackState("ship", T0 - 700.0, 11.0, 115.0, 5.0, 0.0),
    ]
    fresh = {s.track: s for s in fresh_states(states, T0, thresholds)}
    assert sorted(fresh) == ["jet", "ship"]
    assert fresh["ship"].lat_deg > 10.0  # dead-reckoned north from the latest report


def test_screen_states_aircraft_vertical_separation_matters() -> None:
    lat_b, lon_b = destination_deg(20.0, 120.0, 90.0, 20_000.0)
    jet_a = TrackState("a", T0, 20.0, 120.0, 250.0, 90.0, alt_m=9000.0, domain="air", party="US")
    high = TrackState(
        "b",
        T0,
        float(lat_b),
        float(lon_b),
        250.0,
        270.0,
        alt_m=9000.0 + 1000.0,
        domain="air",
        party="CN",
    )
    level = TrackState(
        "b",
        T0,
        float(lat_b),
        float(lon_b),
        250.0,
        270.0,
        alt_m=9000.0 + 100.0,
        domain="air",
        party="CN",
    )
    assert len(screen_states([jet_a, high], T0).geometry) == 0
    result = screen_states([jet_a, level], T0)
    assert result.levels.tolist() == [Level.CRITICAL]
    assert result.geometry.vsep_cpa_m[0] == pytest.approx(100.0)


def test_screen_states_watch_keeps_a_pair_past_every_threshold() -> None:
    states = head_on(10.0, 114.0, 10 * METRES_PER_NM, 1000.0)
    assert len(screen_states(states, T0).geometry) == 0
    result = screen_states(states, T0, watch=[("b", "a")])
    assert result.pair_ids() == [("a", "b")]
    assert result.levels.tolist() == [0]


def test_screen_states_world_wide_spread_uses_tiles_and_still_finds_pairs() -> None:
    states: list[TrackState] = []
    for k, (lat, lon) in enumerate([(10.0, 114.0), (-40.0, -70.0), (60.0, 179.99), (0.0, 0.0)]):
        for s in head_on(lat, lon, 200.0, 5000.0):
            states.append(
                TrackState(
                    f"{s.track}{k}",
                    s.t,
                    s.lat_deg,
                    s.lon_deg,
                    s.speed_mps,
                    s.course_deg,
                    party=s.party,
                )
            )
    result = screen_states(states, T0)
    assert sorted(result.pair_ids()) == [(f"a{k}", f"b{k}") for k in range(4)]
    assert np.allclose(result.geometry.cpa_m, 200.0, rtol=0.01)


def test_screen_states_empty_input() -> None:
    assert len(screen_states([], T0).geometry) == 0
    assert len(screen_states(head_on(10.0, 114.0, 0.0, 100.0)[:1], T0).geometry) == 0
