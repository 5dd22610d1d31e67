"""NMEA 0183 checksums and NMEA 4.x tag blocks (``\\c:1234567890*hh\\``).

A tag block carries the receiving station's UNIX time for the sentence that
follows it; that is the best time Détente has for an AIS report. This module
only splits and checks text: it must never decode AIS payloads or guess times.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import xor

from detente.errors import IngestError

MILLISECONDS_ABOVE = 1e11
"""A ``c:`` value above this is milliseconds: 1e11 s would be the year 5138."""


def nmea_checksum(body: str) -> int:
    """XOR of the characters between the start mark and ``*``."""
    return reduce(xor, body.encode("ascii", "replace"), 0)


def checksum_matches(body: str, hex_digits: str) -> bool:
    """Whether two hex digits are the checksum of ``body``; false for bad hex."""
    if len(hex_digits) != 2:
        return False
    try:
        return int(hex_digits, 16) == nmea_checksum(body)
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class Tagged:
    """A sentence with its tag block removed, and the tag block's time if any."""

    sentence: str
    t: float | None
    group: str | None = None


def split_tag_block(line: str) -> Tagged:
    """Separate a leading tag block from the sentence and read its ``c:`` time.

    Raises ``IngestError`` for a tag block that is unterminated, fails its
    checksum or has an unreadable time: such a line is counted as malformed.
    """
    if not line.startswith("\\"):
        return Tagged(line, None)
    end = line.find("\\", 1)
    if end < 0:
        raise IngestError("tag block is not terminated by a backslash", field="tag_block")
    block = line[1:end]
    star = block.rfind("*")
    if star < 0:
        raise IngestError("tag block has no checksum", field="tag_block")
    body = block[:star]
    if not checksum_matches(body, block[star + 1 :]):
        raise IngestError("tag block checksum mismatch", field="tag_block")
    t: float | None = None
    group: str | None = None
    for item in body.split(","):
        key, sep, value = item.partition(":")
        if not sep:
            raise IngestError(f"tag block item {item!r} has no colon", field="tag_block")
        if key == "c":
            t = _unix_time(value)
        elif key == "g":
            group = value
    return Tagged(line[end + 1 :], t, group)


def _unix_time(value: str) -> float:
    try:
        t = float(int(value))
    except ValueError:
        raise IngestError(
            f"tag block time {value!r} is not an integer", field="tag_block.c"
        ) from None
    if t < 0:
        raise IngestError("tag block time is negative", field="tag_block.c")
    return t / 1000.0 if t > MILLISECONDS_ABOVE else t
