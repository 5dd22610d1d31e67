"""The entry kinds the language layer adds to a node's kind registry.

One list so the node composes ``phrase`` and ``translation`` without
knowing which module defines them. This module must never hold logic.
"""

from __future__ import annotations

from detente.i18n.phrases import PhraseBody
from detente.i18n.translator import TranslationAnnotation
from detente.wire.body import Body


def i18n_kinds() -> list[type[Body]]:
    return [PhraseBody, TranslationAnnotation]
