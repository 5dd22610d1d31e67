from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.errors import ValidationError
from detente.i18n.glossary import GlossaryEntry, glossary, highlight, lookup


def test_glossary_has_enough_entries_in_both_languages() -> None:
    entries = glossary()
    assert len(entries) >= 150
    for entry in entries:
        assert entry.en.strip() == entry.en
        assert entry.en
        assert re.search(r"[\u4e00-\u9fff]", entry.zh), entry
        assert entry.category


@pytest.mark.parametrize(
    ("en", "zh"),
    [
        ("closest point of approach", "最近会遇点"),
        ("rules of engagement", "交战规则"),
        ("unsafe intercept", "不安全拦截"),
        ("fire-control radar", "火控雷达"),
        ("coast guard", "海警"),
        ("exclusive economic zone", "专属经济区"),
        ("Code for Unplanned Encounters at Sea", "海上意外相遇规则"),
        ("air defense identification zone", "防空识别区"),
    ],
)
def test_glossary_known_pairs(en: str, zh: str) -> None:
    entry = lookup(en, "en")
    assert entry is not None
    assert entry.zh == zh
    assert lookup(zh, "zh") == entry


def test_highlight_english_longest_match_case_insensitive() -> None:
    text = "The destroyer locked FIRE CONTROL RADAR on us; closest point of approach was 0.3 NM."
    matches = highlight(text, "en")
    terms = [(m.term, text[m.start : m.end]) for m in matches]
    assert ("fire-control radar", "FIRE CONTROL RADAR") in terms
    assert ("closest point of approach", "closest point of approach") in terms
    assert ("radar", "RADAR") not in terms  # inside the longer match
    assert [m.start for m in matches] == sorted(m.start for m in matches)
    radar = next(m for m in matches if m.term == "fire-control radar")
    assert radar.counterpart == "火控雷达"
    assert radar.category == "weapons"


def test_highlight_english_respects_word_boundaries_and_plurals() -> None:
    assert highlight("The fighters turned.", "en")[0].term == "fighter"
    assert [m.term for m in highlight("two lasers", "en")] == ["laser"]
    assert highlight("laserlike glare", "en") == []
    assert highlight("Sam and Ramona", "en") == []  # SAM is an abbreviation: case-sensitive


def test_highlight_abbreviation_matches_exact_case() -> None:
    matches = highlight("CPA 0.2 NM inside the ADIZ", "en")
    assert [m.term for m in matches] == [
        "closest point of approach",
        "nautical mile",
        "air defense identification zone",
    ]


def test_highlight_chinese_without_spaces() -> None:
    text = "中国海警船在南海用火控雷达照射我舰，最近会遇距离不足1海里。"
    matches = highlight(text, "zh")
    found = {text[m.start : m.end]: m.counterpart for m in matches}
    assert found["中国海警"] == "China Coast Guard"  # longer than 海警
    assert found["火控雷达"] == "fire-control radar"
    assert found["最近会遇距离"] == "distance at closest point of approach"
    assert found["海里"] == "nautical mile"
    assert "海警" not in found


def test_highlight_unsupported_language_names_lang() -> None:
    with pytest.raises(ValidationError) as err:
        highlight("text", "fr")
    assert err.value.field == "lang"


@settings(max_examples=100)
@given(st.text(max_size=200), st.sampled_from(["en", "zh"]))
def test_highlight_matches_never_overlap_and_point_into_text(text: str, lang: str) -> None:
    matches = highlight(text, lang)
    for a, b in itertools.pairwise(matches):
        assert a.end <= b.start
    for m in matches:
        assert 0 <= m.start < m.end <= len(text)


FORMS = [
    (form, lang, entry)
    for entry in glossary()
    for lang in ("en", "zh")
    for form in entry.forms(lang)
]


@pytest.mark.parametrize(("form", "lang", "entry"), FORMS, ids=[f[0] for f in FORMS])
def test_highlight_finds_every_form_in_a_sentence(
    form: str, lang: str, entry: GlossaryEntry
) -> None:
    text = f"Report: {form}." if lang == "en" else f"报告：{form}。"
    matches = highlight(text, lang)
    hit = next(m for m in matches if text[m.start : m.end] == form)
    assert hit.term == entry.term(lang)
    assert hit.counterpart == entry.term("zh" if lang == "en" else "en")
    if lang == "en" and sum(c.isupper() for c in form) < 2:  # abbreviations are case-sensitive
        shouted = highlight(f"REPORT: {form.upper()}.", "en")
        assert any(m.term == entry.en for m in shouted), form
