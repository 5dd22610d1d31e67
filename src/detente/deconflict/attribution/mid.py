"""Flag state of an MMSI from its Maritime Identification Digits (ITU-R M.585).

The MID says which administration assigned the number, which is the flag a
ship flies; ``mid_table.json`` beside this module maps every MID 201-775 to
an ISO 3166-1 alpha-2 code. Not every MMSI is a ship: coast stations (00MID),
groups (0MID), SAR aircraft (111MID), handhelds (8MID), craft with a parent
ship (98MID) and aids to navigation (99MID) carry the MID elsewhere; SART,
MOB and EPIRB devices (970/972/974) carry none. Must never guess: an MMSI with
no MID, or a MID not in the table, has no country.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

StationKind = Literal[
    "ship",
    "coast",
    "group",
    "sar_aircraft",
    "handheld",
    "auxiliary_craft",
    "aid_to_navigation",
    "distress_device",
    "invalid",
]


@dataclass(frozen=True, slots=True)
class MmsiInfo:
    """What the digits of an MMSI say, and no more."""

    kind: StationKind
    mid: int | None
    country: str | None


@cache
def mid_table() -> dict[int, str]:
    """MID -> ISO alpha-2, read once from the package data on first use."""
    text = resources.files(__package__).joinpath("mid_table.json").read_text("utf-8")
    return {int(mid): iso for mid, iso in json.loads(text)["mids"].items()}


def _split(digits: str) -> tuple[StationKind, str | None]:
    if digits.startswith(("970", "972", "974")):
        return "distress_device", None
    if digits.startswith("111"):
        return "sar_aircraft", digits[3:6]
    if digits.startswith("00"):
        return "coast", digits[2:5]
    if digits.startswith("0"):
        return "group", digits[1:4]
    if digits.startswith("98"):
        return "auxiliary_craft", digits[2:5]
    if digits.startswith("99"):
        return "aid_to_navigation", digits[2:5]
    if digits.startswith("8"):
        return "handheld", digits[1:4]
    if digits[0] in "234567":
        return "ship", digits[0:3]
    return "invalid", None


def classify_mmsi(mmsi: int) -> MmsiInfo:
    """Station kind, MID and flag state of an MMSI."""
    if not 0 <= mmsi <= 999_999_999:
        return MmsiInfo("invalid", None, None)
    kind, mid_digits = _split(f"{mmsi:09d}")
    if mid_digits is None:
        return MmsiInfo(kind, None, None)
    mid = int(mid_digits)
    return MmsiInfo(kind, mid, mid_table().get(mid))


def flag_state(mmsi: int) -> str | None:
    """ISO alpha-2 of the administration that assigned the MMSI, or ``None``."""
    return classify_mmsi(mmsi).country
