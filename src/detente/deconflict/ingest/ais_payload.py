"""Decode the fields Détente needs from an AIS payload (ITU-R M.1371-5).

Position reports are most of the traffic, so types 1, 2, 3, 9, 18, 19 and 27
are read here directly from the 6-bit armoured payload, one shift per field,
which is several times faster than building a full message object. Static and
voyage data (types 5 and 24) are rare and decoded with pyais. A test checks
the fast path against pyais on arbitrary payloads.

This module only turns payload text into an ``AisReport``; it must never
decide times, tracks or parties, and never raises anything but ``IngestError``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from pyais.bit_vector import bit_vector
from pyais.exceptions import UnknownPartNoException
from pyais.messages import MSG_CLASS

from detente.errors import IngestError

POSITION_TYPES = frozenset({1, 2, 3, 9, 18, 19, 27})
STATIC_TYPES = frozenset({5, 24})

LAT_UNAVAILABLE_DEG = 91.0
LON_UNAVAILABLE_DEG = 181.0

# The armour: "0".."W" carry 0..39 and "`".."w" carry 40..63.
_SIXBIT = {chr(c): c - 48 for c in range(48, 88)} | {chr(c): c - 56 for c in range(96, 120)}
_TO_BITS = str.maketrans({ch: format(v, "06b") for ch, v in _SIXBIT.items()})
_TEXT = "@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_ !\"#$%&'()*+,-./0123456789:;<=>?"


class AisReport(NamedTuple):
    """The fields of one AIS message that tracks need; ``None`` means not available.

    A named tuple, not a frozen dataclass: it is built once per sentence, and a
    frozen dataclass costs five times as much to build.
    """

    msg_type: int
    mmsi: int
    lat_deg: float | None = None
    lon_deg: float | None = None
    speed_kn: float | None = None
    course_deg: float | None = None
    heading_deg: int | None = None
    alt_m: float | None = None
    name: str | None = None
    ship_type: int | None = None
    callsign: str | None = None
    part: int | None = None


def message_type(payload: str) -> int:
    """The message type from the first armoured character, without decoding the rest."""
    try:
        return _SIXBIT[payload[0]]
    except (KeyError, IndexError):
        raise IngestError("payload has an invalid first character", field="payload") from None


def payload_bits(payload: str, fill_bits: int) -> tuple[int, int]:
    """The payload as one integer and its length in bits."""
    bits = payload.translate(_TO_BITS)
    # An armoured character becomes six digits; anything else stays one character.
    if len(bits) != 6 * len(payload):
        raise IngestError("payload has characters outside the AIS 6-bit set", field="payload")
    n = len(bits) - fill_bits
    if n <= 0:
        raise IngestError("payload is empty after fill bits", field="payload")
    return int(bits[:n], 2), n


class _Bits:
    """Read fields by bit offset from the payload integer."""

    __slots__ = ("n", "v")

    def __init__(self, v: int, n: int) -> None:
        self.v = v
        self.n = n

    def u(self, start: int, width: int) -> int:
        return (self.v >> (self.n - start - width)) & ((1 << width) - 1)

    def s(self, start: int, width: int) -> int:
        raw = self.u(start, width)
        return raw - (1 << width) if raw >> (width - 1) else raw

    def text(self, start: int, width: int) -> str:
        raw = self.u(start, width)
        chars = [_TEXT[(raw >> (width - 6 * (i + 1))) & 63] for i in range(width // 6)]
        return "".join(chars).split("@", 1)[0].strip()


def _need(bits: _Bits, needed: int, msg_type: int) -> None:
    if bits.n < needed:
        raise IngestError(
            f"type {msg_type} payload has {bits.n} bits, needs at least {needed}", field="payload"
        )


def _latlon(lat_raw: int, lon_raw: int, per_deg: float) -> tuple[float | None, float | None]:
    lat, lon = lat_raw / per_deg, lon_raw / per_deg
    if lat == LAT_UNAVAILABLE_DEG or lon == LON_UNAVAILABLE_DEG:
        return None, None
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise IngestError(f"position {lat:.5f},{lon:.5f} is out of range", field="payload.lat")
    return lat, lon


def _speed_tenths(raw: int) -> float | None:
    return None if raw == 1023 else raw / 10.0


def _course_tenths(raw: int) -> float | None:
    return None if raw >= 3600 else raw / 10.0


def _heading(raw: int) -> int | None:
    return None if raw > 359 else raw


# End bits of speed, lon, lat, course and heading in the two commonest layouts.
_COMMON_ENDS = {
    1: (60, 89, 116, 128, 137),
    2: (60, 89, 116, 128, 137),
    3: (60, 89, 116, 128, 137),
    18: (56, 85, 112, 124, 133),
}


def _common_position(msg_type: int, v: int, n: int, ends: tuple[int, ...]) -> AisReport:
    """Class A (1-3) and class B (18) reports: the hot path, one shift per field, no calls."""
    speed_end, lon_end, lat_end, course_end, heading_end = ends
    lon_raw = (v >> (n - lon_end)) & 0xFFFFFFF
    if lon_raw & 0x8000000:
        lon_raw -= 0x10000000
    lat_raw = (v >> (n - lat_end)) & 0x7FFFFFF
    if lat_raw & 0x4000000:
        lat_raw -= 0x8000000
    speed_raw = (v >> (n - speed_end)) & 0x3FF
    course_raw = (v >> (n - course_end)) & 0xFFF
    heading_raw = (v >> (n - heading_end)) & 0x1FF
    lat, lon = _latlon(lat_raw, lon_raw, 600_000.0)
    return AisReport(
        msg_type,
        (v >> (n - 38)) & 0x3FFFFFFF,
        lat,
        lon,
        None if speed_raw == 1023 else speed_raw / 10.0,
        None if course_raw >= 3600 else course_raw / 10.0,
        None if heading_raw > 359 else heading_raw,
    )


def decode_position(msg_type: int, v: int, n: int) -> AisReport:
    """Fields of a position report; types 1, 2, 3, 9, 18, 19 and 27 only."""
    ends = _COMMON_ENDS.get(msg_type)
    if ends is not None and n >= ends[-1]:
        return _common_position(msg_type, v, n, ends)
    b = _Bits(v, n)
    _need(b, 38, msg_type)
    mmsi = b.u(8, 30)
    if msg_type in (1, 2, 3):
        _need(b, 137, msg_type)  # the common path above took every long-enough one
    if msg_type in (18, 19):
        _need(b, 143 if msg_type == 19 else 133, msg_type)
        lat, lon = _latlon(b.s(85, 27), b.s(57, 28), 600_000.0)
        name: str | None = None
        ship_type: int | None = None
        if msg_type == 19:
            _need(b, 271, msg_type)
            name = b.text(143, 120) or None
            ship_type = b.u(263, 8)
        return AisReport(
            msg_type,
            mmsi,
            lat,
            lon,
            _speed_tenths(b.u(46, 10)),
            _course_tenths(b.u(112, 12)),
            _heading(b.u(124, 9)),
            name=name,
            ship_type=ship_type,
        )
    if msg_type == 9:
        _need(b, 128, msg_type)
        lat, lon = _latlon(b.s(89, 27), b.s(61, 28), 600_000.0)
        alt_raw, speed_raw = b.u(38, 12), b.u(50, 10)
        return AisReport(
            msg_type,
            mmsi,
            lat,
            lon,
            None if speed_raw == 1023 else float(speed_raw),
            _course_tenths(b.u(116, 12)),
            alt_m=None if alt_raw == 4095 else float(alt_raw),
        )
    if msg_type == 27:
        _need(b, 94, msg_type)
        lat, lon = _latlon(b.s(62, 17), b.s(44, 18), 600.0)
        speed_raw, course_raw = b.u(79, 6), b.u(85, 9)
        return AisReport(
            msg_type,
            mmsi,
            lat,
            lon,
            None if speed_raw == 63 else float(speed_raw),
            None if course_raw >= 360 else float(course_raw),
        )
    raise IngestError(f"type {msg_type} is not a position report", field="payload")


@lru_cache(maxsize=4096)
def decode_static(msg_type: int, payload: str, fill_bits: int) -> AisReport:
    """Names, call signs and ship types from types 5 and 24, decoded with pyais.

    Cached by payload: a ship repeats the same static data every few minutes,
    and pyais builds a full message object each time. Errors are not cached.
    """
    try:
        msg = MSG_CLASS[msg_type].from_vector(bit_vector(payload.encode("ascii"), fill_bits))
    except UnknownPartNoException:
        raise IngestError(
            "type 24 part number is not 0 (A) or 1 (B)", field="payload.partno"
        ) from None
    except Exception as exc:  # pyais raises many types for short or odd payloads
        raise IngestError(
            f"type {msg_type} payload does not decode: {exc}", field="payload"
        ) from None
    if not isinstance(msg.mmsi, int):
        raise IngestError(f"type {msg_type} payload is too short", field="payload")
    name = _clean(getattr(msg, "shipname", None))
    callsign = _clean(getattr(msg, "callsign", None))
    ship_type_raw = getattr(msg, "ship_type", None)
    ship_type = int(ship_type_raw) if ship_type_raw is not None else None
    part = getattr(msg, "partno", None)
    return AisReport(
        msg_type,
        int(msg.mmsi),
        name=name,
        ship_type=ship_type,
        callsign=callsign,
        part=int(part) if part is not None else None,
    )


def _clean(text: object) -> str | None:
    if not isinstance(text, str):
        return None
    cleaned = text.split("@", 1)[0].strip()
    return cleaned or None
