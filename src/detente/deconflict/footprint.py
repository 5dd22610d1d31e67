"""The horizontal footprint of a volume as one shapely geometry in unwrapped lon/lat.

RFC 7946 cuts an area across the antimeridian into two parts; a circle there
runs past 180 degrees. Conflict tests need one continuous area, so every
footprint lives in a *canonical* longitude frame: its western edge in
[-180, 180) and, across the antimeridian, its eastern edge beyond 180. Two
footprints are compared with the second shifted by -360, 0 or +360 degrees,
which makes the cut invisible. Edges stay straight in lon/lat, as RFC 7946
says, so interior overlap decided here is exact.

This module must never decide conflicts or know about parties; it only
turns volumes into geometry and geometry back into RFC 7946 GeoJSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely

from detente.deconflict.volume import (
    CircleArea,
    MultiPolygonArea,
    PolygonArea,
    Volume,
    rings_polygon,
)
from detente.geo.geodesic import circle_ring, circle_rings
from detente.types import JSONObject

_CUT_EPS_DEG = 1e-12
_WORLD_WEST = shapely.box(-180.0, -90.0, 180.0, 90.0)
_WORLD_EAST = shapely.box(180.0, -90.0, 540.0, 90.0)
_WORLD_FAR_WEST = shapely.box(-540.0, -90.0, -180.0, 90.0)


def footprint(volume: Volume) -> Any:
    """The volume's area in the canonical frame (a shapely Polygon or MultiPolygon)."""
    if volume.circle is not None:
        return _circle(volume.circle)
    assert volume.polygon is not None  # the model guarantees exactly one area
    return _polygonal(volume.polygon)


def footprints(volumes: Sequence[Volume]) -> list[Any]:
    """``footprint`` of many volumes, with every circle solved in one batch."""
    found: list[Any] = [None] * len(volumes)
    circles = [n for n, v in enumerate(volumes) if v.circle is not None]
    if circles:
        areas = [volumes[n].circle for n in circles]
        rings = circle_rings(
            np.array([c.center[0] for c in areas if c is not None]),
            np.array([c.center[1] for c in areas if c is not None]),
            np.array([c.radius_m for c in areas if c is not None]),
        )
        for n, ring in zip(circles, rings, strict=True):
            found[n] = _circle_polygon(ring)
    for n, volume in enumerate(volumes):
        if volume.polygon is not None:
            found[n] = _polygonal(volume.polygon)
    return found


def _circle(circle: CircleArea) -> Any:
    return _circle_polygon(circle_ring(circle.center[0], circle.center[1], circle.radius_m))


def _circle_polygon(ring: Any) -> Any:
    polygon = shapely.polygons(ring)
    minx = shapely.bounds(polygon)[0]
    if minx < -180.0:
        polygon = shapely.transform(polygon, lambda xy: xy + np.array([360.0, 0.0]))
    return polygon


def _polygonal(area: PolygonArea | MultiPolygonArea) -> Any:
    if isinstance(area, PolygonArea):
        return rings_polygon(area.coordinates)
    parts = [rings_polygon(part) for part in area.coordinates]
    crosses = any(_touches_lon(p, 180.0) for p in parts) and any(
        _touches_lon(p, -180.0) for p in parts
    )
    if crosses:
        # The western halves of the cut move east by a full turn so the two
        # halves meet at 180 and merge into one polygon.
        parts = [shift(p, 360.0) if _touches_lon(p, -180.0) else p for p in parts]
        return shapely.union_all(parts)
    return shapely.MultiPolygon(parts)


def _touches_lon(polygon: Any, lon_deg: float) -> bool:
    minx, _, maxx, _ = shapely.bounds(polygon)
    return bool(abs(minx - lon_deg) < _CUT_EPS_DEG or abs(maxx - lon_deg) < _CUT_EPS_DEG)


def shift(geometry: Any, dlon_deg: float) -> Any:
    """The same geometry a whole number of turns east or west."""
    if dlon_deg == 0.0:
        return geometry
    return shapely.transform(geometry, lambda xy: xy + np.array([dlon_deg, 0.0]))


def shifts_between(a_bounds: Any, b_bounds: Any) -> list[float]:
    """The longitude shifts of ``b`` under which its box can meet ``a``'s box."""
    found = []
    for dlon in (0.0, -360.0, 360.0):
        if b_bounds[0] + dlon <= a_bounds[2] and a_bounds[0] <= b_bounds[2] + dlon:
            found.append(dlon)
    return found


def to_geojson(geometry: Any) -> JSONObject:
    """RFC 7946 GeoJSON of a canonical geometry: cut at the antimeridian, lon in -180..180."""
    pieces = [
        shapely.intersection(geometry, _WORLD_WEST),
        shift(shapely.intersection(geometry, _WORLD_EAST), -360.0),
        shift(shapely.intersection(geometry, _WORLD_FAR_WEST), 360.0),
    ]
    polygons: list[Any] = []
    for piece in pieces:
        polygons.extend(_polygons_of(piece))
    if len(polygons) == 1:
        mapping: JSONObject = shapely.geometry.mapping(polygons[0])
    else:
        mapping = shapely.geometry.mapping(shapely.MultiPolygon(polygons))
    plain: JSONObject = _plain(mapping)
    return plain


def _polygons_of(geometry: Any) -> list[Any]:
    if shapely.is_empty(geometry):
        return []
    kind = shapely.get_type_id(geometry)
    if kind == 6 and shapely.is_valid(geometry):  # already a clean MultiPolygon
        return list(shapely.get_parts(geometry))
    if kind == 3:  # Polygon
        return [geometry] if shapely.area(geometry) > 0.0 else []
    if kind in (6, 7):  # MultiPolygon, GeometryCollection
        found: list[Any] = []
        for part in shapely.get_parts(geometry):
            found.extend(_polygons_of(part))
        return found
    return []


def polygons_only(geometry: Any) -> Any:
    """Drop the lines and points an overlay leaves where shapes only touch."""
    if shapely.get_type_id(geometry) == 3:
        return geometry
    polygons = _polygons_of(geometry)
    if not polygons:
        return shapely.Polygon()
    if len(polygons) == 1:
        return polygons[0]
    return shapely.MultiPolygon(polygons)


def _plain(mapping: Any) -> Any:
    """Tuples to lists, so the mapping is JSON as ``json.dumps`` and pydantic see it."""
    if isinstance(mapping, dict):
        return {key: _plain(value) for key, value in mapping.items()}
    if isinstance(mapping, list | tuple):
        return [_plain(value) for value in mapping]
    return mapping
