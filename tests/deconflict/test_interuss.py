"""Détente's conflict rule against the InterUSS (ASTM F3548-21) labelled flight intents.

InterUSS counts touching intervals and shared edges as intersecting; Détente
does not (positive overlap only, unless a buffer is set). So every
disagreement with an InterUSS label must be a touching case, which a
vanishing buffer turns into a conflict, and everything else must agree.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from detente.deconflict.conflict import NO_BUFFER, ConflictBuffer, volumes_conflict
from detente.deconflict.interuss import volume_from_volume4d
from detente.deconflict.volume import Volume
from detente.errors import ValidationError

DATA = Path(__file__).parent.parent / "data" / "interuss"
T0 = datetime(2026, 5, 1, 12, tzinfo=UTC)
TOUCH = ConflictBuffer(space_m=1e-3, time_s=1e-3)

# Pairs where Détente and InterUSS disagree, each a touching case. None in
# this data set: every labelled pair either overlaps with positive size or
# is clearly apart, so the two rules agree on all 43.
EXPECTED_DISAGREEMENTS: list[tuple[str, str]] = []


def resolved_volume(data: dict[str, Any]) -> dict[str, Any]:
    """The resolved test form (seconds from T0) in the standard's Volume4D shape."""
    volume = {
        key: data[key]
        for key in ("altitude_lower", "altitude_upper", "outline_polygon", "outline_circle")
        if key in data
    }
    return {
        "volume": volume,
        "time_start": {
            "value": (T0 + timedelta(seconds=data["time_start_s"])).isoformat(),
            "format": "RFC3339",
        },
        "time_end": {
            "value": (T0 + timedelta(seconds=data["time_end_s"])).isoformat(),
            "format": "RFC3339",
        },
    }


def intents() -> dict[str, list[Volume]]:
    found: dict[str, list[Volume]] = {}
    for name in ("resolved_conflicting_flights.json", "resolved_non_conflicting.json"):
        for intent, body in json.loads((DATA / name).read_text())["intents"].items():
            found[intent] = [
                volume_from_volume4d(resolved_volume(v), field=f"{intent}.volumes[{n}]")
                for n, v in enumerate(body["volumes"])
            ]
    return found


def conflicts(a: list[Volume], b: list[Volume], buffer: ConflictBuffer = NO_BUFFER) -> bool:
    return any(volumes_conflict(x, y, buffer) is not None for x in a for y in b)


def test_interuss_labelled_pairs_agree_except_touching_cases() -> None:
    volumes = intents()
    pairs = json.loads((DATA / "expected_pairs.json").read_text())
    assert len(pairs) == 43
    assert sum(p["expect_intersect"] for p in pairs) == 20
    disagreements = []
    for pair in pairs:
        a, b = volumes[pair["a"]], volumes[pair["b"]]
        ours = conflicts(a, b)
        if ours != pair["expect_intersect"]:
            # Only "InterUSS: intersect, Détente: touching only" may differ.
            assert pair["expect_intersect"] and not ours, pair
            assert conflicts(a, b, TOUCH), f"{pair['a']} / {pair['b']} is apart, not touching"
            disagreements.append((pair["a"], pair["b"]))
    assert disagreements == EXPECTED_DISAGREEMENTS


def test_interuss_touching_variants_are_the_one_disagreement_kind() -> None:
    # Variants of the F3548 data that InterUSS would label "intersect" and
    # Détente calls touching: flight 1 next door (shared edge), and flight 2
    # an hour later (windows meeting at one instant).
    volumes = intents()
    flight1 = volumes["flight1_planned"][0]
    west = flight1.model_dump(mode="json", exclude_none=True)
    ring = [[-0.0004, -0.0002], [-0.00015, -0.0002], [-0.00015, 0.0001], [-0.0004, 0.0001]]
    west["polygon"] = {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
    neighbour = Volume.model_validate(west)
    assert volumes_conflict(flight1, neighbour) is None
    assert volumes_conflict(flight1, neighbour, TOUCH) is not None

    flight2 = volumes["flight2_planned"][0]
    data = flight2.model_dump(mode="json", exclude_none=True)
    start = flight2.window.end.isoformat()
    data["window"] = {"start": start, "end": (flight2.window.end + timedelta(hours=1)).isoformat()}
    later = Volume.model_validate(data)
    assert volumes_conflict(flight2, later) is None
    assert volumes_conflict(flight2, later, TOUCH) is not None


def parse_extents(extents: list[Any]) -> list[Volume]:
    return [volume_from_volume4d(e, field=f"extents[{n}]") for n, e in enumerate(extents)]


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("op_area_too_large_put.json", "extents[0].volume.outline_polygon.vertices"),
        ("op_bad_lat_lon_range.json", "extents[0].volume.outline_polygon.vertices[2]"),
        ("op_bad_time_format.json", "extents[0].time_end.format"),
        ("op_bad_volume.json", "extents[0].volume"),
        ("op_end_time_past.json", "extents[0].time_end"),
        ("op_ref_incorrect_altitude_ref.json", "extents[0].volume.altitude_lower.reference"),
        ("op_ref_incorrect_units.json", "extents[0].volume.altitude_lower.units"),
        ("op_request_1.json", "extents[4].time_end"),
    ],
)
def test_interuss_prober_invalid_requests_are_rejected(name: str, field: str) -> None:
    request = json.loads((DATA / "prober_invalid" / name).read_text())
    extents = request.get("extents") or [request["area_of_interest"]]
    with pytest.raises(ValidationError) as caught:
        parse_extents(extents)
    assert caught.value.field == field
    assert caught.value.reason
