"""``detente encounters screen`` and ``detente sim generate`` on real files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from click.testing import CliRunner

from detente.cli.encounters import encounters
from detente.cli.sim import sim
from detente.geo.distance import METRES_PER_NM, METRES_PER_YD
from detente.geo.enu import TangentPlane

KNOT = 1852.0 / 3600.0
T_CPA = 1_538_400_000.0


def crossing_jsonl(path: Path, miss_m: float) -> None:
    """Two destroyers, 1 report each per 10 s for an hour, b crossing a's bow at ``miss_m``."""
    plane = TangentPlane(9.5, 114.0)
    va, vb = np.array([0.0, 15 * KNOT]), np.array([-15 * KNOT, 0.0])
    rel = vb - va
    normal = np.array([-rel[1], rel[0]]) / np.linalg.norm(rel)
    normal = normal if normal[1] > 0 else -normal
    lines = []
    for t in np.arange(T_CPA - 2700, T_CPA + 900, 10.0):
        pa = va * (t - T_CPA)
        pb = pa + normal * miss_m + rel * (t - T_CPA)
        for track, party, pos, course in (("uss", "US", pa, 0.0), ("plan", "CN", pb, 270.0)):
            lat, lon, _ = plane.inverse(pos[0], pos[1])
            lines.append(
                json.dumps(
                    {
                        "track": track,
                        "t": float(t),
                        "lat": float(lat),
                        "lon": float(lon),
                        "speed_kn": 15.0,
                        "course_deg": course,
                        "domain": "sea",
                        "party": party,
                    }
                )
            )
    path.write_text("\n".join(lines) + "\n")


def test_encounters_screen_destroyer_crossing_json(tmp_path: Path) -> None:
    path = tmp_path / "crossing.jsonl"
    crossing_jsonl(path, 150 * METRES_PER_YD)
    result = CliRunner().invoke(encounters, ["screen", str(path)])
    assert result.exit_code == 0, result.output
    (found,) = json.loads(result.stdout)
    assert set(found) >= {
        "id",
        "a",
        "b",
        "parties",
        "domain",
        "level",
        "first_alert_t",
        "cpa_m",
        "tcpa_s",
        "closest_m",
        "closest_t",
    }
    assert (found["a"], found["b"]) == ("plan", "uss")
    assert found["parties"] == ["CN", "US"]
    assert found["level"] == "critical" and found["domain"] == "sea"
    assert abs(found["closest_m"] - 137.16) < 13.7
    assert T_CPA - found["first_alert_t"] >= 600


def test_encounters_screen_safe_pass_prints_empty_list(tmp_path: Path) -> None:
    path = tmp_path / "safe.jsonl"
    crossing_jsonl(path, 5 * METRES_PER_NM)
    result = CliRunner().invoke(encounters, ["screen", str(path), "--horizon-s", "600"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == []


def test_encounters_screen_table(tmp_path: Path) -> None:
    path = tmp_path / "crossing.jsonl"
    crossing_jsonl(path, 150 * METRES_PER_YD)
    result = CliRunner().invoke(encounters, ["screen", str(path), "--format", "table"])
    assert result.exit_code == 0, result.output
    assert "1 encounters" in result.stdout and "critical" in result.stdout


def test_encounters_screen_missing_file_fails_cleanly(tmp_path: Path) -> None:
    result = CliRunner().invoke(encounters, ["screen", str(tmp_path / "nope.jsonl")])
    assert result.exit_code != 0
    assert "nope.jsonl" in result.output


def test_sim_generate_then_screen_ais_and_sbs_with_registry(tmp_path: Path) -> None:
    runner = CliRunner()
    registry = tmp_path / "units.yaml"
    outputs = {}
    for fmt in ("ais", "sbs"):
        out = tmp_path / f"traffic.{fmt}"
        args = [
            "generate",
            "--minutes",
            "6",
            "--seed",
            "3",
            "--format",
            fmt,
            "--out",
            str(out),
            "--registry-out",
            str(registry),
        ]
        result = runner.invoke(sim, args)
        assert result.exit_code == 0, result.output
        outputs[fmt] = json.loads(result.stdout)
    events = {e["name"]: e for e in outputs["ais"]["events"]}
    assert outputs["sbs"]["events"] == outputs["ais"]["events"]
    screened = runner.invoke(
        encounters,
        [
            "screen",
            str(tmp_path / "traffic.ais"),
            str(tmp_path / "traffic.sbs"),
            "--registry",
            str(registry),
            "--parties",
            "US,CN,PH,JP",
        ],
    )
    assert screened.exit_code == 0, screened.output
    found = {frozenset((e["a"], e["b"])): e for e in json.loads(screened.stdout)}
    for name in ("destroyer_crossing", "unsafe_intercept"):
        event = events[name]
        assert found[frozenset((event["a"], event["b"]))]["level"] == "critical"


def test_sim_generate_is_deterministic(tmp_path: Path) -> None:
    runner = CliRunner()
    for name in ("one", "two"):
        args = [
            "generate",
            "--minutes",
            "2",
            "--seed",
            "5",
            "--out",
            str(tmp_path / f"{name}.jsonl"),
        ]
        assert runner.invoke(sim, args).exit_code == 0
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()
