"""Distances, bearings and dead reckoning on the Earth, scalar or numpy-vectorised.

Great-circle formulas on a sphere are what screening needs (metres of error
over tens of kilometres); the ellipsoidal distance (Vincenty's inverse on
WGS-84) is for callers that report positions to a peer and want them exact.
Every function accepts floats or arrays and broadcasts.

This module must never know about parties, tracks or thresholds.
"""

from __future__ import annotations

import numpy as np

from detente.geo.enu import EARTH_RADIUS_M, WGS84_A_M, WGS84_F
from detente.types import FloatArray

METRES_PER_NM = 1852.0
METRES_PER_FT = 0.3048
METRES_PER_YD = 0.9144
MPS_PER_KNOT = METRES_PER_NM / 3600.0


def haversine_m(
    lat1_deg: FloatArray | float,
    lon1_deg: FloatArray | float,
    lat2_deg: FloatArray | float,
    lon2_deg: FloatArray | float,
    radius_m: float = EARTH_RADIUS_M,
) -> FloatArray:
    """Great-circle distance; haversine keeps precision for the short ranges that matter."""
    lat1 = np.radians(np.asarray(lat1_deg, dtype=np.float64))
    lat2 = np.radians(np.asarray(lat2_deg, dtype=np.float64))
    dlat = lat2 - lat1
    dlon = np.radians(np.asarray(lon2_deg, dtype=np.float64) - np.asarray(lon1_deg))
    h = np.sin(dlat / 2.0) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin(dlon / 2.0) ** 2
    return np.asarray(2.0 * radius_m * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0))))


def initial_bearing_deg(
    lat1_deg: FloatArray | float,
    lon1_deg: FloatArray | float,
    lat2_deg: FloatArray | float,
    lon2_deg: FloatArray | float,
) -> FloatArray:
    """True bearing from point 1 towards point 2 at the start, in [0, 360)."""
    lat1 = np.radians(np.asarray(lat1_deg, dtype=np.float64))
    lat2 = np.radians(np.asarray(lat2_deg, dtype=np.float64))
    dlon = np.radians(np.asarray(lon2_deg, dtype=np.float64) - np.asarray(lon1_deg))
    y = np.sin(dlon) * np.cos(lat2)
    x = np.cos(lat1) * np.sin(lat2) - np.sin(lat1) * np.cos(lat2) * np.cos(dlon)
    return np.asarray(np.degrees(np.arctan2(y, x)) % 360.0)


def destination_deg(
    lat_deg: FloatArray | float,
    lon_deg: FloatArray | float,
    bearing_deg: FloatArray | float,
    distance_m: FloatArray | float,
    radius_m: float = EARTH_RADIUS_M,
) -> tuple[FloatArray, FloatArray]:
    """Where a great-circle run of a given length and initial bearing ends.

    Used to bring reports of different ages to one instant; longitude comes
    back wrapped into [-180, 180) so crossing the antimeridian is harmless.
    """
    lat = np.radians(np.asarray(lat_deg, dtype=np.float64))
    lon = np.radians(np.asarray(lon_deg, dtype=np.float64))
    brg = np.radians(np.asarray(bearing_deg, dtype=np.float64))
    ang = np.asarray(distance_m, dtype=np.float64) / radius_m
    sin_lat2 = np.sin(lat) * np.cos(ang) + np.cos(lat) * np.sin(ang) * np.cos(brg)
    lat2 = np.arcsin(np.clip(sin_lat2, -1.0, 1.0))
    lon2 = lon + np.arctan2(
        np.sin(brg) * np.sin(ang) * np.cos(lat), np.cos(ang) - np.sin(lat) * sin_lat2
    )
    lon2_deg = (np.degrees(lon2) + 180.0) % 360.0 - 180.0
    return np.asarray(np.degrees(lat2)), np.asarray(lon2_deg)


def vincenty_m(
    lat1_deg: FloatArray | float,
    lon1_deg: FloatArray | float,
    lat2_deg: FloatArray | float,
    lon2_deg: FloatArray | float,
    *,
    max_iterations: int = 200,
) -> FloatArray:
    """Geodesic distance on WGS-84 (Vincenty's inverse), to a millimetre.

    Nearly antipodal pairs, where the iteration does not converge, fall back
    to the great-circle distance on the mean sphere rather than failing.
    """
    a, f = WGS84_A_M, WGS84_F
    b = a * (1.0 - f)
    lat1 = np.radians(np.asarray(lat1_deg, dtype=np.float64))
    lat2 = np.radians(np.asarray(lat2_deg, dtype=np.float64))
    big_l = np.radians(np.asarray(lon2_deg, dtype=np.float64) - np.asarray(lon1_deg))
    big_l = (big_l + np.pi) % (2.0 * np.pi) - np.pi
    u1 = np.arctan((1.0 - f) * np.tan(lat1))
    u2 = np.arctan((1.0 - f) * np.tan(lat2))
    sin_u1, cos_u1, sin_u2, cos_u2 = np.sin(u1), np.cos(u1), np.sin(u2), np.cos(u2)
    lam = np.array(big_l, dtype=np.float64, copy=True)
    converged = np.zeros(np.shape(lam), dtype=bool)
    sin_sigma = cos_sigma = sigma = cos2_alpha = cos_2sm = np.zeros_like(lam)
    for _ in range(max_iterations):
        sin_lam, cos_lam = np.sin(lam), np.cos(lam)
        sin_sigma = np.hypot(cos_u2 * sin_lam, cos_u1 * sin_u2 - sin_u1 * cos_u2 * cos_lam)
        cos_sigma = sin_u1 * sin_u2 + cos_u1 * cos_u2 * cos_lam
        sigma = np.arctan2(sin_sigma, cos_sigma)
        safe_sin_sigma = np.where(sin_sigma == 0.0, 1.0, sin_sigma)
        sin_alpha = cos_u1 * cos_u2 * sin_lam / safe_sin_sigma
        cos2_alpha = 1.0 - sin_alpha * sin_alpha
        safe_cos2 = np.where(cos2_alpha == 0.0, 1.0, cos2_alpha)
        cos_2sm = np.where(cos2_alpha == 0.0, 0.0, cos_sigma - 2.0 * sin_u1 * sin_u2 / safe_cos2)
        c = f / 16.0 * cos2_alpha * (4.0 + f * (4.0 - 3.0 * cos2_alpha))
        lam_prev = lam
        lam = big_l + (1.0 - c) * f * sin_alpha * (
            sigma + c * sin_sigma * (cos_2sm + c * cos_sigma * (-1.0 + 2.0 * cos_2sm**2))
        )
        converged = np.abs(lam - lam_prev) < 1e-12
        if bool(np.all(converged)):
            break
    u_sq = cos2_alpha * (a * a - b * b) / (b * b)
    big_a = 1.0 + u_sq / 16384.0 * (4096.0 + u_sq * (-768.0 + u_sq * (320.0 - 175.0 * u_sq)))
    big_b = u_sq / 1024.0 * (256.0 + u_sq * (-128.0 + u_sq * (74.0 - 47.0 * u_sq)))
    delta_sigma = (
        big_b
        * sin_sigma
        * (
            cos_2sm
            + big_b
            / 4.0
            * (
                cos_sigma * (-1.0 + 2.0 * cos_2sm**2)
                - big_b / 6.0 * cos_2sm * (-3.0 + 4.0 * sin_sigma**2) * (-3.0 + 4.0 * cos_2sm**2)
            )
        )
    )
    geodesic = b * big_a * (sigma - delta_sigma)
    fallback = haversine_m(lat1_deg, lon1_deg, lat2_deg, lon2_deg)
    return np.asarray(np.where(converged, geodesic, fallback))
