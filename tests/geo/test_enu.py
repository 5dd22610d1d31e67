"""Tangent planes: round trips, known distances, and no breakage at the antimeridian or poles."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.geo.distance import destination_deg, haversine_m
from detente.geo.enu import (
    EARTH_RADIUS_M,
    TangentPlane,
    enu_from_geodetic_wgs84,
    mean_point,
    project_onto,
    rotate_velocity_onto,
)

lats = st.floats(min_value=-85.0, max_value=85.0)
lons = st.floats(min_value=-180.0, max_value=180.0)


def test_tangent_plane_reference_projects_to_origin() -> None:
    plane = TangentPlane(33.8, -117.0, ref_alt_m=100.0)
    x, y, z = plane.project(33.8, -117.0, 250.0)
    assert float(x) == pytest.approx(0.0, abs=1e-6)
    assert float(y) == pytest.approx(0.0, abs=1e-6)
    assert float(z) == pytest.approx(150.0)


def test_tangent_plane_axes_point_east_and_north() -> None:
    plane = TangentPlane(10.0, 114.0)
    north_lat, north_lon = destination_deg(10.0, 114.0, 0.0, 1000.0)
    east_lat, east_lon = destination_deg(10.0, 114.0, 90.0, 1000.0)
    xn, yn, _ = plane.project(north_lat, north_lon)
    xe, ye, _ = plane.project(east_lat, east_lon)
    assert (float(xn), float(yn)) == pytest.approx((0.0, 1000.0), abs=0.01)
    assert (float(xe), float(ye)) == pytest.approx((1000.0, 0.0), abs=0.01)


def test_tangent_plane_across_antimeridian_is_continuous() -> None:
    plane = TangentPlane(0.0, 179.99)
    x, y, _ = plane.project(np.array([0.0, 0.0]), np.array([179.98, -179.99]))
    # 0.01 deg west and 0.02 deg east of the reference, not 360 degrees away.
    assert float(x[0]) == pytest.approx(-0.01 * np.pi / 180 * EARTH_RADIUS_M, rel=1e-6)
    assert float(x[1]) == pytest.approx(0.02 * np.pi / 180 * EARTH_RADIUS_M, rel=1e-6)
    assert np.allclose(y, 0.0, atol=1e-6)


def test_tangent_plane_at_80_north_keeps_distances() -> None:
    plane = TangentPlane(80.0, 20.0)
    lat2, lon2 = destination_deg(80.0, 20.0, 45.0, 5000.0)
    x, y, _ = plane.project(lat2, lon2)
    assert float(np.hypot(x, y)) == pytest.approx(5000.0, rel=1e-5)
    assert float(np.degrees(np.arctan2(x, y))) == pytest.approx(45.0, abs=0.01)


def test_tangent_plane_near_the_pole_has_finite_axes() -> None:
    plane = TangentPlane(89.999, 0.0)
    x, y, _ = plane.project(89.999, 180.0)
    assert np.isfinite(x) and np.isfinite(y)
    assert float(np.hypot(x, y)) == pytest.approx(
        2 * 0.001 * np.pi / 180 * EARTH_RADIUS_M, rel=1e-4
    )


@given(lats, lons, st.floats(-50_000, 50_000), st.floats(-50_000, 50_000))
@settings(max_examples=150)
def test_tangent_plane_inverse_round_trips(lat: float, lon: float, x: float, y: float) -> None:
    plane = TangentPlane(lat, lon)
    lat2, lon2, _ = plane.inverse(x, y)
    x2, y2, _ = plane.project(lat2, lon2)
    assert float(x2) == pytest.approx(x, abs=1e-3)
    assert float(y2) == pytest.approx(y, abs=1e-3)


@given(lats, lons, st.floats(0, 360), st.floats(1, 20_000))
@settings(max_examples=150)
def test_tangent_plane_short_distances_match_great_circle(
    lat: float, lon: float, bearing: float, dist: float
) -> None:
    lat2, lon2 = destination_deg(lat, lon, bearing, dist)
    x, y, _ = TangentPlane(lat, lon).project(lat2, lon2)
    # Orthographic compression at 20 km is below 1e-5 relative.
    assert float(np.hypot(x, y)) == pytest.approx(dist, rel=1e-5)


def test_project_onto_matches_plane_per_row() -> None:
    ref_lat = np.array([10.0, -45.0, 80.0])
    ref_lon = np.array([179.9, 0.0, -170.0])
    lat = ref_lat + 0.05
    lon = np.array([-179.95, 0.1, -169.0])
    x, y = project_onto(ref_lat, ref_lon, lat, lon)
    for k in range(3):
        px, py, _ = TangentPlane(ref_lat[k], ref_lon[k]).project(lat[k], lon[k])
        assert (x[k], y[k]) == pytest.approx((float(px), float(py)))


def test_rotate_velocity_onto_is_identity_at_reference() -> None:
    vx, vy = rotate_velocity_onto(20.0, 30.0, 20.0, 30.0, 3.0, -4.0)
    assert (float(vx), float(vy)) == pytest.approx((3.0, -4.0))


def test_project_velocity_is_derivative_of_position() -> None:
    plane = TangentPlane(60.0, 179.5)
    lat, lon = 60.2, -179.7
    speed, course = 250.0, 60.0
    dt = 1.0
    lat2, lon2 = destination_deg(lat, lon, course, speed * dt)
    x1, y1, _ = plane.project(lat, lon)
    x2, y2, _ = plane.project(lat2, lon2)
    vx, vy = plane.project_velocity(
        lat, lon, speed * np.sin(np.radians(course)), speed * np.cos(np.radians(course))
    )
    assert float(vx) == pytest.approx(float(x2 - x1) / dt, rel=1e-4)
    assert float(vy) == pytest.approx(float(y2 - y1) / dt, rel=1e-4)


def test_mean_point_across_antimeridian() -> None:
    lat, lon = mean_point(np.array([0.0, 0.0]), np.array([179.0, -179.0]))
    assert lat == pytest.approx(0.0, abs=1e-9)
    assert abs(lon) == pytest.approx(180.0)


def test_enu_wgs84_matches_sphere_for_short_ranges() -> None:
    lat2, lon2 = destination_deg(35.0, 139.0, 30.0, 3000.0)
    e, n, u = enu_from_geodetic_wgs84(lat2, lon2, 0.0, 35.0, 139.0)
    assert float(np.hypot(e, n)) == pytest.approx(3000.0, rel=5e-3)
    assert float(u) == pytest.approx(-(3000.0**2) / (2 * 6.37e6), abs=0.5)
    assert float(haversine_m(35.0, 139.0, lat2, lon2)) == pytest.approx(3000.0, rel=1e-9)
