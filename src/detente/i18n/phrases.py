"""The standard phrase catalogue and the ``phrase`` entry body.

A phrase entry carries a code and typed parameters, never rendered text:
each node renders it in its own operators' language from the same catalogue,
so both sides read the same statement and nobody signs a translation. The
catalogue itself is data (``phrases.yaml`` in this package), loaded once per
process on first use.

This module must never render (see ``detente.i18n.render``) and never accept
a parameter it cannot check: unknown codes, missing, extra, mistyped and
out-of-range parameters are all ``ValidationError`` naming the field.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Annotated, Any, ClassVar, Final

import yaml
from pydantic import StringConstraints, field_validator

from detente.errors import ValidationError
from detente.i18n.params import KINDS, ParamKind, ParamValue, check
from detente.types import JSONObject
from detente.wire.body import Body

LANGS: Final = ("en", "zh")
CATEGORIES: Final = (
    "manoeuvre",
    "intention",
    "safety",
    "operations",
    "air_intercept",
    "communication",
    "channel",
)
SAFETY_CATEGORIES: Final = frozenset(
    {"manoeuvre", "intention", "safety", "operations", "air_intercept"}
)
_CODE_RE: Final = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")
_PARAM_RE: Final = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of one phrase: its kind, narrowed range and example."""

    name: str
    kind: ParamKind
    lo: float | None = None
    hi: float | None = None
    example: ParamValue | None = None

    def check(self, value: object) -> ParamValue:
        return check(self.kind, value, f"params.{self.name}", self.lo, self.hi)

    def example_value(self) -> ParamValue:
        return self.kind.example if self.example is None else self.example

    def bounds(self) -> tuple[float, float]:
        """The numeric range this phrase accepts (the kind's, possibly narrowed)."""
        assert self.kind.lo is not None
        assert self.kind.hi is not None
        return (
            self.kind.lo if self.lo is None else self.lo,
            self.kind.hi if self.hi is None else self.hi,
        )

    def describe(self) -> JSONObject:
        """What ``phrase list --format json`` shows for this parameter."""
        info: JSONObject = {
            "type": self.kind.name,
            "description": self.kind.describe(self.lo, self.hi),
        }
        if self.kind.number is not None:
            info["min"], info["max"] = self.bounds()
            if self.kind.unit:
                info["unit"] = self.kind.unit
        if self.kind.choices:
            info["choices"] = list(self.kind.choices)
        return info


@dataclass(frozen=True)
class Phrase:
    """One coded standard phrase with a template per language."""

    code: str
    category: str
    params: tuple[ParamSpec, ...]
    templates: Mapping[str, str]

    @property
    def safety(self) -> bool:
        """Whether the phrase concerns safety at sea or in the air (not channel business)."""
        return self.category in SAFETY_CATEGORIES

    def param(self, name: str) -> ParamSpec:
        for spec in self.params:
            if spec.name == name:
                return spec
        raise ValidationError(
            f"phrase {self.code} has no parameter {name!r}", field=f"params.{name}"
        )


def _spec(code: str, name: str, raw: object) -> ParamSpec:
    if not _PARAM_RE.match(name):
        raise ValueError(f"{code}: bad parameter name {name!r}")
    fields: dict[str, Any] = {"kind": raw} if isinstance(raw, str) else dict(raw)  # type: ignore[call-overload]
    kind = KINDS.get(fields.pop("kind", ""))
    if kind is None:
        raise ValueError(f"{code}.{name}: unknown parameter kind")
    spec = ParamSpec(
        name, kind, fields.pop("min", None), fields.pop("max", None), fields.pop("example", None)
    )
    if fields:
        raise ValueError(f"{code}.{name}: unknown keys {sorted(fields)}")
    if kind.number is not None:
        lo, hi = spec.bounds()
        assert kind.lo is not None
        assert kind.hi is not None
        if not kind.lo <= lo < hi <= kind.hi:
            raise ValueError(f"{code}.{name}: range {lo}-{hi} is outside {kind.name}")
    spec.check(spec.example_value())  # a bad example fails the catalogue, not an operator
    return spec


def _phrase(raw: Mapping[str, Any]) -> Phrase:
    code = str(raw["code"])
    if not _CODE_RE.match(code) or raw["category"] not in CATEGORIES:
        raise ValueError(f"bad catalogue entry {code!r}")
    specs = tuple(_spec(code, name, value) for name, value in (raw.get("params") or {}).items())
    templates = {lang: str(raw[lang]) for lang in LANGS}
    for lang, template in templates.items():
        fields = {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}
        if fields != {spec.name for spec in specs}:
            raise ValueError(f"{code}/{lang}: template fields {sorted(fields)} do not match params")
    return Phrase(code, str(raw["category"]), specs, templates)


@cache
def catalogue() -> Mapping[str, Phrase]:
    """Every phrase by code, in catalogue order. A bad catalogue fails loudly on first use."""
    text = resources.files("detente.i18n").joinpath("phrases.yaml").read_text(encoding="utf-8")
    phrases: dict[str, Phrase] = {}
    for raw in yaml.safe_load(text):
        phrase = _phrase(raw)
        if phrase.code in phrases:
            raise ValueError(f"duplicate phrase code {phrase.code}")
        phrases[phrase.code] = phrase
    return phrases


def lookup(code: str) -> Phrase:
    """The phrase for ``code``, or a ValidationError naming ``code``."""
    phrase = catalogue().get(code) if isinstance(code, str) else None
    if phrase is None:
        raise ValidationError(f"unknown phrase code {code!r}", field="code")
    return phrase


def check_lang(lang: object) -> str:
    if lang not in LANGS:
        raise ValidationError(
            f"unsupported language {lang!r}; use one of {', '.join(LANGS)}", field="lang"
        )
    return str(lang)


def validate(code: str, params: Mapping[str, object]) -> dict[str, ParamValue]:
    """The normalised parameters of ``code``: what a phrase body signs."""
    phrase = lookup(code)
    if not isinstance(params, Mapping):
        raise ValidationError("params must be an object", field="params")
    names = {spec.name for spec in phrase.params}
    for name in params:
        if name not in names:
            raise ValidationError(
                f"phrase {code} takes no parameter {name!r}", field=f"params.{name}"
            )
    result: dict[str, ParamValue] = {}
    for spec in phrase.params:
        if spec.name not in params:
            raise ValidationError(
                f"phrase {code} needs parameter {spec.name!r}", field=f"params.{spec.name}"
            )
        result[spec.name] = spec.check(params[spec.name])
    return result


class PhraseBody(Body):
    """A standard phrase as it is signed: code and parameters, never rendered text."""

    KIND: ClassVar[str] = "phrase"

    code: Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]{0,63}$")]
    params: dict[str, ParamValue]
    lang: str | None = None
    """The language the operator composed in, so a reader can see what they saw."""

    @field_validator("params", mode="before")
    @classmethod
    def _params_valid(cls, value: object, info: Any) -> object:
        code = info.data.get("code")
        if code is None:
            return value  # the code's own error is already reported
        if not isinstance(value, Mapping):
            raise ValidationError("params must be an object", field="params")
        return validate(code, value)

    @field_validator("lang")
    @classmethod
    def _lang_supported(cls, value: str | None) -> str | None:
        return None if value is None else check_lang(value)


def params_from_assignments(code: str, assignments: Sequence[str]) -> dict[str, object]:
    """``key=value`` words (CLI, forms) typed by the phrase's parameters; errors name them."""
    from detente.i18n.params import parse

    phrase = lookup(code)
    params: dict[str, object] = {}
    for assignment in assignments:
        name, sep, text = assignment.partition("=")
        if not sep or not name:
            raise ValidationError(f"expected KEY=VALUE, got {assignment!r}", field="params")
        params[name] = parse(phrase.param(name).kind, text, f"params.{name}")
    return params
