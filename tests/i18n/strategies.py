"""Hypothesis strategies derived from the phrase catalogue's parameter kinds."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import strategies as st

from detente.i18n.params import MAX_NAME_CHARS, ParamKind
from detente.i18n.phrases import ParamSpec, Phrase

ZONES = (None, "Asia/Shanghai", "America/Los_Angeles", "Pacific/Guam", "Asia/Kolkata")


def _names() -> st.SearchStrategy[str]:
    chars = st.characters(
        exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"), exclude_characters="{}<>"
    )
    return st.text(chars, min_size=1, max_size=MAX_NAME_CHARS).filter(lambda s: s.strip() != "")


def kind_values(
    kind: ParamKind, lo: float | None = None, hi: float | None = None
) -> st.SearchStrategy[object]:
    low = kind.lo if lo is None else lo
    high = kind.hi if hi is None else hi
    if kind.number is int:
        assert low is not None
        assert high is not None
        return st.integers(int(low), int(high))
    if kind.number is float:
        return st.floats(low, high, allow_nan=False, allow_infinity=False)
    if kind.choices:
        return st.sampled_from(kind.choices)
    if kind.name == "time_utc":
        moments = st.datetimes(datetime(2000, 1, 2), datetime(2099, 12, 30), timezones=st.just(UTC))
        return moments.map(lambda m: m.replace(microsecond=0).isoformat().replace("+00:00", "Z"))
    return _names()


def spec_values(spec: ParamSpec) -> st.SearchStrategy[object]:
    return kind_values(spec.kind, spec.lo, spec.hi)


def phrase_params(phrase: Phrase) -> st.SearchStrategy[dict[str, object]]:
    return st.fixed_dictionaries({spec.name: spec_values(spec) for spec in phrase.params})
