"""Planned activities between two real nodes: a CN live-fire notice meets a US plan."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from detente.testing import NodeProcess, running_pair, wait_until


def area(lon: float, lat: float, size: float) -> list[list[list[float]]]:
    return [
        [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    ]


def collection(
    title: str, kind: str, coords: list[list[list[float]]], start: str, end: str, upper_m: float
) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "properties": {"kind": kind, "title": title},
        "features": [
            {
                "type": "Feature",
                "id": "v1",
                "geometry": {"type": "Polygon", "coordinates": coords},
                "properties": {
                    "start": start,
                    "end": end,
                    "alt_lower_m": 0,
                    "alt_upper_m": upper_m,
                },
            }
        ],
    }


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[NodeProcess, NodeProcess]]:
    with running_pair(tmp_path, cn_name="Eastern Theater Command") as nodes:
        yield nodes


def test_cn_live_fire_notice_conflicts_with_us_transit_plan(
    pair: tuple[NodeProcess, NodeProcess],
) -> None:
    us, cn = pair
    plan = collection(
        "USS Dewey Taiwan Strait transit",
        "transit",
        area(119.5, 24.0, 0.6),
        "2026-12-01T00:00:00Z",
        "2026-12-01T12:00:00Z",
        0,
    )
    added = us.api("POST", "/api/v1/plans", json={"plan_id": "dewey-transit", "geojson": plan})
    assert added["conflicts"] == []
    fire = collection(
        "PLA Eastern Theater live-fire exercise",
        "live_fire",
        area(119.8, 24.3, 0.5),
        "2026-12-01T06:00:00Z",
        "2026-12-01T18:00:00Z",
        12000,
    )
    sent = cn.api(
        "POST",
        "/api/v1/activities/notify",
        json={"to": "US", "geojson": fire, "precedence": "IMMEDIATE"},
    )

    def conflicts() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = us.api("GET", "/api/v1/activities")["conflicts"]
        return found

    (conflict,) = wait_until(conflicts, timeout_s=10, what="conflict at US")
    assert set(conflict["parties"]) == {"US", "CN"}
    assert conflict["start"].startswith("2026-12-01T06:00")
    assert conflict["end"].startswith("2026-12-01T12:00")
    assert conflict["area_km2"] > 100
    assert {conflict["a"]["activity"], conflict["b"]["activity"]} == {
        "plan:dewey-transit",
        sent["id"],
    }
    alarm = [
        a for a in us.api("GET", "/api/v1/alarms")["alarms"] if a["kind"] == "activity_conflict"
    ]
    assert len(alarm) == 1
    assert "live-fire" in alarm[0]["text"]
    # The plan never left US: CN knows nothing of it.
    assert cn.api("GET", "/api/v1/activities")["plans"] == []
    # A US draft notice overlapping CN's notice is warned about before sending.
    draft = collection(
        "US patrol",
        "patrol",
        area(119.9, 24.4, 0.2),
        "2026-12-01T07:00:00Z",
        "2026-12-01T08:00:00Z",
        500,
    )
    warned = us.api("POST", "/api/v1/activities/check", json={"geojson": draft})
    assert len(warned["conflicts"]) == 1


def test_invalid_notice_is_refused_naming_the_field(pair: tuple[NodeProcess, NodeProcess]) -> None:
    us, _cn = pair
    bad = collection(
        "bad",
        "exercise",
        area(119.5, 24.0, 0.6),
        "2026-12-01T12:00:00Z",
        "2026-12-01T06:00:00Z",
        100,
    )  # ends before it starts
    response = httpx.post(
        us.url + "/api/v1/activities/notify",
        json={"to": "CN", "geojson": bad},
        headers={"authorization": f"Bearer {us._token}"},
    )
    assert response.status_code == 422, response.text
    assert "end" in response.json()["reason"] or "end" in (response.json()["field"] or "")
    outbox = us.api("GET", "/api/v1/outbox")["entries"]
    assert [e for e in outbox if e["kind"].startswith("activity")] == []
