"""Unofficial translations of free text: a pluggable interface and its annotation body.

Free text keeps its original; a translation is an aid to the reader, never
the statement. So a translation travels (if at all) as its own entry kind,
``translation``, that points at the original entry, names the translator
and carries ``official: false`` in the signed bytes, so nobody can later
present it as what the other side said.

Détente ships no machine translation (no network, no model downloads); a
deployment plugs one in through ``Translator``. The default, ``NoTranslator``,
offers none, which is honest. This module must never replace or edit the
original text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, ClassVar, Literal, Protocol, runtime_checkable

from pydantic import StringConstraints, model_validator

from detente.wire.body import Body
from detente.wire.kinds import MAX_TEXT_CHARS, LangTag


@dataclass(frozen=True)
class Translation:
    """What a translator returns: the text and who made it."""

    text: str
    source_lang: str
    target_lang: str
    translator: str


@runtime_checkable
class Translator(Protocol):
    """Anything that can offer a translation, or decline with None."""

    name: str

    def translate(self, text: str, source_lang: str, target_lang: str) -> Translation | None: ...


class NoTranslator:
    """The default: no translation offered, so readers see only the original."""

    name = "none"

    def translate(self, text: str, source_lang: str, target_lang: str) -> Translation | None:
        return None


class TranslationAnnotation(Body):
    """An unofficial translation of another entry's free text."""

    KIND: ClassVar[str] = "translation"

    ref: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    """Entry id of the original."""
    source_lang: LangTag
    target_lang: LangTag
    text: Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT_CHARS)]
    translator: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    official: Literal[False] = False

    @model_validator(mode="after")
    def _two_languages(self) -> TranslationAnnotation:
        if self.source_lang == self.target_lang:
            raise ValueError("source_lang and target_lang must differ")
        return self

    @classmethod
    def from_translation(cls, ref: str, translation: Translation) -> TranslationAnnotation:
        return cls(
            ref=ref,
            source_lang=translation.source_lang,
            target_lang=translation.target_lang,
            text=translation.text,
            translator=translation.translator,
        )
