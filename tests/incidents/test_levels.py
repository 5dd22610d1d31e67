"""The escalation scale: a written meaning in both languages, and the proposal from facts."""

from __future__ import annotations

import pytest

from detente.errors import ValidationError
from detente.incidents.levels import Level, meaning, propose_level, scale


@pytest.mark.parametrize("level", range(1, 6))
def test_meaning_every_level_has_words_in_en_and_zh(level: int) -> None:
    assert meaning(level, "en") and meaning(level, "zh")
    assert meaning(level, "en") != meaning(level, "zh")
    assert meaning(level, "zh-Hans") == meaning(level, "zh")


def test_meaning_names_the_examples_the_scale_promises() -> None:
    assert "fire-control radar" in meaning(3)
    assert "collision" in meaning(4) and "casualties" in meaning(4)
    assert "force" in meaning(5).lower()


def test_meaning_out_of_range_is_refused() -> None:
    with pytest.raises(ValidationError, match="not 1-5"):
        meaning(6)


@pytest.mark.parametrize(
    ("tags", "level"),
    [
        ([], Level.ROUTINE),
        (["caution"], Level.ROUTINE),
        (["warning"], Level.UNSAFE),
        (["critical"], Level.DANGEROUS),
        (["fire_control_radar"], Level.DANGEROUS),
        (["warning", "collision"], Level.HARM),
        (["unknown_tag", "weapons_fired"], Level.FORCE),
    ],
)
def test_propose_level_takes_the_highest_fact(tags: list[str], level: Level) -> None:
    assert propose_level(tags) is level


def test_scale_lists_five_levels_in_order() -> None:
    assert [s["level"] for s in scale("zh")] == [1, 2, 3, 4, 5]
