"""Render a standard phrase in one language from its code and parameters.

Rendering happens at the reader, never at the sender: what travels is the
code and the parameters (``PhraseBody``), and each node writes them in the
language its operator reads, with units written that language's way
(``detente.i18n.units``) and times in UTC plus the channel's local zone.

This module must never render unchecked parameters: it validates first, so
a malformed entry is an error, not a half-filled sentence.
"""

from __future__ import annotations

from collections.abc import Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from detente.errors import ValidationError
from detente.i18n.params import ParamValue, format_value
from detente.i18n.phrases import Phrase, PhraseBody, check_lang, lookup, validate


def render(
    code: str, params: Mapping[str, object], lang: str, *, local_tz: str | None = None
) -> str:
    """The phrase ``code`` in ``lang``; times also in ``local_tz`` (an IANA zone) when given."""
    lang = check_lang(lang)
    values = validate(code, params)
    return _fill(lookup(code), values, lang, check_zone(local_tz))


def render_body(body: PhraseBody, lang: str, *, local_tz: str | None = None) -> str:
    """A received or composed phrase entry in the reader's language."""
    return render(body.code, body.params, lang, local_tz=local_tz)


def render_all(
    code: str,
    params: Mapping[str, object],
    langs: tuple[str, ...] = ("en", "zh"),
    *,
    local_tz: str | None = None,
) -> dict[str, str]:
    """The phrase in every language a channel agreed on, for side-by-side display."""
    return {lang: render(code, params, lang, local_tz=local_tz) for lang in langs}


def example_params(phrase: Phrase) -> dict[str, ParamValue]:
    """Valid example parameters, for the catalogue listing and for operators composing."""
    return {spec.name: spec.example_value() for spec in phrase.params}


def render_example(phrase: Phrase, lang: str, *, local_tz: str | None = None) -> str:
    return render(phrase.code, example_params(phrase), lang, local_tz=local_tz)


def format_param(
    code: str, name: str, value: object, lang: str, *, local_tz: str | None = None
) -> str:
    """One parameter as it appears inside the rendered phrase (for highlighting and tests)."""
    spec = lookup(code).param(name)
    return format_value(spec.kind, spec.check(value), check_lang(lang), check_zone(local_tz))


def check_zone(local_tz: str | None) -> str | None:
    """``local_tz`` if it is an IANA zone this machine knows, else a ValidationError naming it."""
    if local_tz is None:
        return None
    try:
        ZoneInfo(local_tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"unknown time zone {local_tz!r}", field="local_tz") from None
    return local_tz


def _fill(phrase: Phrase, values: Mapping[str, ParamValue], lang: str, local_tz: str | None) -> str:
    written = {
        spec.name: format_value(spec.kind, values[spec.name], lang, local_tz)
        for spec in phrase.params
    }
    return phrase.templates[lang].format_map(written)
