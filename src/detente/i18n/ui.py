"""User-interface strings in every supported language (gettext, handled with Babel).

The catalogues are the ``.po`` files under ``locale/<locale>/LC_MESSAGES/``;
they are read at run time with Babel and compiled in memory, so an editable
install works without a build step and translators edit one file. Messages
use Python brace placeholders (``{count}``), filled by the caller after
translation: ``_("{count} new entries").format(count=3)``.

This module only translates interface text; it must never be used for what
a party says (standard phrases render through ``detente.i18n.render``, free
text is never machine-translated here).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Final

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from detente.errors import ValidationError

DOMAIN: Final = "detente"
SUPPORTED_LANGS: Final = ("en", "zh")
LOCALES: Final = {"en": "en", "zh": "zh_Hans"}
"""Our short language codes to the gettext locale folder names."""


def catalogue(lang: str) -> Catalog:
    """The parsed ``.po`` catalogue for ``lang`` (for tests and tooling)."""
    locale = _locale(lang)
    path = resources.files("detente.i18n").joinpath(f"locale/{locale}/LC_MESSAGES/{DOMAIN}.po")
    with path.open("rb") as handle:
        return read_po(handle, locale=locale, domain=DOMAIN)


@cache
def translations(lang: str) -> Translations:
    """Compiled translations for ``lang``, built once per process from the ``.po`` file."""
    buffer = io.BytesIO()
    write_mo(buffer, catalogue(lang))
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


def gettext_for(lang: str) -> Callable[[str], str]:
    """The ``_`` function for ``lang``; an untranslated message comes back as its English msgid."""
    return translations(_locale_key(lang)).gettext


def _locale_key(lang: str) -> str:
    _locale(lang)
    return lang


def _locale(lang: str) -> str:
    try:
        return LOCALES[lang]
    except KeyError:
        raise ValidationError(
            f"unsupported language {lang!r}; use one of {', '.join(SUPPORTED_LANGS)}", field="lang"
        ) from None
