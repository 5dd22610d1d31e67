"""The pre-delegation section of the channel terms: what the node sends without a person."""

from __future__ import annotations

import pytest

from detente.errors import ForbiddenError, ValidationError
from detente.link.outgoing import Draft
from detente.node.channel_settings import ChannelSettings
from detente.node.pre_delegation import (
    PreDelegation,
    pre_delegation_of,
    require_pre_delegated,
    with_pre_delegation,
)
from detente.wire.enums import Precedence

P = Precedence


def test_pre_delegation_defaults_cover_the_node_duties() -> None:
    section = pre_delegation_of(ChannelSettings())
    assert section.covers("receipt", P.ROUTINE, {})
    assert section.covers("link_check", P.ROUTINE, {})
    assert section.covers("escalation", P.FLASH, {})
    assert section.covers("outage_report", P.IMMEDIATE, {})
    assert not section.covers("outage_report", P.FLASH, {})
    assert not section.covers("link_check", P.PRIORITY, {})
    assert not section.covers("text", P.ROUTINE, {})


@pytest.mark.parametrize(
    ("ceiling", "level", "covered"),
    [
        ("critical", "critical", True),
        ("warning", "warning", True),
        ("warning", "critical", False),
        ("caution", "warning", False),
        ("critical", "bogus", False),
    ],
)
def test_pre_delegation_encounter_alerts_up_to_a_level(
    ceiling: str, level: str, covered: bool
) -> None:
    section = PreDelegation.model_validate({"encounter_alert_max_level": ceiling})
    assert section.covers("encounter_alert", P.FLASH, {"level": level}) is covered


def test_pre_delegation_round_trips_through_channel_terms() -> None:
    section = PreDelegation.model_validate(
        {"kinds": [{"kind": "receipt"}], "encounter_alert_max_level": "warning"}
    )
    terms = with_pre_delegation(ChannelSettings(), section)
    reread = ChannelSettings.model_validate_json(terms.model_dump_json())
    assert pre_delegation_of(reread) == section
    assert not pre_delegation_of(reread).covers("link_check", P.ROUTINE, {})


def test_pre_delegation_invalid_section_names_the_field() -> None:
    terms = ChannelSettings(extra={"pre_delegation": {"encounter_alert_max_level": "extreme"}})
    with pytest.raises(ValidationError) as caught:
        pre_delegation_of(terms)
    assert caught.value.field == "extra.pre_delegation.encounter_alert_max_level"


def test_pre_delegation_require_refuses_what_a_person_must_send() -> None:
    terms = ChannelSettings()
    require_pre_delegated(terms, [Draft("link_check", {"n": 1, "interval_s": 3600.0})])
    alert = Draft("encounter_alert", {"level": "critical"}, P.FLASH)
    require_pre_delegated(terms, [alert])
    strict = with_pre_delegation(terms, PreDelegation(encounter_alert_max_level="warning"))
    with pytest.raises(ForbiddenError, match="not pre-delegated") as caught:
        require_pre_delegated(strict, [alert])
    assert caught.value.field == "kind"
    with pytest.raises(ForbiddenError, match="messages\\[1\\]: text"):
        require_pre_delegated(terms, [alert, Draft("text", {"text": "x", "lang": "en"})])
