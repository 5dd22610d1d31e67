"""Every kind reads as a sentence in both languages, never as its JSON body."""

from __future__ import annotations

from typing import Any

import pytest

from detente.i18n.summaries import (
    FREE_TEXT,
    KIND_LABELS,
    SUMMARISERS,
    SUMMARY_CHARS,
    kind_label,
    summarise,
)
from detente.i18n.ui import gettext_for
from detente.node.kinds import default_registry
from tests.incidents.builders import head_on_alert

REF = "ab" * 32
WINDOW = {"start": "2026-12-01T08:00:00Z", "end": "2026-12-01T12:00:00Z"}
VOLUME = {
    "polygon": {
        "type": "Polygon",
        "coordinates": [[[114, 15], [114.5, 15], [114.5, 15.5], [114, 15.5], [114, 15]]],
    },
    "altitude": {"lower": 0, "upper": 9000},
    "window": WINDOW,
}
SLOT = {"start": "2026-12-02T01:00:00Z", "end": "2026-12-02T02:00:00Z"}

EXAMPLES: dict[str, dict[str, Any]] = {
    "text": {"text": "Request your intentions", "lang": "en"},
    "respond": {"ref": REF, "text": "Maintaining course", "lang": "en"},
    "distress": {"text": "Fire aboard", "lang": "en"},
    "emergency": {"text": "Man overboard", "lang": "en"},
    "readout": {"ref": REF, "text": "Both sides agreed to keep 2 nm.", "lang": "en"},
    "phrase": {"code": "ALTERING_COURSE_TO", "params": {"course": 77}, "lang": "en"},
    "encounter_alert": head_on_alert(offset_north_m=100.0).model_dump(mode="json"),
    "translation": {
        "ref": REF,
        "source_lang": "zh",
        "target_lang": "en",
        "text": "Keep clear",
        "translator": "none",
        "official": False,
    },
    "acknowledge": {"ref": REF, "role": "duty officer"},
    "receipt": {"of": "CN", "up_to_seq": 41, "up_to_id": REF},
    "link_check": {"n": 7, "interval_s": 60.0},
    "audit_anchor": {"head": "9f" * 32},
    "outage_report": {
        "start_t": "2026-11-27T10:00:00Z",
        "end_t": "2026-11-27T10:05:00Z",
        "missed_checks": 5,
    },
    "escalation": {
        "ref": REF,
        "from_tier": "operational",
        "to_tier": "theater",
        "missed_deadline_t": "2026-11-27T10:00:00Z",
        "reason": "no acknowledgement within the FLASH deadline",
    },
    "suspend": {"reason": "consultations"},
    "resume": {"ref": REF, "note": "talks resume"},
    "call_request": {
        "tier": "theater",
        "urgency": "IMMEDIATE",
        "topic": "Intercept over the strait",
        "proposed_times": ["2026-12-02T01:00:00Z"],
    },
    "meeting_proposal": {
        "title": "MMCA working group",
        "agenda": ["Unsafe intercepts"],
        "format": "video",
        "candidate_slots": [SLOT],
        "tier": "theater",
    },
    "meeting_response": {"ref": REF, "response": "decline", "reason": "Too soon"},
    "joint_statement": {
        "title": "Agreed minutes",
        "text": {"en": "Both sides met.", "zh": "双方举行了会晤。"},
        "ref": REF,
    },
    "endorse": {"ref": REF, "text_sha256": "cd" * 32},
    "activity_notice": {
        "kind": "live_fire",
        "title": "PLA live-fire",
        "description": "Gunnery",
        "volumes": [VOLUME],
    },
    "activity_update": {
        "kind": "live_fire",
        "title": "PLA live-fire, extended",
        "description": "Gunnery",
        "volumes": [VOLUME],
        "ref": REF,
    },
    "activity_cancel": {"ref": REF, "reason": "weather"},
    "incident_open": {
        "type": "unsafe_encounter_sea",
        "title": "Crossing ahead at 150 yards",
        "facts": ["Crossed the bow"],
        "level": 3,
        "event_key": "encounter:enc-1",
        "lang": "en",
    },
    "incident_assessment": {
        "incident": REF,
        "level": 4,
        "rationale": "Collision risk",
        "lang": "en",
    },
    "incident_close": {
        "incident": REF,
        "outcome": "resolved",
        "agreed_facts": ["Crossed the bow"],
        "note": "Both ships clear",
        "lang": "en",
    },
    "incident_endorse": {"incident": REF, "ref": REF, "text_sha256": "cd" * 32},
    "key_rotation": {"new_key_id": "ef" * 16, "new_public_key": "A" * 43, "new_key_sig": "B" * 86},
    "key_revocation": {"key_id": "ef" * 16, "from_seq": 12, "reason": "key compromised"},
}


def test_every_registered_kind_has_a_sentence() -> None:
    assert set(SUMMARISERS) == set(default_registry().kinds())
    assert set(EXAMPLES) == set(SUMMARISERS)


@pytest.mark.parametrize("kind", sorted(EXAMPLES))
def test_summary_reads_as_a_sentence_in_both_languages(kind: str) -> None:
    body = default_registry().validate(kind, EXAMPLES[kind]).model_dump(mode="json")
    english, chinese = summarise(kind, body, "en"), summarise(kind, body, "zh")
    for line in (english, chinese):
        assert line and not line.startswith("{"), line
        assert len(line) <= SUMMARY_CHARS
    if kind not in FREE_TEXT:
        assert english != chinese, "the frame is translated"
        assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese), chinese


def test_escalation_names_both_tiers_in_the_readers_language() -> None:
    body = EXAMPLES["escalation"]
    assert summarise("escalation", body, "en") == (
        "Escalated abababababab… from the operational tier to the theater tier: "
        "no acknowledgement within the FLASH deadline"
    )
    assert "作战层级" in summarise("escalation", body, "zh")
    assert "战区层级" in summarise("escalation", body, "zh")


def test_free_text_is_shown_as_written() -> None:
    assert summarise("text", {"text": "保持航向", "lang": "zh"}, "en") == "保持航向"


def test_body_that_does_not_fit_its_kind_falls_back_to_json() -> None:
    assert summarise("link_check", {"n": 1}, "en") == '{"n": 1}'
    assert summarise("no_such_kind", {"a": 1}, "zh") == '{"a": 1}'
    long = summarise("text", {"text": "x" * 1000}, "en")
    assert long == "x" * SUMMARY_CHARS


def test_every_kind_has_a_name_in_both_languages() -> None:
    assert set(KIND_LABELS) == set(default_registry().kinds())
    zh = gettext_for("zh")
    for kind in KIND_LABELS:
        assert kind_label(kind) != kind
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh(kind_label(kind))), kind
    assert kind_label("no_such_kind") == "no_such_kind"
