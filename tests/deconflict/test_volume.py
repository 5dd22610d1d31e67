"""Volume validation: every rejection names the field and the reason."""

from __future__ import annotations

from typing import Any

import pytest
import shapely

from detente.deconflict.footprint import footprint, to_geojson
from detente.deconflict.volume import MAX_VERTICES, parse_volume
from detente.errors import ValidationError

DAY = {"start": "2026-05-01T00:00:00Z", "end": "2026-05-02T00:00:00Z"}
BAND = {"lower": 0, "upper": 1000}
SQUARE = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]


def data(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "polygon": {"type": "Polygon", "coordinates": [SQUARE]},
        "altitude": BAND,
        "window": DAY,
    }
    base.update(changes)
    return base


def rejected(payload: dict[str, Any]) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        parse_volume(payload, field="volumes[2]")
    return caught.value


def test_volume_accepts_polygon_circle_and_feet() -> None:
    assert parse_volume(data()).polygon is not None
    circle = data(polygon=None, circle={"type": "Circle", "center": [120, 20], "radius_m": 5000})
    assert parse_volume(circle).circle is not None
    feet = parse_volume(data(altitude={"lower": 0, "upper": 10_000, "units": "ft"}))
    assert feet.altitude.upper_m == pytest.approx(3048.0)


@pytest.mark.parametrize(
    ("payload", "field", "words"),
    [
        (
            data(polygon={"type": "Polygon", "coordinates": [SQUARE[:-1]]}),
            "volumes[2].polygon.coordinates[0]",
            "not closed",
        ),
        (
            data(
                polygon={
                    "type": "Polygon",
                    "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]],
                }
            ),
            "volumes[2].polygon.coordinates[0]",
            "intersects itself",
        ),
        (
            data(polygon={"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 91], [0, 0]]]}),
            "volumes[2].polygon.coordinates[0][2]",
            "latitude",
        ),
        (
            data(polygon={"type": "Polygon", "coordinates": [[[0, 0], [181, 0], [1, 1], [0, 0]]]}),
            "volumes[2].polygon.coordinates[0][1]",
            "longitude",
        ),
        (
            data(polygon=None, circle={"type": "Circle", "center": [0, 0], "radius_m": 0}),
            "volumes[2].circle.radius_m",
            "greater than 0",
        ),
        (
            data(polygon=None, circle={"type": "Circle", "center": [0, 0], "radius_m": 2e6}),
            "volumes[2].circle.radius_m",
            "less than or equal",
        ),
        (
            data(polygon=None, circle={"type": "Circle", "center": [0, 89.5], "radius_m": 100_000}),
            "volumes[2].circle",
            "pole",
        ),
        (data(altitude={"lower": 10, "upper": 5}), "volumes[2].altitude", "above upper"),
        (
            data(altitude={"lower": 0, "upper": 5, "units": "N"}),
            "volumes[2].altitude.units",
            "'m' or 'ft'",
        ),
        (
            data(altitude={"lower": 0, "upper": 5, "reference": "blag"}),
            "volumes[2].altitude.reference",
            "MSL",
        ),
        (
            data(window={"start": DAY["end"], "end": DAY["start"]}),
            "volumes[2].window",
            "not after start",
        ),
        (
            data(window={"start": "2026-01-01T00:00:00Z", "end": "2026-06-01T00:00:00Z"}),
            "volumes[2].window",
            "90 days",
        ),
        (
            data(window={"start": "2026-05-01T00:00:00", "end": DAY["end"]}),
            "volumes[2].window.start",
            "timezone",
        ),
        (data(polygon=None), "volumes[2]", "exactly one"),
        (
            data(window={"start": "2026-05-01T08:00:00+08:00", "end": DAY["end"]}),
            "volumes[2].window",
            "UTC",
        ),
    ],
)
def test_volume_rejects_with_field_and_reason(
    payload: dict[str, Any], field: str, words: str
) -> None:
    error = rejected(payload)
    assert error.field == field
    assert words in error.reason


def test_volume_rejects_too_many_vertices() -> None:
    ring = [[i / 10_000, (i % 2) / 10_000 + (i / 10_000) ** 2] for i in range(MAX_VERTICES)]
    ring = [[0.0, -1.0], *ring, [0.0, -1.0]]
    error = rejected(data(polygon={"type": "Polygon", "coordinates": [ring]}))
    assert error.field == "volumes[2].polygon"
    assert "exceed" in error.reason


def test_volume_rejects_hole_outside_shell() -> None:
    hole = [[2, 2], [3, 2], [3, 3], [2, 2]]
    error = rejected(data(polygon={"type": "Polygon", "coordinates": [SQUARE, hole]}))
    assert error.field == "volumes[2].polygon"
    assert "not valid" in error.reason


def test_volume_rejects_polygon_wrapping_the_long_way() -> None:
    ring = [[170, 0], [-170, 0], [-170, 1], [170, 1], [170, 0]]
    error = rejected(data(polygon={"type": "Polygon", "coordinates": [ring]}))
    assert error.field == "volumes[2].polygon"
    assert "antimeridian" in error.reason


def test_volume_antimeridian_halves_are_one_area() -> None:
    halves = {
        "type": "MultiPolygon",
        "coordinates": [
            [[[170, 0], [180, 0], [180, 1], [170, 1], [170, 0]]],
            [[[-180, 0], [-170, 0], [-170, 1], [-180, 1], [-180, 0]]],
        ],
    }
    area = footprint(parse_volume(data(polygon=halves)))
    assert shapely.get_type_id(area) == 3  # one Polygon
    assert shapely.equals(area, shapely.box(170, 0, 190, 1))
    back = to_geojson(area)
    assert back["type"] == "MultiPolygon"
    assert shapely.geometry.shape(back).area == pytest.approx(20.0)


def test_volume_circle_across_antimeridian_is_one_ring() -> None:
    area = footprint(
        parse_volume(
            data(
                polygon=None, circle={"type": "Circle", "center": [-179.95, 10], "radius_m": 20_000}
            )
        )
    )
    minx, _, maxx, _ = shapely.bounds(area)
    assert 179.5 < minx < 180.0 < maxx < 181.0
