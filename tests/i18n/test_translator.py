from __future__ import annotations

import pytest

from detente.errors import ValidationError
from detente.i18n.translator import NoTranslator, Translation, TranslationAnnotation, Translator
from detente.wire.kinds import KindRegistry

REF = "ab" * 32


class UpperTranslator:
    """A real (if silly) translator, to show any object with the protocol plugs in."""

    name = "upper"

    def translate(self, text: str, source_lang: str, target_lang: str) -> Translation | None:
        return Translation(text.upper(), source_lang, target_lang, self.name)


def test_translator_default_offers_nothing() -> None:
    translator: Translator = NoTranslator()
    assert isinstance(translator, Translator)
    assert translator.translate("保持航向", "zh", "en") is None


def test_translator_annotation_is_marked_unofficial() -> None:
    translation = UpperTranslator().translate("keep clear", "en", "zh")
    assert translation is not None
    body = TranslationAnnotation.from_translation(REF, translation)
    assert body.KIND == "translation"
    assert body.model_dump() == {
        "ref": REF,
        "source_lang": "en",
        "target_lang": "zh",
        "text": "KEEP CLEAR",
        "translator": "upper",
        "official": False,
    }


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"official": True}, "body.official"),
        ({"ref": "not-an-id"}, "body.ref"),
        ({"text": ""}, "body.text"),
        ({"translator": ""}, "body.translator"),
        ({"target_lang": "Chinese"}, "body.target_lang"),
        ({"target_lang": "zh"}, "body"),
    ],
)
def test_translator_annotation_rejects_bad_fields(change: dict[str, object], field: str) -> None:
    raw = {"ref": REF, "source_lang": "zh", "target_lang": "en", "text": "t", "translator": "x"}
    registry = KindRegistry([TranslationAnnotation])
    assert registry.validate("translation", raw)
    with pytest.raises(ValidationError) as err:
        registry.validate("translation", {**raw, **change})
    assert err.value.field == field
