"""The closed vocabularies every entry carries: precedence and tier."""

from __future__ import annotations

from enum import StrEnum


class Precedence(StrEnum):
    """Sets the acknowledgement deadline; FLASH is the most urgent."""

    FLASH = "FLASH"
    IMMEDIATE = "IMMEDIATE"
    PRIORITY = "PRIORITY"
    ROUTINE = "ROUTINE"


class Tier(StrEnum):
    """Who speaks. A missed deadline escalates one tier up."""

    OPERATIONAL = "operational"
    THEATER = "theater"
    POLICY = "policy"

    def up(self) -> Tier:
        """The next tier up; policy is the top and stays there."""
        order = list(Tier)
        return order[min(order.index(self) + 1, len(order) - 1)]
