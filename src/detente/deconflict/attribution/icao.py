"""State of registry of an aircraft from its ICAO 24-bit address (Annex 10, Vol. III).

ICAO allocates blocks of addresses to States; ``icao_blocks.json`` beside this
module lists the blocks Détente needs (the Indo-Pacific, the permanent members
and their neighbours). Must never guess: an address outside every listed block
has no state. The state of registry is not the operator: a foreign-registered
airframe flown by a navy needs an explicit unit in the registry.
"""

from __future__ import annotations

import bisect
import itertools
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class IcaoBlock:
    """One allocation: addresses ``first``..``last`` inclusive belong to ``party``."""

    party: str
    first: int
    last: int


@cache
def icao_blocks() -> tuple[IcaoBlock, ...]:
    """The blocks sorted by first address, read once from the package data."""
    text = resources.files(__package__).joinpath("icao_blocks.json").read_text("utf-8")
    blocks = [
        IcaoBlock(b["party"], int(b["first"], 16), int(b["last"], 16))
        for b in json.loads(text)["blocks"]
    ]
    blocks.sort(key=lambda b: b.first)
    for before, after in itertools.pairwise(blocks):
        if after.first <= before.last:
            raise ValueError(f"ICAO blocks of {before.party} and {after.party} overlap")
    return tuple(blocks)


@cache
def _firsts() -> list[int]:
    return [b.first for b in icao_blocks()]


def registry_state(address: int | str) -> str | None:
    """ISO alpha-2 of the State that holds the block of an address, or ``None``."""
    if isinstance(address, str):
        try:
            address = int(address, 16)
        except ValueError:
            return None
    if not 0 <= address <= 0xFFFFFF:
        return None
    i = bisect.bisect_right(_firsts(), address) - 1
    if i < 0:
        return None
    block = icao_blocks()[i]
    return block.party if address <= block.last else None
