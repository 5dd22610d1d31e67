"""``detente tracks summary``: one row per track, malformed input counted with file and line."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from detente.cli.main import main

DATA = Path(__file__).parent.parent / "data" / "ais"


def _state_line(track: str, t: str, lat: float) -> str:
    return json.dumps(
        {"track": track, "t": t, "lat": lat, "lon": 114.0, "speed_kn": 10.0, "course_deg": 90.0}
    )


def test_tracks_summary_json_rows_and_malformed_lines(tmp_path: Path) -> None:
    path = tmp_path / "tracks.jsonl"
    path.write_text(
        "\n".join(
            [
                _state_line("DDG-1", "2026-01-01T00:00:10Z", 10.0),
                _state_line("DDG-1", "2026-01-01T00:00:00Z", 9.0),
                '{"track": "X"}',
                _state_line("CCG-2", "2026-01-01T00:00:05Z", 11.0),
            ]
        )
        + "\n"
    )
    registry = tmp_path / "units.yaml"
    registry.write_text("units:\n  - {name: USS One, party: US, type: navy, track: DDG-1}\n")
    result = CliRunner().invoke(main, ["tracks", "summary", str(path), "--registry", str(registry)])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["malformed"] == 1
    assert doc["malformed_lines"] == [{"file": str(path), "line": 3, "reason": "t: is required"}]
    rows = {row["track"]: row for row in doc["tracks"]}
    assert rows["DDG-1"] == {
        "track": "DDG-1",
        "party": "US",
        "name": "USS One",
        "domain": "sea",
        "states": 2,
        "first_t": "2026-01-01T00:00:00Z",
        "last_t": "2026-01-01T00:00:10Z",
        "lat": 10.0,
        "lon": 114.0,
    }
    assert rows["CCG-2"]["party"] is None


def test_tracks_summary_reads_real_ais_logs_together() -> None:
    files = [str(DATA / "gpsd_ais-18-27.log"), str(DATA / "pyais_nmea_data_sample.txt")]
    result = CliRunner().invoke(main, ["tracks", "summary", *files, "--fmt", "ais"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["malformed"] == 69 + 20
    assert len(doc["malformed_lines"]) == 89
    suokki = next(row for row in doc["tracks"] if row["track"] == "mmsi:230108610")
    assert (suokki["name"], suokki["party"], suokki["states"]) == ("SUOKKI", "FI", 6)


def test_tracks_summary_table_format(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["tracks", "summary", str(DATA / "gpsd_sample.aivdm"), "--format", "table"]
    )
    assert result.exit_code == 0, result.output
    assert "malformed: 1" in result.stdout
    assert "gpsd_sample.aivdm:978" in result.stdout


def test_tracks_summary_bad_registry_fails_with_the_field(tmp_path: Path) -> None:
    registry = tmp_path / "units.yaml"
    registry.write_text("units:\n  - {name: X, party: US, type: submarine, mmsi: 366999001}\n")
    result = CliRunner().invoke(
        main, ["tracks", "summary", str(DATA / "gpsd_sample.aivdm"), "--registry", str(registry)]
    )
    assert result.exit_code == 1
    assert "units[0].type" in result.stderr


def test_tracks_summary_unreadable_format_fails(tmp_path: Path) -> None:
    path = tmp_path / "noise.txt"
    path.write_text("hello\n")
    result = CliRunner().invoke(main, ["tracks", "summary", str(path)])
    assert result.exit_code == 1
    assert "fmt" in result.stderr


def test_tracks_summary_progress_keeps_stdout_json_clean(tmp_path: Path) -> None:
    sample = (DATA / "pyais_nmea_data_sample.txt").read_text().rstrip("\n") + "\n"
    path = tmp_path / "big.nmea"
    path.write_text(sample * 30)
    assert path.stat().st_size > 1 << 20
    result = CliRunner().invoke(main, ["tracks", "summary", str(path)])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["malformed"] == 30 * 20
