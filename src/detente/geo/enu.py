"""Local tangent planes (east-north-up) around a reference point, vectorised.

Encounter geometry is done in a flat plane tangent to the Earth at a reference
point (usually one of the two units, as DAIDALUS does). The projection here is
the orthographic one on a sphere: every point goes to a unit vector, and its
plane coordinates are the dot products with the reference point's east and
north axes. Working with unit vectors instead of longitude differences is what
keeps it correct across the antimeridian and close to the poles.

An ellipsoidal (WGS-84, through ECEF) variant is here too for callers that
want survey-grade positions; screening does not need it.

This module must never know about parties, tracks or thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from detente.types import FloatArray

EARTH_RADIUS_M = 6_371_008.8
"""Mean Earth radius (IUGG), the default sphere."""

DAIDALUS_EARTH_RADIUS_M = 6_366_707.0195
"""The sphere on which 1 NM is exactly 1 arc minute; NASA DAIDALUS uses it."""

WGS84_A_M = 6_378_137.0
WGS84_F = 1.0 / 298.257223563
WGS84_E2 = WGS84_F * (2.0 - WGS84_F)


def unit_vectors(lat_deg: FloatArray | float, lon_deg: FloatArray | float) -> FloatArray:
    """Earth-centred unit vectors, shape (..., 3); no longitude arithmetic anywhere."""
    lat = np.radians(np.asarray(lat_deg, dtype=np.float64))
    lon = np.radians(np.asarray(lon_deg, dtype=np.float64))
    cos_lat = np.cos(lat)
    return np.stack([cos_lat * np.cos(lon), cos_lat * np.sin(lon), np.sin(lat)], axis=-1)


def enu_axes(
    lat_deg: FloatArray | float, lon_deg: FloatArray | float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """East, north and up unit vectors (each shape (..., 3)) at the given points."""
    lat = np.radians(np.asarray(lat_deg, dtype=np.float64))
    lon = np.radians(np.asarray(lon_deg, dtype=np.float64))
    sin_lat, cos_lat = np.sin(lat), np.cos(lat)
    sin_lon, cos_lon = np.sin(lon), np.cos(lon)
    zero = np.zeros_like(lat)
    east = np.stack([-sin_lon, cos_lon, zero], axis=-1)
    north = np.stack([-sin_lat * cos_lon, -sin_lat * sin_lon, cos_lat], axis=-1)
    up = np.stack([cos_lat * cos_lon, cos_lat * sin_lon, sin_lat], axis=-1)
    return east, north, up


def latlon_from_unit(unit: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Latitude and longitude (degrees, longitude in [-180, 180]) of unit vectors."""
    x, y, z = unit[..., 0], unit[..., 1], unit[..., 2]
    lat_deg = np.degrees(np.arctan2(z, np.hypot(x, y)))
    lon_deg = np.degrees(np.arctan2(y, x))
    return lat_deg, lon_deg


def mean_point(lat_deg: FloatArray, lon_deg: FloatArray) -> tuple[float, float]:
    """Centre of a point cloud on the sphere; fine across the antimeridian, unlike a lon mean."""
    total = unit_vectors(lat_deg, lon_deg).reshape(-1, 3).sum(axis=0)
    norm = float(np.linalg.norm(total))
    if norm == 0.0:
        return 0.0, 0.0
    lat, lon = latlon_from_unit(total / norm)
    return float(lat), float(lon)


@dataclass(frozen=True, slots=True)
class TangentPlane:
    """An orthographic east-north-up plane tangent to a sphere at one reference point."""

    ref_lat_deg: float
    ref_lon_deg: float
    ref_alt_m: float = 0.0
    radius_m: float = EARTH_RADIUS_M

    def _axes(self) -> tuple[FloatArray, FloatArray, FloatArray]:
        return enu_axes(self.ref_lat_deg, self.ref_lon_deg)

    def project(
        self,
        lat_deg: FloatArray | float,
        lon_deg: FloatArray | float,
        alt_m: FloatArray | float = 0.0,
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Plane coordinates (east_m, north_m, up_m); up is the altitude above the reference's."""
        east, north, _ = self._axes()
        unit = unit_vectors(lat_deg, lon_deg)
        x_m = self.radius_m * (unit @ east)
        y_m = self.radius_m * (unit @ north)
        z_m = np.asarray(alt_m, dtype=np.float64) - self.ref_alt_m
        return x_m, y_m, np.broadcast_to(z_m, np.shape(x_m)).astype(np.float64)

    def inverse(
        self, x_m: FloatArray | float, y_m: FloatArray | float, z_m: FloatArray | float = 0.0
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Latitude, longitude and altitude of plane points on the near hemisphere."""
        east, north, up = self._axes()
        x = np.asarray(x_m, dtype=np.float64) / self.radius_m
        y = np.asarray(y_m, dtype=np.float64) / self.radius_m
        # Points outside the disc have no preimage; clamp to the horizon instead of NaN.
        w = np.sqrt(np.clip(1.0 - x * x - y * y, 0.0, None))
        unit = x[..., None] * east + y[..., None] * north + w[..., None] * up
        lat_deg, lon_deg = latlon_from_unit(unit)
        alt_m = np.asarray(z_m, dtype=np.float64) + self.ref_alt_m
        return lat_deg, lon_deg, np.broadcast_to(alt_m, np.shape(lat_deg)).astype(np.float64)

    def project_velocity(
        self,
        lat_deg: FloatArray | float,
        lon_deg: FloatArray | float,
        east_mps: FloatArray | float,
        north_mps: FloatArray | float,
    ) -> tuple[FloatArray, FloatArray]:
        """A point's local east/north velocity as a velocity in this plane.

        This is the derivative of :meth:`project` along the motion, so a
        position projected later equals the projected position plus this
        velocity times the elapsed time, to first order.
        """
        ref_east, ref_north, _ = self._axes()
        east, north, _ = enu_axes(lat_deg, lon_deg)
        ve = np.asarray(east_mps, dtype=np.float64)[..., None]
        vn = np.asarray(north_mps, dtype=np.float64)[..., None]
        world = ve * east + vn * north
        return world @ ref_east, world @ ref_north


def velocity_en(
    speed_mps: FloatArray | float, course_deg: FloatArray | float
) -> tuple[FloatArray, FloatArray]:
    """East and north components of a speed over ground along a true course."""
    course = np.radians(np.asarray(course_deg, dtype=np.float64))
    speed = np.asarray(speed_mps, dtype=np.float64)
    return speed * np.sin(course), speed * np.cos(course)


def ecef_from_geodetic(
    lat_deg: FloatArray | float, lon_deg: FloatArray | float, alt_m: FloatArray | float = 0.0
) -> FloatArray:
    """WGS-84 Earth-centred Earth-fixed coordinates in metres, shape (..., 3)."""
    lat = np.radians(np.asarray(lat_deg, dtype=np.float64))
    lon = np.radians(np.asarray(lon_deg, dtype=np.float64))
    alt = np.asarray(alt_m, dtype=np.float64)
    sin_lat = np.sin(lat)
    n_m = WGS84_A_M / np.sqrt(1.0 - WGS84_E2 * sin_lat * sin_lat)
    x = (n_m + alt) * np.cos(lat) * np.cos(lon)
    y = (n_m + alt) * np.cos(lat) * np.sin(lon)
    z = (n_m * (1.0 - WGS84_E2) + alt) * sin_lat
    return np.stack(np.broadcast_arrays(x, y, z), axis=-1)


def enu_from_geodetic_wgs84(
    lat_deg: FloatArray | float,
    lon_deg: FloatArray | float,
    alt_m: FloatArray | float,
    ref_lat_deg: float,
    ref_lon_deg: float,
    ref_alt_m: float = 0.0,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Exact ellipsoidal ENU (metres) of points relative to a reference point."""
    delta = ecef_from_geodetic(lat_deg, lon_deg, alt_m) - ecef_from_geodetic(
        ref_lat_deg, ref_lon_deg, ref_alt_m
    )
    east, north, up = enu_axes(ref_lat_deg, ref_lon_deg)
    return delta @ east, delta @ north, delta @ up


def project_onto(
    ref_lat_deg: FloatArray | float,
    ref_lon_deg: FloatArray | float,
    lat_deg: FloatArray | float,
    lon_deg: FloatArray | float,
    radius_m: float = EARTH_RADIUS_M,
) -> tuple[FloatArray, FloatArray]:
    """Each point projected into the tangent plane of its own reference point (east_m, north_m).

    The element-wise twin of :meth:`TangentPlane.project`: one reference per
    row, so every pair of units can be measured in a plane centred on one of
    them, as DAIDALUS does for its ownship.
    """
    east, north, _ = enu_axes(ref_lat_deg, ref_lon_deg)
    unit = unit_vectors(lat_deg, lon_deg)
    return radius_m * np.sum(unit * east, axis=-1), radius_m * np.sum(unit * north, axis=-1)


def rotate_velocity_onto(
    ref_lat_deg: FloatArray | float,
    ref_lon_deg: FloatArray | float,
    lat_deg: FloatArray | float,
    lon_deg: FloatArray | float,
    east_mps: FloatArray | float,
    north_mps: FloatArray | float,
) -> tuple[FloatArray, FloatArray]:
    """Each point's local east/north velocity expressed in its reference point's plane."""
    ref_east, ref_north, _ = enu_axes(ref_lat_deg, ref_lon_deg)
    east, north, _ = enu_axes(lat_deg, lon_deg)
    world = (
        np.asarray(east_mps, dtype=np.float64)[..., None] * east
        + np.asarray(north_mps, dtype=np.float64)[..., None] * north
    )
    return np.sum(world * ref_east, axis=-1), np.sum(world * ref_north, axis=-1)
