"""``detente activities conflicts``: JSON and table output, invalid features, exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from detente.cli.main import main

WINDOW = {"start": "2026-05-01T00:00:00Z", "end": "2026-05-02T00:00:00Z"}


def feature(fid: str, party: str, geometry: dict[str, Any], **props: Any) -> dict[str, Any]:
    properties = {"party": party, "activity": f"act-{fid}", "kind": "exercise", **WINDOW}
    properties.update({"alt_lower_m": 0, "alt_upper_m": 5_000})
    properties.update(props)
    return {"type": "Feature", "id": fid, "geometry": geometry, "properties": properties}


def square(x0: float, y0: float, size: float = 1.0) -> dict[str, Any]:
    ring = [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


def write(path: Path, *features: dict[str, Any]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": list(features)}))
    return path


def run(*args: str) -> Any:
    return CliRunner().invoke(main, ["activities", "conflicts", *args])


def test_cli_conflicts_json_lists_pairs_of_different_parties(tmp_path: Path) -> None:
    us = write(
        tmp_path / "us.geojson",
        feature("us-ex", "US", square(120, 20)),
        feature("us-2", "US", square(120.5, 20.5)),  # same party as us-ex: never reported
    )
    cn = write(
        tmp_path / "cn.geojson",
        feature(
            "cn-lf",
            "CN",
            {"type": "Point", "coordinates": [121.0, 21.0]},
            radius_m=20_000,
            alt_upper_m=0,
        ),
        feature("cn-edge", "CN", square(119, 20)),  # shares an edge with us-ex: not a conflict
    )
    result = run(str(us), str(cn))
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["invalid"] == []
    pairs = {(c["a"], c["b"]) for c in report["conflicts"]}
    assert pairs == {("cn-lf", "us-ex"), ("cn-lf", "us-2")}
    first = next(c for c in report["conflicts"] if c["b"] == "us-ex")
    assert first["parties"] == ["CN", "US"]
    assert (first["alt_lower_m"], first["alt_upper_m"]) == (0.0, 0.0)
    assert first["start"] == "2026-05-01T00:00:00Z"
    assert first["end"] == "2026-05-02T00:00:00Z"
    # A quarter of a 20 km circle lies in the 1-degree square's corner.
    assert 300 < first["area_km2"] < 330
    assert first["region"]["type"] == "Polygon"


def test_cli_conflicts_buffer_turns_touching_into_conflict(tmp_path: Path) -> None:
    path = write(
        tmp_path / "a.geojson",
        feature("us", "US", square(120, 20)),
        feature("cn", "CN", square(121, 20)),
    )
    assert json.loads(run(str(path)).stdout)["conflicts"] == []
    buffered = json.loads(run(str(path), "--buffer-m", "500").stdout)["conflicts"]
    assert [(c["a"], c["b"]) for c in buffered] == [("cn", "us")]


def test_cli_conflicts_reports_invalid_features_with_reason(tmp_path: Path) -> None:
    open_ring = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}
    path = write(
        tmp_path / "bad.geojson",
        feature("open", "US", open_ring),
        feature(
            "late", "CN", square(0, 0), start="2026-05-02T00:00:00Z", end="2026-05-01T00:00:00Z"
        ),
        feature("party", "us", square(0, 0)),
        feature("circle", "CN", {"type": "Point", "coordinates": [0, 0]}),
        feature("good", "US", square(5, 5)),
    )
    result = run(str(path))
    assert result.exit_code == 0
    invalid = {item["id"]: item["reason"] for item in json.loads(result.stdout)["invalid"]}
    assert set(invalid) == {"open", "late", "party", "circle"}
    assert invalid["open"].startswith("geometry.coordinates[0]: ring is not closed")
    assert invalid["late"].startswith("properties.end: end is not after start")
    assert invalid["party"].startswith("properties.party:")
    assert invalid["circle"].startswith("properties.radius_m:")


def test_cli_conflicts_table_format(tmp_path: Path) -> None:
    path = write(
        tmp_path / "a.geojson",
        feature("us", "US", square(120, 20)),
        feature("cn", "CN", square(120.5, 20)),
    )
    result = run(str(path), "--format", "table")
    assert result.exit_code == 0
    assert "1 conflicts" in result.stdout
    assert "CN/US" in result.stdout


def test_cli_conflicts_unreadable_files_fail(tmp_path: Path) -> None:
    assert run(str(tmp_path / "missing.geojson")).exit_code != 0
    broken = tmp_path / "broken.geojson"
    broken.write_text("{not json")
    assert run(str(broken)).exit_code != 0
    not_collection = tmp_path / "point.geojson"
    not_collection.write_text(json.dumps({"type": "Point", "coordinates": [0, 0]}))
    result = run(str(not_collection))
    assert result.exit_code != 0
    assert "FeatureCollection" in result.output
