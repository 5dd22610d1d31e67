"""The escalation scale 1-5, its written meanings, and the level the node proposes.

Both parties read the same scale, so each level has a meaning in every
supported language, not just a number. The proposal is a starting point
for humans: each side sets its own assessment and both are shown.

This module must never decide a level on its own once a human has
assessed one; it only proposes from the facts it is given.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

from detente.errors import ValidationError


class Level(IntEnum):
    ROUTINE = 1
    UNSAFE = 2
    DANGEROUS = 3
    HARM = 4
    FORCE = 5


@dataclass(frozen=True, slots=True)
class LevelMeaning:
    level: Level
    en: str
    zh: str

    def text(self, lang: str) -> str:
        return self.zh if lang.startswith("zh") else self.en


MEANINGS: dict[Level, LevelMeaning] = {
    Level.ROUTINE: LevelMeaning(
        Level.ROUTINE,
        "Routine: a professional encounter or a procedural matter.",
        "常规：专业的相遇或程序性事项。",
    ),
    Level.UNSAFE: LevelMeaning(
        Level.UNSAFE,
        "Unsafe: a manoeuvre or conduct that reduced safety margins.",
        "不安全：降低安全余度的机动或行为。",
    ),
    Level.DANGEROUS: LevelMeaning(
        Level.DANGEROUS,
        "Dangerous: a risk of collision, a critical encounter, or fire-control radar illumination.",
        "危险：存在碰撞风险、严重相遇或火控雷达照射。",
    ),
    Level.HARM: LevelMeaning(
        Level.HARM,
        "Harm: a collision, damage or casualties.",
        "损害：发生碰撞、损坏或人员伤亡。",
    ),
    Level.FORCE: LevelMeaning(
        Level.FORCE,
        "Use of force: weapons were used.",
        "使用武力：已使用武器。",
    ),
}

FACTS_TO_LEVEL: dict[str, Level] = {
    "caution": Level.ROUTINE,
    "warning": Level.UNSAFE,
    "unsafe_manoeuvre": Level.UNSAFE,
    "laser": Level.UNSAFE,
    "critical": Level.DANGEROUS,
    "collision_risk": Level.DANGEROUS,
    "fire_control_radar": Level.DANGEROUS,
    "collision": Level.HARM,
    "damage": Level.HARM,
    "casualties": Level.HARM,
    "use_of_force": Level.FORCE,
    "weapons_fired": Level.FORCE,
}
"""Fact tags the node recognises, and the least level each one implies."""


def meaning(level: int, lang: str = "en") -> str:
    """The written meaning of ``level`` in ``lang`` (``en`` or ``zh``)."""
    try:
        return MEANINGS[Level(level)].text(lang)
    except ValueError:
        raise ValidationError(f"level {level} is not 1-5", field="level") from None


def propose_level(tags: Iterable[str]) -> Level:
    """The highest level any fact tag implies; routine when none is recognised."""
    found = [FACTS_TO_LEVEL[t] for t in tags if t in FACTS_TO_LEVEL]
    return max(found, default=Level.ROUTINE)


def scale(lang: str = "en") -> list[dict[str, object]]:
    """The whole scale for pages and the API: number, name and meaning."""
    return [
        {"level": int(m.level), "name": m.level.name.lower(), "meaning": m.text(lang)}
        for m in MEANINGS.values()
    ]
