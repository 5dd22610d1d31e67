"""Conflict semantics on hand-made cases, and the properties every answer must keep."""

from __future__ import annotations

import math
from typing import Any

import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.deconflict.conflict import (
    ActivityKey,
    Conflict,
    ConflictBuffer,
    Prepared,
    bands_overlap,
    overlap,
    overlaps,
    volumes_conflict,
    windows_overlap,
)
from detente.deconflict.volume import Volume
from detente.geo.geodesic import band_area_m2

DAY = {"start": "2026-05-01T00:00:00Z", "end": "2026-05-02T00:00:00Z"}


def vol(
    area: dict[str, Any],
    lower: float = 0.0,
    upper: float = 1_000.0,
    window: dict[str, str] | None = None,
    reference: str = "MSL",
) -> Volume:
    key = "circle" if area["type"] == "Circle" else "polygon"
    return Volume.model_validate(
        {
            key: area,
            "altitude": {"lower": lower, "upper": upper, "reference": reference},
            "window": window or DAY,
        }
    )


def box(x0: float, y0: float, x1: float, y1: float) -> dict[str, Any]:
    ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


def circle(lon: float, lat: float, radius_m: float) -> dict[str, Any]:
    return {"type": "Circle", "center": [lon, lat], "radius_m": radius_m}


def test_conflict_shared_edge_is_not_a_conflict() -> None:
    assert volumes_conflict(vol(box(0, 0, 1, 1)), vol(box(1, 0, 2, 1))) is None


def test_conflict_shared_edge_part_is_not_a_conflict() -> None:
    # A T-junction: b's edge lies along part of a's edge.
    assert volumes_conflict(vol(box(0, 0, 1, 1)), vol(box(1, 0.25, 2, 0.5))) is None


def test_conflict_shared_vertex_is_not_a_conflict() -> None:
    assert volumes_conflict(vol(box(0, 0, 1, 1)), vol(box(1, 1, 2, 2))) is None


def test_conflict_touching_edge_becomes_conflict_with_buffer() -> None:
    found = volumes_conflict(vol(box(0, 0, 1, 1)), vol(box(1, 0, 2, 1)), ConflictBuffer(100.0))
    assert found is not None
    # A 100 m strip along a one-degree meridian edge (about 110.6 km).
    assert found.area_m2 / 1e6 == pytest.approx(11.06, rel=0.01)


def test_conflict_overlap_reports_region_band_and_window() -> None:
    a = vol(
        box(0, 0, 1, 1), 0, 1_000, {"start": "2026-05-01T00:00:00Z", "end": "2026-05-01T12:00:00Z"}
    )
    b = vol(
        box(0.5, 0.5, 1.5, 1.5),
        500,
        3_000,
        {"start": "2026-05-01T06:00:00Z", "end": "2026-05-02T00:00:00Z"},
    )
    found = volumes_conflict(a, b)
    assert found is not None
    assert found.area_m2 == pytest.approx(band_area_m2(0.5, 1.0, 0.5), rel=1e-6)
    assert (found.alt_lower_m, found.alt_upper_m) == (500.0, 1_000.0)
    conflict = Conflict(None, 0, ActivityKey("CN", "x"), 0, found)
    assert conflict.start.isoformat() == "2026-05-01T06:00:00+00:00"
    assert conflict.end.isoformat() == "2026-05-01T12:00:00+00:00"
    region = shapely.geometry.shape(conflict.region_geojson())
    assert shapely.equals(shapely.normalize(region), shapely.normalize(shapely.box(0.5, 0.5, 1, 1)))


def test_conflict_containment_is_a_conflict() -> None:
    found = volumes_conflict(vol(box(0, 0, 2, 2)), vol(box(0.5, 0.5, 1, 1)))
    assert found is not None
    assert found.area_m2 == pytest.approx(band_area_m2(0.5, 1.0, 0.5), rel=1e-6)


def test_conflict_bands_that_touch_are_not_a_conflict() -> None:
    assert (
        volumes_conflict(vol(box(0, 0, 1, 1), 0, 1_000), vol(box(0, 0, 1, 1), 1_000, 2_000)) is None
    )
    buffered = volumes_conflict(
        vol(box(0, 0, 1, 1), 0, 1_000), vol(box(0, 0, 1, 1), 1_000, 2_000), ConflictBuffer(1.0)
    )
    assert buffered is not None


def test_conflict_windows_that_touch_are_not_a_conflict() -> None:
    first = {"start": "2026-05-01T00:00:00Z", "end": "2026-05-01T12:00:00Z"}
    second = {"start": "2026-05-01T12:00:00Z", "end": "2026-05-02T00:00:00Z"}
    a, b = vol(box(0, 0, 1, 1), window=first), vol(box(0, 0, 1, 1), window=second)
    assert volumes_conflict(a, b) is None
    assert volumes_conflict(a, b, ConflictBuffer(time_s=1.0)) is not None


def test_conflict_separated_areas_need_a_buffer_wider_than_the_gap() -> None:
    # 0.01 degree of longitude at the equator is 1,113 m.
    a, b = vol(box(0, 0, 1, 1)), vol(box(1.01, 0, 2, 1))
    assert volumes_conflict(a, b, ConflictBuffer(1_000.0)) is None
    assert volumes_conflict(a, b, ConflictBuffer(1_200.0)) is not None


def test_conflict_circle_against_polygon() -> None:
    # A 10 km circle centred 0.1 degree (11.1 km) from a box edge does not reach it;
    # a 12 km circle does.
    edge = vol(box(0.1, -1, 1, 1))
    assert volumes_conflict(vol(circle(0.0, 0.0, 10_000)), edge) is None
    found = volumes_conflict(vol(circle(0.0, 0.0, 12_000)), edge)
    assert found is not None
    assert 0.0 < found.area_m2 < math.pi * 12_000**2 / 2


def test_conflict_circle_inside_polygon_has_circle_area() -> None:
    found = volumes_conflict(vol(circle(120.0, 20.0, 5_000)), vol(box(119, 19, 121, 21)))
    assert found is not None
    assert found.area_m2 == pytest.approx(math.pi * 5_000**2, rel=0.005)


def test_conflict_across_antimeridian_cut_in_two() -> None:
    halves = {
        "type": "MultiPolygon",
        "coordinates": [
            [[[170, 0], [180, 0], [180, 1], [170, 1], [170, 0]]],
            [[[-180, 0], [-170, 0], [-170, 1], [-180, 1], [-180, 0]]],
        ],
    }
    found = volumes_conflict(vol(halves), vol(box(-175, 0.5, -160, 2)))
    assert found is not None
    assert found.area_m2 == pytest.approx(band_area_m2(0.5, 1.0, 5.0), rel=1e-6)
    both_sides = volumes_conflict(vol(halves), vol(circle(180.0, 0.5, 20_000)))
    assert both_sides is not None
    assert both_sides.area_m2 == pytest.approx(math.pi * 20_000**2, rel=0.005)


def test_conflict_antimeridian_halves_touching_across_the_cut_is_not_a_conflict() -> None:
    east = vol(box(170, 0, 180, 1))
    west = vol(box(-180, 0, -170, 1))
    assert volumes_conflict(east, west) is None
    assert volumes_conflict(east, west, ConflictBuffer(500.0)) is not None


def test_conflict_area_is_exact_at_high_latitude() -> None:
    found = volumes_conflict(vol(box(10, 80, 30, 85)), vol(box(20, 82, 40, 88)))
    assert found is not None
    assert found.area_m2 == pytest.approx(band_area_m2(82, 85, 10), rel=1e-5)


def test_conflict_surface_band_meets_bands_starting_at_surface() -> None:
    sea = vol(box(0, 0, 1, 1), 0, 0, reference="SFC")
    assert volumes_conflict(sea, vol(box(0, 0, 1, 1), 0, 10_000)) is not None
    assert volumes_conflict(sea, vol(box(0, 0, 1, 1), 0, 0, reference="SFC")) is not None
    assert volumes_conflict(sea, vol(box(0, 0, 1, 1), 1_000, 10_000)) is None
    # A submarine band that ends at the surface only touches it.
    assert volumes_conflict(sea, vol(box(0, 0, 1, 1), -300, 0)) is None


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ((0, 100), (50, 150), True),
        ((0, 100), (100, 200), False),
        ((0, 0), (0, 100), True),
        ((0, 0), (-100, 0), False),
        ((0, 0), (0, 0), True),
        ((5, 5), (0, 10), True),
        ((0, 0), (10, 20), False),
    ],
)
def test_bands_overlap_cases(
    a: tuple[float, float], b: tuple[float, float], expected: bool
) -> None:
    assert bands_overlap(*a, *b) is expected
    assert bands_overlap(*b, *a) is expected


def test_windows_overlap_cases() -> None:
    assert windows_overlap(0, 10, 5, 20)
    assert not windows_overlap(0, 10, 10, 20)
    assert windows_overlap(0, 10, 10, 20, time_s=0.5)
    assert not windows_overlap(0, 10, 11, 20, time_s=0.5)


# Property tests: random boxes on a small grid make touching cases common.
coord = st.integers(min_value=-8, max_value=8).map(lambda v: v / 4)
lon_ = st.integers(min_value=-8, max_value=8).map(lambda v: 170 + v / 4)


@st.composite
def volumes(draw: st.DrawFn) -> Volume:
    x0, x1 = sorted(draw(st.lists(lon_, min_size=2, max_size=2, unique=True)))
    y0, y1 = sorted(draw(st.lists(coord, min_size=2, max_size=2, unique=True)))
    lo = draw(st.integers(min_value=0, max_value=4)) * 500.0
    hi = lo + draw(st.integers(min_value=0, max_value=4)) * 500.0
    hour = draw(st.integers(min_value=0, max_value=20))
    hours = draw(st.integers(min_value=1, max_value=6))
    window = {
        "start": f"2026-05-01T{hour:02d}:00:00Z",
        "end": f"2026-05-{1 + (hour + hours) // 24:02d}T{(hour + hours) % 24:02d}:00:00Z",
    }
    if draw(st.booleans()):
        return vol(
            circle((x0 + x1) / 2, (y0 + y1) / 2, draw(st.integers(1, 40)) * 1_000.0), lo, hi, window
        )
    return vol(box(x0, y0, x1, y1), lo, hi, window)


buffers = st.builds(
    ConflictBuffer,
    space_m=st.sampled_from([0.0, 10.0, 1_000.0, 30_000.0]),
    time_s=st.sampled_from([0.0, 60.0, 7_200.0]),
)


@settings(max_examples=150, deadline=None)
@given(volumes(), volumes(), buffers)
def test_conflict_is_symmetric(a: Volume, b: Volume, buffer: ConflictBuffer) -> None:
    ab, ba = volumes_conflict(a, b, buffer), volumes_conflict(b, a, buffer)
    assert (ab is None) == (ba is None)
    if ab is not None and ba is not None:
        assert ab.area_m2 == pytest.approx(ba.area_m2, rel=1e-3, abs=1.0)
        assert (ab.start_s, ab.end_s) == (ba.start_s, ba.end_s)


@settings(max_examples=150, deadline=None)
@given(
    volumes(),
    volumes(),
    st.floats(min_value=1.0, max_value=50_000.0),
    st.floats(min_value=1.0, max_value=86_400.0),
)
def test_conflict_buffer_never_removes_a_conflict(
    a: Volume, b: Volume, space_m: float, time_s: float
) -> None:
    plain = volumes_conflict(a, b)
    buffered = volumes_conflict(a, b, ConflictBuffer(space_m, time_s))
    if plain is not None:
        assert buffered is not None
        assert buffered.area_m2 >= plain.area_m2 * 0.999


@settings(max_examples=100, deadline=None)
@given(
    volumes(), st.floats(min_value=0.05, max_value=0.45), st.floats(min_value=0.05, max_value=0.45)
)
def test_conflict_containment_implies_conflict(outer: Volume, fx: float, fy: float) -> None:
    minx, miny, maxx, maxy = Prepared.of(outer).bounds
    if outer.circle is not None:
        # The inscribed square of the circle's polygon lies inside the circle.
        cx, cy = outer.circle.center
        half_x, half_y = (maxx - minx) * 0.3, (maxy - miny) * 0.3
        minx, maxx, miny, maxy = cx - half_x, cx + half_x, cy - half_y, cy + half_y
    w, h = maxx - minx, maxy - miny
    inner = vol(
        box(minx + fx * w, miny + fy * h, maxx - fx * w, maxy - fy * h),
        outer.altitude.lower,
        outer.altitude.upper,
        {"start": outer.window.start.isoformat(), "end": outer.window.end.isoformat()},
    )
    assert volumes_conflict(outer, inner) is not None


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(volumes(), volumes()), min_size=1, max_size=8), buffers)
def test_overlaps_bulk_matches_pairwise(
    pairs: list[tuple[Volume, Volume]], buffer: ConflictBuffer
) -> None:
    firsts = [Prepared.of(a) for a, _ in pairs]
    seconds = [Prepared.of(b) for _, b in pairs]
    bulk = overlaps(firsts, seconds, buffer)
    for a, b, found in zip(firsts, seconds, bulk, strict=True):
        single = overlap(a, b, buffer)
        assert (single is None) == (found is None)
        if single is not None and found is not None:
            assert found.area_m2 == pytest.approx(single.area_m2, rel=1e-9)


def test_prepared_many_matches_one_by_one() -> None:
    batch = [
        vol(circle(120.0, 20.0, 5_000)),
        vol(box(0, 0, 1, 1)),
        vol(circle(-179.99, 60.0, 300_000)),
        vol(circle(10.0, 85.0, 20_000)),
    ]
    for one, many in zip([Prepared.of(v) for v in batch], Prepared.many(batch), strict=True):
        assert shapely.equals_exact(one.geometry, many.geometry, tolerance=1e-12)
        assert one.bounds == pytest.approx(many.bounds)
