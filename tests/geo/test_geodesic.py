"""WGS-84 geodesics and equal-area measures against published and closed-form values."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from detente.geo.geodesic import (
    AUTHALIC_RADIUS_M,
    EqualAreaProjection,
    area_m2,
    areas_m2,
    band_area_m2,
    circle_covers_pole,
    circle_ring,
    direct,
)


def dms(degrees: float, minutes: float, seconds: float) -> float:
    return math.copysign(abs(degrees) + minutes / 60 + seconds / 3600, degrees)


def test_direct_matches_vincenty_flinders_peak_to_buninyong() -> None:
    # Vincenty (1975) / Geoscience Australia worked example.
    lon, lat = direct(dms(144, 25, 29.52440), dms(-37, 57, 3.72030), dms(306, 52, 5.37), 54_972.271)
    assert float(lon) == pytest.approx(dms(143, 55, 35.38390), abs=1e-8)
    assert float(lat) == pytest.approx(dms(-37, 39, 10.15610), abs=1e-8)


def test_direct_along_equator_and_meridian() -> None:
    lon, lat = direct(0.0, 0.0, 90.0, 111_319.490793)  # one degree of the equator
    assert float(lon) == pytest.approx(1.0, abs=1e-9)
    assert float(lat) == pytest.approx(0.0, abs=1e-12)
    _, north = direct(0.0, 0.0, 0.0, 10_001_965.729)  # equator to pole (quarter meridian)
    assert float(north) == pytest.approx(90.0, abs=1e-6)


def test_authalic_radius_gives_the_ellipsoid_area() -> None:
    assert 4 * math.pi * AUTHALIC_RADIUS_M**2 / 1e6 == pytest.approx(510_065_621.7, abs=1.0)


@pytest.mark.parametrize(
    ("lat1", "lat2", "dlon"), [(0, 1, 1), (40, 41.5, 2), (80, 85, 20), (-60, -50, 30)]
)
def test_area_matches_closed_form_cells(lat1: float, lat2: float, dlon: float) -> None:
    cell = shapely.box(10, lat1, 10 + dlon, lat2)
    assert area_m2(cell) == pytest.approx(band_area_m2(lat1, lat2, dlon), rel=1e-6)


def test_area_across_antimeridian_and_bulk() -> None:
    cells = [shapely.box(170, 10, 190, 20), shapely.box(-10, -5, 10, 5), shapely.Polygon()]
    bulk = areas_m2(np.array(cells, dtype=object))
    assert bulk[0] == pytest.approx(band_area_m2(10, 20, 20), rel=1e-6)
    assert bulk[1] == pytest.approx(band_area_m2(-5, 5, 20), rel=1e-6)
    assert bulk[2] == 0.0
    assert bulk[0] == pytest.approx(area_m2(cells[0]), rel=1e-12)


@settings(max_examples=100, deadline=None)
@given(
    st.floats(min_value=-180, max_value=180),
    st.floats(min_value=-85, max_value=85),
    st.floats(min_value=-5, max_value=5),
    st.floats(min_value=-5, max_value=5),
)
def test_projection_round_trips(lon0: float, lat0: float, dlon: float, dlat: float) -> None:
    plane = EqualAreaProjection(lon0, lat0)
    lat = min(max(lat0 + dlat, -89.0), 89.0)
    x, y = plane.forward(np.array([lon0 + dlon]), np.array([lat]))
    back_lon, back_lat = plane.inverse(x, y)
    assert float(back_lon[0]) == pytest.approx(lon0 + dlon, abs=1e-7)
    assert float(back_lat[0]) == pytest.approx(lat, abs=1e-7)


def test_projection_is_true_to_scale_at_centre() -> None:
    plane = EqualAreaProjection(120.0, 30.0)
    east_lon, _ = direct(120.0, 30.0, 90.0, 1_000.0)
    north_lon, north_lat = direct(120.0, 30.0, 0.0, 1_000.0)
    x, _ = plane.forward(np.array(east_lon), np.array(30.0))
    _, y = plane.forward(np.array(north_lon), np.array(north_lat))
    assert float(x) == pytest.approx(1_000.0, rel=1e-4)
    assert float(y) == pytest.approx(1_000.0, rel=1e-4)


@settings(max_examples=40, deadline=None)
@given(
    st.floats(min_value=-180, max_value=180),
    st.floats(min_value=-86, max_value=86),
    st.floats(min_value=100, max_value=500_000),
)
def test_circle_ring_contains_the_true_circle(lon: float, lat: float, radius_m: float) -> None:
    ring = circle_ring(lon, lat, radius_m)
    polygon = shapely.Polygon(ring)
    assert polygon.is_valid
    assume(not circle_covers_pole(lon, lat, radius_m * 1.01))
    # Points on the true circle, between the ring's vertices, lie inside the ring.
    azimuths = np.linspace(0.5, 359.5, 720)
    lons, lats = direct(lon, lat, azimuths, np.full(azimuths.size, radius_m))
    assert bool(np.all(shapely.contains_xy(polygon, lons, lats)))
    assert area_m2(polygon) == pytest.approx(math.pi * radius_m**2, rel=0.01)


def test_circle_covers_pole() -> None:
    assert circle_covers_pole(0.0, 89.5, 100_000)
    assert circle_covers_pole(30.0, -89.9, 20_000)
    assert not circle_covers_pole(0.0, 88.0, 100_000)
    assert not circle_covers_pole(0.0, 0.0, 1_000_000)
