"""Write a scenario in the formats ingest reads: JSON lines, AIS NMEA, SBS-1, and a unit registry.

JSON lines carry every unit with its party. AIS NMEA carries the ships only
(type 1 position reports encoded by pyais, each behind an NMEA 4 tag block
with its UNIX time, and one type 5 static report per ship for its name), SBS-1
the aircraft only (MSG,1 call sign once, then MSG,4 velocity and MSG,3
position per report). Those two formats carry no party: the registry file
written beside them declares the state units, as an operator would.

Must never change what a scenario says, only how it is spelled.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import reduce
from operator import xor
from pathlib import Path
from typing import Any

import yaml
from pyais import encode_dict

from detente.deconflict.simulator.movers import Unit
from detente.deconflict.simulator.scenario import Scenario
from detente.geo.distance import METRES_PER_FT, MPS_PER_KNOT

FORMATS = ("jsonl", "ais", "sbs")
_REGISTRY_TYPES = {"navy", "coast_guard", "maritime_militia", "air_force", "government", "civilian"}


def _iso(t: float) -> str:
    return (
        datetime.fromtimestamp(t, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


def jsonl_lines(scenario: Scenario) -> Iterator[str]:
    for s in scenario.states:
        yield json.dumps(
            {
                "track": s.track,
                "t": _iso(s.t),
                "lat": round(s.lat_deg, 7),
                "lon": round(s.lon_deg, 7),
                "speed_kn": round(s.speed_mps / MPS_PER_KNOT, 3),
                "course_deg": round(s.course_deg, 3),
                "alt_m": round(s.alt_m, 2),
                "vrate_mps": round(s.vrate_mps, 3),
                "domain": s.domain,
                "party": s.party,
                "name": s.name,
            },
            ensure_ascii=False,
        )


def _tag(t: float) -> str:
    body = f"c:{int(t)}"
    return f"\\{body}*{reduce(xor, body.encode('ascii'), 0):02X}\\"


def ais_lines(scenario: Scenario) -> Iterator[str]:
    units = {u.track: u for u in scenario.units}
    announced: set[str] = set()
    for s in scenario.states:
        unit = units[s.track]
        if s.domain != "sea" or unit.mmsi is None:
            continue
        if s.track not in announced:
            announced.add(s.track)
            static: dict[str, Any] = {
                "type": 5,
                "mmsi": unit.mmsi,
                "shipname": unit.name[:20],
                "ship_type": 35 if unit.party else 70,
            }
            for sentence in encode_dict(static, talker_id="AI", sentence_type="VDM"):
                yield _tag(s.t) + sentence
        report: dict[str, Any] = {
            "type": 1,
            "mmsi": unit.mmsi,
            "status": 7 if unit.kind == "fishing" else 0,
            "lat": s.lat_deg,
            "lon": s.lon_deg,
            "speed": min(s.speed_mps / MPS_PER_KNOT, 102.2),
            "course": s.course_deg % 360.0,
            "heading": round(s.course_deg) % 360,
            "second": int(s.t) % 60,
        }
        for sentence in encode_dict(report, talker_id="AI", sentence_type="VDM"):
            yield _tag(s.t) + sentence


def _sbs(kind: int, unit: Unit, t: float, **fields: str) -> str:
    moment = datetime.fromtimestamp(t, tz=UTC)
    date, clock = moment.strftime("%Y/%m/%d"), moment.strftime("%H:%M:%S.%f")[:-3]
    cells = [""] * 22
    cells[:10] = ["MSG", str(kind), "1", "1", unit.icao or "", "1", date, clock, date, clock]
    names = ("callsign", "altitude", "ground_speed", "track", "lat", "lon", "vertical_rate")
    for index, name in enumerate(names, start=10):
        cells[index] = fields.get(name, "")
    cells[18:22] = ["0", "0", "0", "0"] if kind != 1 else ["", "", "", ""]
    return ",".join(cells)


def sbs_lines(scenario: Scenario) -> Iterator[str]:
    units = {u.track: u for u in scenario.units}
    announced: set[str] = set()
    for s in scenario.states:
        unit = units[s.track]
        if s.domain != "air" or unit.icao is None:
            continue
        if s.track not in announced:
            announced.add(s.track)
            yield _sbs(1, unit, s.t, callsign=(unit.callsign or unit.name)[:8])
        yield _sbs(
            4,
            unit,
            s.t,
            ground_speed=f"{s.speed_mps / MPS_PER_KNOT:.1f}",
            track=f"{s.course_deg % 360.0:.1f}",
            vertical_rate=f"{s.vrate_mps / METRES_PER_FT * 60.0:.0f}",
        )
        yield _sbs(
            3,
            unit,
            s.t,
            altitude=f"{s.alt_m / METRES_PER_FT:.0f}",
            lat=f"{s.lat_deg:.6f}",
            lon=f"{s.lon_deg:.6f}",
        )


def registry_document(scenario: Scenario) -> dict[str, Any]:
    """The operator's unit registry for the scenario's state units (civilians stay unlisted)."""
    units: list[dict[str, Any]] = []
    for unit in scenario.units:
        if unit.party is None:
            continue
        entry: dict[str, Any] = {
            "name": unit.name,
            "party": unit.party,
            "type": unit.kind if unit.kind in _REGISTRY_TYPES else "government",
        }
        if unit.mmsi is not None:
            entry["mmsi"] = unit.mmsi
        if unit.icao is not None:
            entry["icao"] = [unit.icao]
        if unit.callsign is not None:
            entry["callsign"] = unit.callsign
        units.append(entry)
    return {"units": units}


def write(scenario: Scenario, path: Path, fmt: str) -> int:
    """Write one format to ``path``; returns the number of lines written."""
    lines = {"jsonl": jsonl_lines, "ais": ais_lines, "sbs": sbs_lines}
    if fmt not in lines:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    count = 0
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for line in lines[fmt](scenario):
            handle.write(line + "\n")
            count += 1
    return count


def write_registry(scenario: Scenario, path: Path) -> None:
    path.write_text(
        yaml.safe_dump(registry_document(scenario), sort_keys=False, allow_unicode=True)
    )
