from __future__ import annotations

import re

import pytest

from detente.errors import ValidationError
from detente.i18n.params import TIERS
from detente.i18n.ui import SUPPORTED_LANGS, catalogue, gettext_for
from detente.wire.enums import Precedence

PLACEHOLDER = re.compile(r"\{(\w*)\}")


def _ids(lang: str) -> list[str]:
    return [str(m.id) for m in catalogue(lang) if m.id]


def test_ui_catalogues_have_the_same_msgids() -> None:
    assert set(_ids("en")) == set(_ids("zh"))
    assert len(_ids("zh")) >= 120


def test_ui_chinese_is_complete_with_the_same_placeholders() -> None:
    for message in catalogue("zh"):
        if not message.id:
            continue
        assert isinstance(message.string, str)
        assert message.string.strip(), message.id
        assert not message.fuzzy, message.id
        assert sorted(PLACEHOLDER.findall(str(message.id))) == sorted(
            PLACEHOLDER.findall(message.string)
        )


@pytest.mark.parametrize(
    "msgid",
    [
        "Inbox",
        "Outbox",
        "Compose",
        "Acknowledge",
        "Map",
        "Incidents",
        "Log",
        "Status",
        "Alarms",
        "Deadlines",
        "FLASH",
        "IMMEDIATE",
        "PRIORITY",
        "ROUTINE",
        "operational",
        "theater",
        "policy",
        "Link up",
        "Link down",
        "Switch language",
        "Log in",
        "bad signature",
        "unknown key",
        "sequence gap: expected {expected}, got {got}",
        "entry already stored (replay)",
        "wrong channel",
        "body too large: {size} bytes, limit {limit}",
        "malformed JSON",
        "field required",
        "unknown phrase code",
    ],
)
def test_ui_required_strings_are_translated(msgid: str) -> None:
    assert msgid in _ids("zh")
    assert gettext_for("zh")(msgid) != msgid


def test_ui_gettext_translates_and_formats() -> None:
    zh = gettext_for("zh")
    en = gettext_for("en")
    assert zh("Inbox") == "收件箱"
    assert zh("FLASH") == "特急"
    assert zh("{count} new entries").format(count=3) == "3条新条目"
    assert en("{count} new entries").format(count=3) == "3 new entries"
    assert zh("a message nobody translated") == "a message nobody translated"


def test_ui_unsupported_language_names_lang() -> None:
    assert SUPPORTED_LANGS == ("en", "zh")
    with pytest.raises(ValidationError) as err:
        gettext_for("de")
    assert err.value.field == "lang"


def test_ui_tier_and_precedence_names_match_the_phrase_vocabulary() -> None:
    zh = gettext_for("zh")
    for tier, names in TIERS.items():
        assert zh(tier) == names["zh"]
    for precedence in Precedence:
        assert zh(precedence.value) != precedence.value
