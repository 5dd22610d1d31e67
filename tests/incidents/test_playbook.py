"""Playbooks: the shipped files are valid, broken files are refused naming the field."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from detente.errors import ValidationError
from detente.incidents.bodies import IncidentType
from detente.incidents.playbook import bundled_playbook, load_playbook, playbook_for, step_draft
from detente.wire.enums import Precedence, Tier

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("incident_type", list(IncidentType))
def test_bundled_playbook_is_valid_for_every_type(incident_type: IncidentType) -> None:
    playbook = bundled_playbook(incident_type.value)
    assert playbook.type is incident_type
    assert all(step.title["zh"] and step.title["en"] for step in playbook.steps)


def test_sea_playbook_steps_are_concrete_entries() -> None:
    steps = bundled_playbook("unsafe_encounter_sea").steps
    incident = "ab" * 32
    drafts = [step_draft(s, incident, "Critical encounter", Tier.OPERATIONAL, NOW) for s in steps]
    assert [d.kind for d in drafts] == ["phrase", "phrase", "call_request", "meeting_proposal"]
    assert drafts[0].body == {"code": "REQUEST_INTENTIONS", "params": {}}
    assert drafts[1].body["params"] == {"distance": 2.0}
    assert drafts[0].precedence is Precedence.FLASH
    assert all(d.refs == (incident,) for d in drafts)
    call = drafts[2]
    assert call.body["tier"] == "theater" and call.tier is Tier.THEATER
    assert (
        call.body["incident"] == incident and call.body["topic"] == "Incident: Critical encounter"
    )
    meeting = drafts[3].body
    assert meeting["candidate_slots"] == [
        {"start": "2026-11-28T09:00:00Z", "end": "2026-11-28T10:00:00Z"}
    ]
    assert meeting["title"] == "Review of incident: Critical encounter"


def test_next_tier_of_policy_stays_policy() -> None:
    step = bundled_playbook("unsafe_encounter_sea").steps[2]
    assert step_draft(step, "ab" * 32, "t", Tier.POLICY, NOW).body["tier"] == "policy"


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "book.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _book(**step: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": "ask",
        "title": {"en": "Ask", "zh": "询问"},
        "send": {"kind": "phrase", "code": "REQUEST_INTENTIONS"},
        "deadline_s": 60,
    }
    base.update(step)
    return {"type": "operator_report", "title": {"en": "T", "zh": "题"}, "steps": [base]}


def test_edited_playbook_loads(tmp_path: Path) -> None:
    assert load_playbook(_write(tmp_path, _book())).steps[0].id == "ask"


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"send": {"kind": "phrase", "code": "NO_SUCH_PHRASE"}}, "steps[0].send.code", "unknown"),
        (
            {"send": {"kind": "phrase", "code": "PROPOSE_SEPARATION", "params": {"distance": -1}}},
            "steps[0].send.params",
            "",
        ),
        (
            {"send": {"kind": "phrase", "code": "PROPOSE_SEPARATION", "params": {"distanse": 2}}},
            "steps[0].send.params",
            "distanse",
        ),
        (
            {"send": {"kind": "call_request", "topic": "About {nonsense}"}},
            "steps[0].send.topic",
            "unknown placeholder {nonsense}",
        ),
        ({"deadline_s": 0}, "steps[0].deadline_s", "greater than 0"),
        ({"send": {"kind": "fax"}}, "steps[0].send", ""),
    ],
)
def test_broken_playbook_is_refused_naming_the_field(
    tmp_path: Path, change: dict[str, object], field: str, reason: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        load_playbook(_write(tmp_path, _book(**change)))
    assert caught.value.field is not None and caught.value.field.startswith(field)
    assert reason in caught.value.reason


def test_duplicate_step_ids_are_refused(tmp_path: Path) -> None:
    data = _book()
    data["steps"] = [*data["steps"], *data["steps"]]  # type: ignore[misc]
    with pytest.raises(ValidationError, match="used twice"):
        load_playbook(_write(tmp_path, data))


def test_not_yaml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("type: [unclosed", encoding="utf-8")
    with pytest.raises(ValidationError, match="not valid YAML") as caught:
        load_playbook(path)
    assert caught.value.field == "file"


def test_a_partys_own_playbook_overrides_the_bundled_one(tmp_path: Path) -> None:
    (tmp_path / "operator_report.yaml").write_text(
        yaml.safe_dump(_book(), allow_unicode=True), encoding="utf-8"
    )
    assert [s.id for s in playbook_for("operator_report", tmp_path).steps] == ["ask"]
    assert len(playbook_for("unsafe_encounter_sea", tmp_path).steps) == 4
