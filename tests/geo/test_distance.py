"""Great-circle and ellipsoidal distances, bearings and dead reckoning."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.geo.distance import (
    METRES_PER_NM,
    destination_deg,
    haversine_m,
    initial_bearing_deg,
    vincenty_m,
)
from detente.geo.enu import DAIDALUS_EARTH_RADIUS_M

lats = st.floats(min_value=-89.0, max_value=89.0)
lons = st.floats(min_value=-180.0, max_value=180.0)


def test_haversine_one_arc_minute_is_one_nm_on_daidalus_sphere() -> None:
    d = haversine_m(0.0, 0.0, 1.0 / 60.0, 0.0, radius_m=DAIDALUS_EARTH_RADIUS_M)
    assert float(d) == pytest.approx(METRES_PER_NM, rel=1e-6)


def test_haversine_across_antimeridian_is_short() -> None:
    assert float(haversine_m(0.0, 179.9, 0.0, -179.9)) == pytest.approx(22_239.0, rel=1e-4)


def test_haversine_vectorises() -> None:
    d = haversine_m(np.zeros(3), np.zeros(3), np.array([0.0, 1.0, -1.0]), np.zeros(3))
    assert d.shape == (3,)
    assert d[0] == 0.0
    assert d[1] == pytest.approx(d[2])


def test_vincenty_flinders_peak_to_buninyong() -> None:
    # Vincenty's (1975) own worked example on the WGS-84 ellipsoid.
    d = vincenty_m(-37.95103342, 144.42486789, -37.65282114, 143.92649554)
    assert float(d) == pytest.approx(54_972.271, abs=0.002)


def test_vincenty_antipodal_falls_back_instead_of_failing() -> None:
    d = vincenty_m(0.0, 0.0, 0.5, 179.7)
    assert np.isfinite(d)
    assert float(d) == pytest.approx(20_000_000.0, rel=0.01)


def test_initial_bearing_cardinal_directions() -> None:
    assert float(initial_bearing_deg(0.0, 0.0, 1.0, 0.0)) == pytest.approx(0.0)
    assert float(initial_bearing_deg(0.0, 0.0, 0.0, 1.0)) == pytest.approx(90.0)
    assert float(initial_bearing_deg(0.0, 179.5, 0.0, -179.5)) == pytest.approx(90.0)
    assert float(initial_bearing_deg(80.0, 10.0, 79.0, 10.0)) == pytest.approx(180.0)


def test_destination_wraps_longitude_over_antimeridian() -> None:
    lat, lon = destination_deg(0.0, 179.99, 90.0, 5000.0)
    assert -180.0 <= float(lon) < -179.9
    assert float(lat) == pytest.approx(0.0, abs=1e-9)


@given(lats, lons, st.floats(0, 359.9), st.floats(10, 500_000))
@settings(max_examples=150)
def test_destination_then_haversine_returns_distance_and_bearing(
    lat: float, lon: float, bearing: float, dist: float
) -> None:
    lat2, lon2 = destination_deg(lat, lon, bearing, dist)
    assert float(haversine_m(lat, lon, lat2, lon2)) == pytest.approx(dist, rel=1e-6)
    if abs(lat) < 85.0:
        got = float(initial_bearing_deg(lat, lon, lat2, lon2))
        assert min(abs(got - bearing), 360 - abs(got - bearing)) < 1e-3


@given(lats, lons, lats, lons)
@settings(max_examples=100)
def test_vincenty_within_half_percent_of_sphere(
    lat1: float, lon1: float, lat2: float, lon2: float
) -> None:
    sphere = float(haversine_m(lat1, lon1, lat2, lon2))
    ellipsoid = float(vincenty_m(lat1, lon1, lat2, lon2))
    assert ellipsoid == pytest.approx(sphere, rel=6e-3, abs=1e-6)
