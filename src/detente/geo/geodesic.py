"""The WGS-84 ellipsoid: geodesic direct problem, circles, equal-area plane, areas.

Activity volumes are drawn as circles on the ellipsoid and judged by the size
of their overlap, so this module gives exactly three things: points at a
distance and azimuth (Vincenty's direct problem), circles as polygons that
contain the true circle, and areas in square metres through Lambert's
azimuthal equal-area projection on the ellipsoid (Snyder 1987, pp. 187-190),
which keeps areas exact wherever it is centred, across the antimeridian and
near the poles.

It knows nothing of parties, activities or tracks, and it never reads files
or settings: every function is pure and works on numpy arrays.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import shapely

from detente.types import FloatArray

WGS84_A_M = 6_378_137.0
WGS84_F = 1.0 / 298.257223563
WGS84_B_M = WGS84_A_M * (1.0 - WGS84_F)
WGS84_E2 = WGS84_F * (2.0 - WGS84_F)
WGS84_E = math.sqrt(WGS84_E2)

DENSIFY_DEG = 0.05
"""Longest lon/lat edge kept when projecting: RFC 7946 edges are straight in lon/lat."""

_MAX_ITERATIONS = 200


def direct(
    lon_deg: FloatArray | float,
    lat_deg: FloatArray | float,
    azimuth_deg: FloatArray | float,
    distance_m: FloatArray | float,
) -> tuple[FloatArray, FloatArray]:
    """Where a geodesic from a point ends, by Vincenty's direct formula (sub-millimetre).

    Longitudes come back unwrapped around the start (``lon + dlon``) so a circle
    across the antimeridian stays one continuous ring.
    """
    lon1 = np.asarray(lon_deg, dtype=np.float64)
    phi1 = np.radians(np.asarray(lat_deg, dtype=np.float64))
    alpha1 = np.radians(np.asarray(azimuth_deg, dtype=np.float64))
    s = np.asarray(distance_m, dtype=np.float64)
    f, b = WGS84_F, WGS84_B_M
    sin_a1, cos_a1 = np.sin(alpha1), np.cos(alpha1)
    tan_u1 = (1.0 - f) * np.tan(phi1)
    cos_u1 = 1.0 / np.sqrt(1.0 + tan_u1 * tan_u1)
    sin_u1 = tan_u1 * cos_u1
    sigma1 = np.arctan2(tan_u1, cos_a1)
    sin_alpha = cos_u1 * sin_a1
    cos2_alpha = 1.0 - sin_alpha * sin_alpha
    u2 = cos2_alpha * (WGS84_A_M**2 - b**2) / b**2
    big_a = 1.0 + u2 / 16384.0 * (4096.0 + u2 * (-768.0 + u2 * (320.0 - 175.0 * u2)))
    big_b = u2 / 1024.0 * (256.0 + u2 * (-128.0 + u2 * (74.0 - 47.0 * u2)))
    sigma = s / (b * big_a)
    for _ in range(_MAX_ITERATIONS):
        cos_2sm = np.cos(2.0 * sigma1 + sigma)
        sin_s, cos_s = np.sin(sigma), np.cos(sigma)
        d_sigma = (
            big_b
            * sin_s
            * (
                cos_2sm
                + big_b
                / 4.0
                * (
                    cos_s * (-1.0 + 2.0 * cos_2sm**2)
                    - big_b / 6.0 * cos_2sm * (-3.0 + 4.0 * sin_s**2) * (-3.0 + 4.0 * cos_2sm**2)
                )
            )
        )
        new_sigma = s / (b * big_a) + d_sigma
        done = bool(np.all(np.abs(new_sigma - sigma) < 1e-12))
        sigma = new_sigma
        if done:
            break
    cos_2sm = np.cos(2.0 * sigma1 + sigma)
    sin_s, cos_s = np.sin(sigma), np.cos(sigma)
    tmp = sin_u1 * sin_s - cos_u1 * cos_s * cos_a1
    phi2 = np.arctan2(
        sin_u1 * cos_s + cos_u1 * sin_s * cos_a1,
        (1.0 - f) * np.sqrt(sin_alpha**2 + tmp**2),
    )
    lam = np.arctan2(sin_s * sin_a1, cos_u1 * cos_s - sin_u1 * sin_s * cos_a1)
    c = f / 16.0 * cos2_alpha * (4.0 + f * (4.0 - 3.0 * cos2_alpha))
    dlon = lam - (1.0 - c) * f * sin_alpha * (
        sigma + c * sin_s * (cos_2sm + c * cos_s * (-1.0 + 2.0 * cos_2sm**2))
    )
    return lon1 + np.degrees(dlon), np.degrees(phi2)


def circle_ring(
    lon_deg: float, lat_deg: float, radius_m: float, *, vertices: int | None = None
) -> FloatArray:
    """A closed counter-clockwise ring (lon, lat) that contains the geodesic circle.

    Vertices sit at ``radius / cos(pi / n)`` so every chord passes outside the
    true circle: a volume is never drawn smaller than notified. Edges are
    straight in lon/lat (RFC 7946), which bends them off the geodesic chord
    towards the equator by about ``L^2 tan(lat) / 8R``; large and high-latitude
    circles get more vertices and that much extra margin.
    """
    return circle_rings(
        np.array([lon_deg]), np.array([lat_deg]), np.array([radius_m]), vertices=vertices
    )[0]


def circle_rings(
    lon_deg: FloatArray, lat_deg: FloatArray, radius_m: FloatArray, *, vertices: int | None = None
) -> list[FloatArray]:
    """``circle_ring`` for many circles, one direct-problem solve per vertex count."""
    plans = []
    for lon, lat, radius in zip(lon_deg.tolist(), lat_deg.tolist(), radius_m.tolist(), strict=True):
        far_lat = min(abs(lat) + radius / 110_574.0, 89.9)
        tan_far = math.tan(math.radians(far_lat))
        count = vertices or _circle_vertices(radius, tan_far)
        edge_m = 2.0 * math.pi * radius / count
        bend_m = edge_m * edge_m * (1.0 + tan_far) / (4.0 * AUTHALIC_RADIUS_M)
        plans.append((count, lon, lat, radius / math.cos(math.pi / count) + bend_m))
    rings: list[FloatArray] = [np.zeros((0, 2))] * len(plans)
    for count in sorted({plan[0] for plan in plans}):
        members = [n for n, plan in enumerate(plans) if plan[0] == count]
        azimuths = np.linspace(360.0, 0.0, count, endpoint=False)
        lons, lats = direct(
            np.repeat([plans[n][1] for n in members], count),
            np.repeat([plans[n][2] for n in members], count),
            np.tile(azimuths, len(members)),
            np.repeat([plans[n][3] for n in members], count),
        )
        for row, n in enumerate(members):
            part = slice(row * count, (row + 1) * count)
            ring = np.column_stack([lons[part], lats[part]])
            rings[n] = np.vstack([ring, ring[:1]])
    return rings


def _circle_vertices(radius_m: float, tan_far: float) -> int:
    """96 for ordinary circles; more when lon/lat edges would stray from the circle."""
    edges = 96 * max(1.0, math.sqrt(radius_m / 100_000.0)) * max(1.0, math.sqrt(tan_far))
    return int(min(max(96, math.ceil(edges / 8.0) * 8), 960))


def circle_covers_pole(lon_deg: float, lat_deg: float, radius_m: float) -> bool:
    """True when the circle reaches a pole, which no lon/lat polygon can draw."""
    # A degree of latitude is never shorter than 110,574 m: most circles are
    # settled without solving the direct problem.
    if abs(lat_deg) + radius_m / 110_574.0 < 89.0:
        return False
    lons, _ = direct(lon_deg, lat_deg, np.array([0.0, 180.0]), np.full(2, radius_m))
    turned = np.abs(((lons - lon_deg + 180.0) % 360.0) - 180.0)
    return bool(np.any(turned > 90.0))


def _q(sin_phi: FloatArray | float) -> Any:
    """Snyder's q (eq. 3-12): the authalic function of latitude."""
    e, e2 = WGS84_E, WGS84_E2
    return (1.0 - e2) * (
        sin_phi / (1.0 - e2 * sin_phi * sin_phi)
        - (1.0 / (2.0 * e)) * np.log((1.0 - e * sin_phi) / (1.0 + e * sin_phi))
    )


_QP = float(_q(1.0))
AUTHALIC_RADIUS_M = WGS84_A_M * math.sqrt(_QP / 2.0)


class EqualAreaProjection:
    """Oblique Lambert azimuthal equal-area projection of WGS-84 around one centre.

    Areas are exact everywhere; shapes and distances are true at the centre and
    good to a fraction of a percent within a few hundred kilometres, which is
    what safety buffers need.
    """

    def __init__(self, lon0_deg: float, lat0_deg: float) -> None:
        # The oblique formula divides by cos(beta1); a centre a hair off the pole
        # keeps it finite and leaves areas exact.
        lat0 = min(max(lat0_deg, -89.99), 89.99)
        self.lon0_deg = lon0_deg
        self.lat0_deg = lat0
        sin_b1, cos_b1, d = _centre_constants(np.float64(lat0))
        self._sin_b1, self._cos_b1, self._d = float(sin_b1), float(cos_b1), float(d)

    def forward(self, lon_deg: FloatArray, lat_deg: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Lon/lat degrees to plane metres."""
        return laea_forward(lon_deg, lat_deg, self.lon0_deg, self.lat0_deg)

    def inverse(self, x_m: FloatArray, y_m: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Plane metres back to lon/lat degrees (longitude unwrapped around the centre)."""
        x = np.asarray(x_m, dtype=np.float64)
        y = np.asarray(y_m, dtype=np.float64)
        d = self._d
        rho = np.hypot(x / d, d * y)
        safe_rho = np.where(rho == 0.0, 1.0, rho)
        ce = 2.0 * np.arcsin(np.clip(rho / (2.0 * AUTHALIC_RADIUS_M), -1.0, 1.0))
        sin_ce, cos_ce = np.sin(ce), np.cos(ce)
        sin_beta = np.where(
            rho == 0.0,
            self._sin_b1,
            cos_ce * self._sin_b1 + d * y * sin_ce * self._cos_b1 / safe_rho,
        )
        beta = np.arcsin(np.clip(sin_beta, -1.0, 1.0))
        lam = np.arctan2(
            x * sin_ce, d * rho * self._cos_b1 * cos_ce - d * d * y * self._sin_b1 * sin_ce
        )
        e2 = WGS84_E2
        e4, e6 = e2 * e2, e2 * e2 * e2
        phi = (
            beta
            + (e2 / 3.0 + 31.0 * e4 / 180.0 + 517.0 * e6 / 5040.0) * np.sin(2.0 * beta)
            + (23.0 * e4 / 360.0 + 251.0 * e6 / 3780.0) * np.sin(4.0 * beta)
            + (761.0 * e6 / 45360.0) * np.sin(6.0 * beta)
        )
        return self.lon0_deg + np.degrees(lam), np.degrees(phi)

    def to_plane(self, geometry: Any) -> Any:
        """A lon/lat shapely geometry in plane metres, edges densified first."""
        dense = shapely.segmentize(geometry, DENSIFY_DEG)
        return shapely.transform(dense, self._forward_xy)

    def to_lonlat(self, geometry: Any) -> Any:
        """A plane shapely geometry back in lon/lat degrees."""
        return shapely.transform(geometry, self._inverse_xy)

    def _forward_xy(self, coords: FloatArray) -> FloatArray:
        x, y = self.forward(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    def _inverse_xy(self, coords: FloatArray) -> FloatArray:
        lon, lat = self.inverse(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])


def _centre_constants(lat0_deg: Any) -> tuple[Any, Any, Any]:
    """sin and cos of the centre's authalic latitude, and Snyder's D (eq. 24-20)."""
    phi1 = np.radians(np.clip(lat0_deg, -89.99, 89.99))
    sin_phi1 = np.sin(phi1)
    sin_b1 = _q(sin_phi1) / _QP
    cos_b1 = np.sqrt(1.0 - sin_b1 * sin_b1)
    m1 = np.cos(phi1) / np.sqrt(1.0 - WGS84_E2 * sin_phi1 * sin_phi1)
    return sin_b1, cos_b1, WGS84_A_M * m1 / (AUTHALIC_RADIUS_M * cos_b1)


def laea_forward(
    lon_deg: FloatArray | float,
    lat_deg: FloatArray | float,
    lon0_deg: FloatArray | float,
    lat0_deg: FloatArray | float,
) -> tuple[FloatArray, FloatArray]:
    """Lon/lat to equal-area plane metres; the centre may differ point by point."""
    sin_b1, cos_b1, d = _centre_constants(np.asarray(lat0_deg, dtype=np.float64))
    lam = np.radians(np.asarray(lon_deg, dtype=np.float64) - np.asarray(lon0_deg, dtype=np.float64))
    sin_phi = np.sin(np.radians(np.asarray(lat_deg, dtype=np.float64)))
    sin_b = np.clip(_q(sin_phi) / _QP, -1.0, 1.0)
    cos_b = np.sqrt(1.0 - sin_b * sin_b)
    cos_lam = np.cos(lam)
    denom = np.maximum(1.0 + sin_b1 * sin_b + cos_b1 * cos_b * cos_lam, 1e-15)
    big_b = AUTHALIC_RADIUS_M * np.sqrt(2.0 / denom)
    x = big_b * d * cos_b * np.sin(lam)
    y = (big_b / d) * (cos_b1 * sin_b - sin_b1 * cos_b * cos_lam)
    return x, y


def areas_m2(geometries: Any) -> FloatArray:
    """``area_m2`` of many lon/lat geometries at once, each on a plane centred on itself."""
    geoms = np.asarray(geometries, dtype=object)
    if geoms.size == 0:
        return np.zeros(0, dtype=np.float64)
    dense = shapely.segmentize(geoms, DENSIFY_DEG)
    coords, owner = shapely.get_coordinates(dense, return_index=True)
    if coords.size == 0:
        return np.zeros(geoms.size, dtype=np.float64)
    box = shapely.bounds(geoms)
    lon0 = (box[:, 0] + box[:, 2]) / 2.0
    lat0 = (box[:, 1] + box[:, 3]) / 2.0
    x, y = laea_forward(coords[:, 0], coords[:, 1], lon0[owner], lat0[owner])
    planar = shapely.set_coordinates(dense, np.column_stack([x, y]))
    result: FloatArray = np.asarray(shapely.area(planar), dtype=np.float64)
    return result


def projection_for(geometry: Any) -> EqualAreaProjection:
    """The equal-area plane centred on a lon/lat geometry's bounding box."""
    minx, miny, maxx, maxy = shapely.bounds(geometry)
    return EqualAreaProjection((minx + maxx) / 2.0, (miny + maxy) / 2.0)


def area_m2(geometry: Any) -> float:
    """Area on the ellipsoid of a lon/lat polygon whose edges are straight in lon/lat."""
    if shapely.is_empty(geometry):
        return 0.0
    return float(shapely.area(projection_for(geometry).to_plane(geometry)))


def band_area_m2(lat1_deg: float, lat2_deg: float, dlon_deg: float) -> float:
    """Exact area of a lon/lat cell: ``a^2 * dlon * (q2 - q1) / 2`` (Snyder eq. 3-12)."""
    q1 = float(_q(math.sin(math.radians(lat1_deg))))
    q2 = float(_q(math.sin(math.radians(lat2_deg))))
    return abs(WGS84_A_M**2 * math.radians(dlon_deg) * (q2 - q1) / 2.0)
