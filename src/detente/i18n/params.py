"""Typed phrase parameters: what values a kind accepts and how it is written.

A standard phrase is only safer than free text if its parameters cannot be
misread, so every parameter has a kind with a closed range (a bearing is an
integer 0-359, a distance a positive number of nautical miles …), a
normalised form (what is signed), a parser for operator input and a
formatter per language (``detente.i18n.units``).

This module must never accept a value it cannot render in every language,
and never guess a unit: the unit is part of the kind.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from detente.errors import ValidationError
from detente.i18n import units
from detente.wire.enums import Tier

ParamValue = int | float | str
"""A normalised parameter value as it is signed in a phrase body."""

SIDES: Final = {"port": {"en": "port", "zh": "左"}, "starboard": {"en": "starboard", "zh": "右"}}
TIERS: Final = {
    Tier.OPERATIONAL.value: {"en": "operational", "zh": "作战层级"},
    Tier.THEATER.value: {"en": "theater", "zh": "战区层级"},
    Tier.POLICY.value: {"en": "policy", "zh": "政策层级"},
}
MAX_NAME_CHARS: Final = 40
_UNPRINTABLE: Final = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


@dataclass(frozen=True)
class ParamKind:
    """One parameter type: its range, its unit and how each language writes it."""

    name: str
    unit: str
    example: ParamValue
    number: type[int] | type[float] | None = None
    lo: float | None = None
    hi: float | None = None
    choices: tuple[str, ...] = ()
    decimals: int = 0
    fmt: Callable[[ParamValue, str, str | None], str] | None = None

    def describe(self, lo: float | None = None, hi: float | None = None) -> str:
        """A one-line description an operator reads in ``phrase list``."""
        if self.choices:
            return f"one of {', '.join(self.choices)}"
        if self.number is None:
            return self.unit
        low = self.lo if lo is None else lo
        high = self.hi if hi is None else hi
        kind = "integer" if self.number is int else "number"
        return (
            f"{kind} {units.number(low or 0, 3)}-{units.number(high or 0, 3)} {self.unit}".strip()
        )


def _time(value: ParamValue) -> datetime:
    return datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _name_fmt(value: ParamValue, lang: str, tz: str | None) -> str:
    return str(value)


def _choice_fmt(
    table: Mapping[str, Mapping[str, str]],
) -> Callable[[ParamValue, str, str | None], str]:
    def fmt(value: ParamValue, lang: str, tz: str | None) -> str:
        return table[str(value)][lang]

    return fmt


KINDS: Final[Mapping[str, ParamKind]] = {
    k.name: k
    for k in (
        ParamKind(
            name="bearing_deg",
            number=int,
            lo=0,
            hi=359,
            unit="degrees true",
            example=45,
            fmt=lambda v, lang, tz: units.bearing(int(v), lang),
        ),
        ParamKind(
            name="heading_deg",
            number=int,
            lo=0,
            hi=359,
            unit="degrees magnetic or true as flown",
            example=270,
            fmt=lambda v, lang, tz: units.degrees(int(v)),
        ),
        ParamKind(
            name="course_deg",
            number=int,
            lo=0,
            hi=359,
            unit="degrees true",
            example=135,
            fmt=lambda v, lang, tz: units.degrees(int(v)),
        ),
        ParamKind(
            name="distance_nm",
            number=float,
            lo=0.1,
            hi=999,
            unit="nautical miles",
            example=2,
            decimals=1,
            fmt=lambda v, lang, tz: units.distance_nm(float(v), lang),
        ),
        ParamKind(
            name="speed_kn",
            number=float,
            lo=0,
            hi=1500,
            unit="knots",
            example=12,
            decimals=1,
            fmt=lambda v, lang, tz: units.speed_kn(float(v), lang),
        ),
        ParamKind(
            name="alt_ft",
            number=int,
            lo=0,
            hi=66000,
            unit="feet",
            example=3000,
            fmt=lambda v, lang, tz: units.altitude_ft(int(v), lang),
        ),
        ParamKind(
            name="alt_m",
            number=int,
            lo=0,
            hi=20000,
            unit="metres",
            example=900,
            fmt=lambda v, lang, tz: units.altitude_m(int(v), lang),
        ),
        ParamKind(
            name="flight_level",
            number=int,
            lo=10,
            hi=660,
            unit="hundreds of feet (pressure altitude)",
            example=350,
            fmt=lambda v, lang, tz: units.flight_level(int(v), lang),
        ),
        ParamKind(
            name="frequency_mhz",
            number=float,
            lo=2,
            hi=400,
            unit="MHz",
            example=121.5,
            decimals=3,
            fmt=lambda v, lang, tz: units.frequency_mhz(float(v), lang),
        ),
        ParamKind(
            name="duration_min",
            number=int,
            lo=1,
            hi=43200,
            unit="minutes",
            example=90,
            fmt=lambda v, lang, tz: units.duration_min(int(v), lang),
        ),
        ParamKind(name="count", number=int, lo=1, hi=999, unit="", example=3, fmt=_name_fmt),
        ParamKind(
            name="time_utc",
            unit="ISO-8601 time with zone (Z or offset)",
            example="2026-11-27T09:30:00Z",
            fmt=lambda v, lang, tz: units.time_utc(_time(v), lang, tz),
        ),
        ParamKind(
            name="tier", unit="", example="theater", choices=tuple(TIERS), fmt=_choice_fmt(TIERS)
        ),
        ParamKind(
            name="side", unit="", example="port", choices=tuple(SIDES), fmt=_choice_fmt(SIDES)
        ),
        ParamKind(
            name="zone",
            unit=f"name, 1-{MAX_NAME_CHARS} characters",
            example="Area A-3",
            fmt=_name_fmt,
        ),
        ParamKind(
            name="callsign",
            unit=f"name, 1-{MAX_NAME_CHARS} characters",
            example="Eagle 01",
            fmt=_name_fmt,
        ),
    )
}


def _number(kind: ParamKind, value: object, field: str, lo: float, hi: float) -> ParamValue:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(
            f"expected a number ({kind.name}), got {type(value).__name__}", field=field
        )
    if isinstance(value, float) and not math.isfinite(value):
        raise ValidationError("must be a finite number", field=field)
    result: int | float
    if kind.number is int:
        if isinstance(value, float) and not value.is_integer():
            raise ValidationError(f"expected a whole number ({kind.name})", field=field)
        result = int(value)
    else:
        result = round(float(value), kind.decimals)
        if result.is_integer():
            result = int(result)
    if not lo <= result <= hi:
        raise ValidationError(
            f"{units.number(float(result), 3)} is out of range {units.number(lo, 3)}"
            f"-{units.number(hi, 3)} {kind.unit}".rstrip(),
            field=field,
        )
    return result


def check(
    kind: ParamKind, value: object, field: str, lo: float | None, hi: float | None
) -> ParamValue:
    """The normalised value, or a ValidationError naming ``field``."""
    if kind.number is not None:
        assert kind.lo is not None
        assert kind.hi is not None
        return _number(
            kind, value, field, kind.lo if lo is None else lo, kind.hi if hi is None else hi
        )
    if not isinstance(value, str):
        raise ValidationError(
            f"expected text ({kind.name}), got {type(value).__name__}", field=field
        )
    if kind.choices:
        if value not in kind.choices:
            raise ValidationError(f"{value!r} is not one of {', '.join(kind.choices)}", field=field)
        return value
    if kind.name == "time_utc":
        return _normalise_time(value, field)
    text = value.strip()
    if not 1 <= len(text) <= MAX_NAME_CHARS or not _printable_name(text):
        raise ValidationError(
            f"must be 1-{MAX_NAME_CHARS} printable characters without braces or angle brackets",
            field=field,
        )
    return text


def _printable_name(text: str) -> bool:
    """No control, format (bidi overrides) or separator-line characters, no markup or braces."""
    return not any(c in "{}<>" or unicodedata.category(c) in _UNPRINTABLE for c in text)


def _normalise_time(value: str, field: str) -> str:
    try:
        moment = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        raise ValidationError(f"{value!r} is not an ISO-8601 time", field=field) from None
    if moment.tzinfo is None:
        raise ValidationError("time must carry a zone (Z or an offset)", field=field)
    # Times are carried to the minute, as they are spoken and shown on a watch.
    moment = moment.astimezone(UTC).replace(second=0, microsecond=0)
    if not 2000 <= moment.year <= 2100:
        raise ValidationError("year must be 2000-2100", field=field)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse(kind: ParamKind, text: str, field: str) -> object:
    """Operator input (``key=value`` on the CLI or a form field) to a JSON value."""
    if kind.number is None:
        return text
    try:
        return int(text) if kind.number is int else float(text)
    except ValueError:
        raise ValidationError(f"{text!r} is not a number ({kind.name})", field=field) from None


def format_value(kind: ParamKind, value: ParamValue, lang: str, local_tz: str | None = None) -> str:
    """A normalised value written in ``lang``."""
    assert kind.fmt is not None
    return kind.fmt(value, lang, local_tz)
