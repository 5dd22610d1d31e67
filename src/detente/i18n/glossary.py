"""Bilingual glossary of military, maritime, aviation, legal and diplomatic terms.

Free text is where misreading starts, so the reader's screen marks the terms
of art in it and shows their agreed counterpart (``fire-control radar`` ↔
``火控雷达``). The glossary is data (``glossary.yaml``); matching is:

- English: case-insensitive on whole words, hyphen and space interchangeable,
  a plural ``s``/``es`` accepted; abbreviations (two or more capitals, e.g.
  ``CPA``, ``ADS-B``) match case-sensitively so ``sam`` is not ``SAM``.
- Chinese: plain substring search, since Chinese has no spaces.
- Overlaps: the longest match wins, then the earliest.

This module must never change the text it marks, and never claims to
translate: it points at terms, the original stays the original.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from detente.errors import ValidationError


@dataclass(frozen=True)
class GlossaryEntry:
    """One concept in both languages; alternates are recognised forms, not preferred ones."""

    en: str
    zh: str
    category: str
    en_alt: tuple[str, ...] = ()
    zh_alt: tuple[str, ...] = ()

    def term(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh

    def forms(self, lang: str) -> tuple[str, ...]:
        return (self.en, *self.en_alt) if lang == "en" else (self.zh, *self.zh_alt)


@dataclass(frozen=True)
class GlossaryMatch:
    """A glossary term found in a text: ``text[start:end]`` is the term as written."""

    start: int
    end: int
    term: str
    counterpart: str
    category: str


@cache
def glossary() -> tuple[GlossaryEntry, ...]:
    """Every entry in file order; a malformed file fails loudly on first use."""
    text = resources.files("detente.i18n").joinpath("glossary.yaml").read_text(encoding="utf-8")
    entries = tuple(_entry(raw) for raw in yaml.safe_load(text))
    seen: set[str] = set()
    for entry in entries:
        for form in (*entry.zh_alt, entry.zh):
            if form in seen:
                raise ValueError(f"glossary: Chinese term {form!r} appears twice")
            seen.add(form)
    return entries


def _entry(raw: Mapping[str, Any]) -> GlossaryEntry:
    return GlossaryEntry(
        en=str(raw["en"]),
        zh=str(raw["zh"]),
        category=str(raw["cat"]),
        en_alt=tuple(str(a) for a in raw.get("en_alt", ())),
        zh_alt=tuple(str(a) for a in raw.get("zh_alt", ())),
    )


def lookup(term: str, lang: str) -> GlossaryEntry | None:
    """The entry whose preferred or alternate form in ``lang`` is ``term``."""
    key = term.casefold() if lang == "en" else term
    for entry in glossary():
        forms = entry.forms(_lang(lang))
        if key in (f.casefold() if lang == "en" else f for f in forms):
            return entry
    return None


def _is_abbreviation(form: str) -> bool:
    return " " not in form and sum(c.isupper() for c in form) >= 2


def _english_pattern(form: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in re.split(r"[\s\-]+", form.strip())]
    body = r"[\s\-]+".join(words)
    flags = 0 if _is_abbreviation(form) else re.IGNORECASE
    plural = "" if _is_abbreviation(form) else r"(?:e?s)?"
    return re.compile(rf"(?<![\w\-]){body}{plural}(?![\w])", flags)


@cache
def _patterns(lang: str) -> tuple[tuple[str, re.Pattern[str], GlossaryEntry], ...]:
    """(needle, pattern, entry): the pattern only runs when its needle is in the text."""
    result = []
    for entry in glossary():
        for form in entry.forms(lang):
            if lang == "en":
                needle = re.split(r"[\s\-]+", form.strip())[0].casefold()
                result.append((needle, _english_pattern(form), entry))
            else:
                result.append((form, re.compile(re.escape(form)), entry))
    return tuple(result)


def _lang(lang: str) -> str:
    if lang not in ("en", "zh"):
        raise ValidationError(f"unsupported language {lang!r}; use en or zh", field="lang")
    return lang


def highlight(text: str, lang: str) -> list[GlossaryMatch]:
    """Glossary terms in ``text`` (written in ``lang``), in text order, never overlapping."""
    lang = _lang(lang)
    other = "zh" if lang == "en" else "en"
    folded = text.casefold()
    found: list[tuple[int, int, GlossaryEntry]] = []
    for needle, pattern, entry in _patterns(lang):
        if needle in folded:
            found.extend((m.start(), m.end(), entry) for m in pattern.finditer(text))
    found.sort(key=lambda hit: (hit[0] - hit[1], hit[0]))
    taken: list[tuple[int, int, GlossaryEntry]] = []
    for start, end, entry in found:
        if all(end <= s or start >= e for s, e, _ in taken):
            taken.append((start, end, entry))
    taken.sort(key=lambda hit: hit[0])
    return [
        GlossaryMatch(s, e, entry.term(lang), entry.term(other), entry.category)
        for s, e, entry in taken
    ]
