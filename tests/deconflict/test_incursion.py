"""Predicted incursions on hand-made tracks: entering, skirting, inside, too late, wrong height."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from detente.deconflict.conflict import ActivityKey
from detente.deconflict.incursion import predict_incursions
from detente.deconflict.index import ActivityIndex
from detente.deconflict.track import TrackState
from detente.deconflict.volume import Volume

T0 = datetime(2026, 5, 1, 12, tzinfo=UTC)
T0_S = T0.timestamp()
LIVE_FIRE = ActivityKey("CN", "live-fire")


def box_volume(
    x0: float,
    y0: float,
    x1: float,
    y1: float,
    *,
    lower: float = 0,
    upper: float = 3_000,
    start_s: float = -3_600.0,
    end_s: float = 7_200.0,
) -> Volume:
    ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    data: dict[str, Any] = {
        "polygon": {"type": "Polygon", "coordinates": [ring]},
        "altitude": {"lower": lower, "upper": upper},
        "window": {
            "start": (T0 + timedelta(seconds=start_s)).isoformat(),
            "end": (T0 + timedelta(seconds=end_s)).isoformat(),
        },
    }
    return Volume.model_validate(data)


def index_with(*volumes: Volume, key: ActivityKey = LIVE_FIRE) -> ActivityIndex:
    index = ActivityIndex()
    index.add(key, list(volumes))
    return index


def ship(lon: float, lat: float, course_deg: float, speed_mps: float, **kw: Any) -> TrackState:
    return TrackState(
        "ship-1", T0_S, lat, lon, speed_mps, course_deg, party=kw.pop("party", "US"), **kw
    )


def east_m(lat_deg: float, dlon_deg: float) -> float:
    """Metres along a parallel (close to the geodesic for short hops)."""
    return (
        math.radians(dlon_deg)
        * 6_378_137.0
        * math.cos(math.radians(lat_deg))
        / math.sqrt(1 - 0.00669438 * math.sin(math.radians(lat_deg)) ** 2)
    )


def test_incursion_entering_track_gets_entry_time() -> None:
    index = index_with(box_volume(121.0, 20.0, 122.0, 21.0))
    [found] = predict_incursions([ship(120.9, 20.5, 90.0, 10.0)], index)
    assert found.activity == LIVE_FIRE
    assert found.volume == 0
    assert found.time_to_entry_s == pytest.approx(east_m(20.5, 0.1) / 10.0, rel=2e-3)
    assert found.entry_s == pytest.approx(T0_S + found.time_to_entry_s)
    assert found.lon_deg == pytest.approx(121.0, abs=1e-6)
    assert not found.inside_now
    record = found.to_dict()
    assert record["activity"] == {"party": "CN", "activity": "live-fire"}
    assert str(record["entry"]).startswith("2026-05-01T12:17:")


def test_incursion_skirting_track_is_not_an_incursion() -> None:
    index = index_with(box_volume(121.0, 20.0, 122.0, 21.0))
    # Passing 5 km north of the box, heading east.
    assert predict_incursions([ship(120.9, 21.05, 90.0, 10.0)], index) == []
    # Heading away from the box.
    assert predict_incursions([ship(120.9, 20.5, 270.0, 10.0)], index) == []


def test_incursion_track_already_inside() -> None:
    index = index_with(box_volume(121.0, 20.0, 122.0, 21.0))
    [found] = predict_incursions([ship(121.5, 20.5, 45.0, 8.0)], index)
    assert found.inside_now
    assert found.time_to_entry_s == 0.0
    [still] = predict_incursions([ship(121.5, 20.5, 0.0, 0.0)], index)
    assert still.inside_now


def test_incursion_volume_active_only_after_track_has_passed() -> None:
    # 30 m/s through a 0.1-degree box: inside from about 350 s to 700 s.
    late = index_with(box_volume(121.0, 20.0, 121.1, 21.0, start_s=1_000.0, end_s=5_000.0))
    assert predict_incursions([ship(120.9, 20.5, 90.0, 30.0)], late) == []
    soon = index_with(box_volume(121.0, 20.0, 121.1, 21.0, start_s=500.0, end_s=5_000.0))
    [found] = predict_incursions([ship(120.9, 20.5, 90.0, 30.0)], soon)
    assert found.time_to_entry_s == pytest.approx(500.0)


def test_incursion_altitude_band_miss_and_descent_into_band() -> None:
    index = index_with(box_volume(121.0, 20.0, 122.0, 21.0, lower=0, upper=3_000))
    high = TrackState(
        "jet", T0_S, 20.5, 120.9, 200.0, 90.0, alt_m=9_000.0, domain="air", party="US"
    )
    assert predict_incursions([high], index) == []
    # Descending at 10 m/s from 5,000 m: in the band after 200 s, over the box after ~52 s.
    descending = TrackState(
        "jet",
        T0_S,
        20.5,
        120.9,
        200.0,
        90.0,
        alt_m=5_000.0,
        vrate_mps=-10.0,
        domain="air",
        party="US",
    )
    [found] = predict_incursions([descending], index)
    assert found.time_to_entry_s == pytest.approx(200.0)
    assert found.alt_m == pytest.approx(3_000.0)


def test_incursion_sea_surface_closure_catches_ships_not_aircraft() -> None:
    index = index_with(box_volume(121.0, 20.0, 122.0, 21.0, lower=0, upper=0))
    assert len(predict_incursions([ship(120.9, 20.5, 90.0, 10.0)], index)) == 1
    plane = TrackState("p", T0_S, 20.5, 120.9, 100.0, 90.0, alt_m=300.0, domain="air", party="US")
    assert predict_incursions([plane], index) == []


def test_incursion_own_party_and_unattributed_tracks_are_ignored() -> None:
    index = index_with(box_volume(121.0, 20.0, 122.0, 21.0))
    assert predict_incursions([ship(120.9, 20.5, 90.0, 10.0, party="CN")], index) == []
    assert predict_incursions([ship(120.9, 20.5, 90.0, 10.0, party=None)], index) == []


def test_incursion_beyond_horizon_is_not_reported() -> None:
    index = index_with(box_volume(121.0, 20.0, 122.0, 21.0))
    # 10 km away at 5 m/s: about 2,085 s, past a 30-minute horizon.
    assert predict_incursions([ship(120.9, 20.5, 90.0, 5.0)], index) == []
    assert len(predict_incursions([ship(120.9, 20.5, 90.0, 5.0)], index, horizon_s=3_600.0)) == 1


def test_incursion_across_the_antimeridian() -> None:
    index = index_with(box_volume(-179.9, -1.0, -179.0, 1.0))
    [found] = predict_incursions([ship(179.95, 0.0, 90.0, 10.0)], index)
    assert found.time_to_entry_s == pytest.approx(east_m(0.0, 0.15) / 10.0, rel=2e-3)
    assert found.lon_deg == pytest.approx(-179.9, abs=1e-6)
