"""Activity entry bodies: kinds, safety floor, limits, and errors that name the field."""

from __future__ import annotations

from typing import Any

import pytest

from detente.deconflict.activity import (
    MAX_VOLUMES,
    ActivityCancelBody,
    ActivityNoticeBody,
    ActivityUpdateBody,
    activity_kinds,
    parse_activity,
)
from detente.deconflict.conflict import ActivityKey
from detente.deconflict.index import ActivityIndex
from detente.deconflict.plan import Plan, check_plan
from detente.errors import ValidationError
from detente.wire.kinds import KindRegistry

REF = "ab" * 32
VOLUME = {
    "circle": {"type": "Circle", "center": [121.0, 22.0], "radius_m": 30_000},
    "altitude": {"lower": 0, "upper": 0, "reference": "SFC"},
    "window": {"start": "2026-05-01T00:00:00Z", "end": "2026-05-03T00:00:00Z"},
}


def notice(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": "live_fire", "title": "Gunnery", "volumes": [VOLUME]}
    body.update(changes)
    return body


def test_activity_bodies_register_as_safety_floor_kinds() -> None:
    registry = KindRegistry(activity_kinds())
    assert registry.kinds() == ["activity_cancel", "activity_notice", "activity_update"]
    assert all(registry.is_safety_floor(kind) for kind in registry.kinds())


def test_activity_notice_parses_and_is_frozen() -> None:
    body = parse_activity("activity_notice", notice())
    assert isinstance(body, ActivityNoticeBody)
    assert body.volumes[0].circle is not None
    with pytest.raises(Exception, match="frozen"):
        body.title = "changed"  # type: ignore[misc]


def test_activity_update_carries_full_definition_and_ref() -> None:
    body = parse_activity("activity_update", notice(ref=REF, title="Gunnery, moved"))
    assert isinstance(body, ActivityUpdateBody)
    assert body.ref == REF
    assert len(body.volumes) == 1


def test_activity_cancel_needs_ref_and_reason() -> None:
    body = parse_activity("activity_cancel", {"ref": REF, "reason": "weather"})
    assert isinstance(body, ActivityCancelBody)
    with pytest.raises(ValidationError) as caught:
        parse_activity("activity_cancel", {"ref": "nothex", "reason": "weather"})
    assert caught.value.field == "body.ref"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (notice(kind="picnic"), "body.kind"),
        (notice(title=""), "body.title"),
        (notice(title="x" * 201), "body.title"),
        (notice(description="x" * 4_001), "body.description"),
        (notice(volumes=[]), "body.volumes"),
        (notice(volumes=[VOLUME] * (MAX_VOLUMES + 1)), "body.volumes"),
        (
            notice(
                volumes=[
                    VOLUME,
                    VOLUME,
                    {
                        **VOLUME,
                        "window": {"start": "2026-05-02T00:00:00Z", "end": "2026-05-01T00:00:00Z"},
                    },
                ]
            ),
            "body.volumes[2].window",
        ),
        (notice(precedence="FLASH"), "body.precedence"),
    ],
)
def test_activity_notice_rejections_name_the_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_activity("activity_notice", body)
    assert caught.value.field == field


def test_activity_parse_rejects_unknown_kind() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_activity("text", {"text": "hi"})
    assert caught.value.field == "kind"


def test_plan_is_checked_against_other_parties_only() -> None:
    index = ActivityIndex()
    lf = parse_activity("activity_notice", notice())
    assert isinstance(lf, ActivityNoticeBody)
    index.add(ActivityKey("CN", "lf-1"), lf.volumes)
    index.add(ActivityKey("US", "own-ex"), lf.volumes)
    transit = Plan(
        plan_id="t1", party="US", kind="transit", title="Strait transit", volumes=lf.volumes
    )
    conflicts = check_plan(transit, index)
    assert [c.b for c in conflicts] == [ActivityKey("CN", "lf-1")]
    assert conflicts[0].a == ActivityKey("US", "plan:t1")
    assert not hasattr(Plan, "KIND")
