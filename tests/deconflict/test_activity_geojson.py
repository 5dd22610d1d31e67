"""GeoJSON FeatureCollections as volumes: accepted features, rejected ones, unusable files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from detente.deconflict.conflict import ConflictBuffer
from detente.deconflict.feature_conflicts import feature_conflicts
from detente.deconflict.geojson_io import load_features, read_features
from detente.errors import IngestError

PROPS = {
    "party": "US",
    "activity": "ex",
    "kind": "exercise",
    "start": "2026-05-01T00:00:00Z",
    "end": "2026-05-02T00:00:00Z",
    "alt_lower_m": 0,
    "alt_upper_m": 1000,
}
HALVES = {
    "type": "MultiPolygon",
    "coordinates": [
        [[[175, 0], [180, 0], [180, 1], [175, 1], [175, 0]]],
        [[[-180, 0], [-175, 0], [-175, 1], [-180, 1], [-180, 0]]],
    ],
}


def collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def feature(fid: Any, geometry: dict[str, Any], **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "id": fid, "geometry": geometry, "properties": {**PROPS, **props}}


def test_geojson_reads_polygons_points_and_antimeridian_areas() -> None:
    good, bad = read_features(
        collection(
            feature("halves", HALVES),
            feature(
                7, {"type": "Point", "coordinates": [-179.99, 0.5]}, party="CN", radius_m=5_000
            ),
            feature("sea", HALVES, party="JP", alt_lower_m=0, alt_upper_m=0, alt_ref="SFC"),
        )
    )
    assert bad == []
    assert [f.id for f in good] == ["halves", "7", "sea"]
    assert good[2].volume.altitude.reference == "SFC"
    pairs = {(p.a.id, p.b.id) for p in feature_conflicts(good)}
    assert pairs == {("7", "halves"), ("7", "sea"), ("halves", "sea")}
    assert feature_conflicts(good, ConflictBuffer(1.0, 1.0))


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"kind": "picnic"}, "properties.kind: unknown kind"),
        ({"alt_lower_m": None}, "properties.alt_lower_m:"),
        ({"alt_ref": "AGL"}, "properties.alt_ref:"),
        ({"start": "yesterday"}, "properties.start:"),
        ({"party": None}, "properties.party:"),
    ],
)
def test_geojson_bad_properties_are_reported_not_raised(
    changes: dict[str, Any], reason: str
) -> None:
    good, bad = read_features(collection(feature("f1", HALVES, **changes)))
    assert good == []
    assert [b.id for b in bad] == ["f1"]
    assert bad[0].reason.startswith(reason)


def test_geojson_unsupported_geometry_and_missing_id() -> None:
    line = {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}
    good, bad = read_features(
        collection({"type": "Feature", "geometry": line, "properties": PROPS}), source="f.json"
    )
    assert good == []
    assert bad[0].id == "f.json#0"
    assert bad[0].reason.startswith("geometry.type:")


def test_geojson_unusable_files_raise_ingest_error(tmp_path: Path) -> None:
    with pytest.raises(IngestError):
        read_features({"type": "Feature"})
    with pytest.raises(IngestError):
        read_features({"type": "FeatureCollection", "features": {}})
    broken = tmp_path / "broken.json"
    broken.write_text('{"type": ')
    with pytest.raises(IngestError) as caught:
        load_features(broken)
    assert caught.value.line == 1
    fine = tmp_path / "fine.json"
    fine.write_text(json.dumps(collection(feature("a", HALVES))))
    assert len(load_features(fine)[0]) == 1
