"""AIS NMEA 0183 sentences (``!AIVDM``/``!AIVDO`` from any talker) into track states.

Reassembles multi-sentence messages by sequential id and channel, takes each
message's time from its NMEA 4.x tag block or else from when it was received,
keeps a name table per MMSI from static data (types 5, 19, 24) and turns
position reports into ``TrackState``. Choices, so that screening never sees a
bogus state:

* a report whose position is "not available" (lat 91, lon 181) is skipped;
* a report whose speed or course is "not available" is taken as stationary
  (speed 0), because a velocity without a direction cannot be extrapolated and
  a made-up one would raise false alerts; the true heading stands in for a
  missing course when the speed is known;
* a SAR aircraft (type 9) is in the air domain with its reported altitude.

Must never store half a message: fragments out of order, incomplete groups and
bad checksums are refused and counted, with the line where they were seen.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import reduce
from operator import xor

from detente.deconflict.attribution.registry import Resolve, unattributed
from detente.deconflict.ingest.ais_payload import (
    POSITION_TYPES,
    STATIC_TYPES,
    AisReport,
    decode_position,
    decode_static,
    message_type,
    payload_bits,
)
from detente.deconflict.ingest.tagblock import split_tag_block
from detente.deconflict.track import TrackState
from detente.errors import IngestError

KNOT_MPS = 1852.0 / 3600.0
MAX_PENDING_GROUPS = 256
"""Incomplete multi-sentence groups kept at once; older ones are refused."""
MAX_NAMES = 200_000
"""MMSIs kept in the name table; the oldest entry goes first past this."""

Refuse = Callable[[int, str], None]
_SIXBIT_PART = {
    chr(c): ((c - 48 if c < 88 else c - 56) >> 2) & 3 for c in [*range(48, 88), *range(96, 120)]
}
"""Armoured character 7 (bits 36-41) -> the type 24 part number in its bits 38-39."""
_SINGLE = re.compile(
    r"!([A-Z]{2}VD[MO],1,1,[0-9]?,[A-Z0-9]?,([0-W`-w]+),([0-5]))\*([0-9A-Fa-f]{2})"
)
"""The commonest line, a one-sentence message without a tag block, read with one regex."""
_HEX_PAIRS = {f"{i:02X}": i for i in range(256)} | {f"{i:02x}": i for i in range(256)}


@dataclass(slots=True)
class StaticData:
    """What static and voyage messages told about one MMSI."""

    name: str | None = None
    ship_type: int | None = None
    callsign: str | None = None


@dataclass(slots=True)
class _Group:
    total: int
    first_line: int
    t: float
    payloads: list[str] = field(default_factory=list)


PENDING = AisReport(msg_type=-1, mmsi=-1)
"""Returned for a fragment that waits for the rest of its message."""


def _decode(payload: str, fill: int) -> AisReport | None:
    kind = message_type(payload)
    if kind in POSITION_TYPES:
        value, n = payload_bits(payload, fill)
        return decode_position(kind, value, n)
    if kind in STATIC_TYPES:
        if kind == 24 and len(payload) > 6 and _SIXBIT_PART.get(payload[6], 0) > 1:
            # Bits 38-39 are the part number; 2 and 3 do not exist. Refused before pyais.
            raise IngestError("type 24 part number is not 0 (A) or 1 (B)", field="payload.partno")
        return decode_static(kind, payload, fill)
    return None


def track_id(mmsi: int) -> str:
    """The track id of an AIS station: its MMSI, prefixed so it never collides with ICAO ids."""
    return f"mmsi:{mmsi:09d}"


class AisDecoder:
    """Sans-I/O decoder: feed it lines, get states; it keeps reassembly and name state."""

    def __init__(self) -> None:
        self._pending: dict[tuple[str, str], _Group] = {}
        self.static: dict[int, StaticData] = {}
        self.last_t = 0.0
        self.resolve: Resolve = unattributed

    def feed(
        self, line: str, received_t: float, line_no: int, refuse: Refuse
    ) -> list[TrackState] | None:
        """States decoded from one line; ``None`` when the line carries nothing to use."""
        report = self.message(line, received_t, line_no, refuse)
        if report is None:
            return None
        if report is PENDING:
            return []
        if report.msg_type in STATIC_TYPES:
            return None  # used for the name table, but not a position
        state = self._state(report, self.last_t)
        return None if state is None else [state]

    def message(
        self, line: str, received_t: float, line_no: int, refuse: Refuse
    ) -> AisReport | None:
        """The message a line completes, ``PENDING`` for a fragment, else ``None``.

        The message's time is left in ``last_t``; names, call signs and ship
        types go into the name table ``static``.
        """
        report = self._message(line, received_t, line_no, refuse)
        if report is not None and (
            report.name is not None or report.ship_type is not None or report.callsign is not None
        ):
            self._remember(report)
        return report

    def _message(
        self, line: str, received_t: float, line_no: int, refuse: Refuse
    ) -> AisReport | None:
        single = _SINGLE.match(line)
        if single is not None:
            body, payload, fill, check = single.groups()
            if _HEX_PAIRS[check] == reduce(xor, body.encode("ascii"), 0):
                self.last_t = received_t
                return _decode(payload, ord(fill) - 48)
            # A bad checksum: the general path below names the reason.
        if line[0] != "!":
            if line[0] in "$#":
                return None  # other NMEA sentences and comments
            if line[0] != "\\":
                raise IngestError("not an NMEA sentence", field="sentence")
            tagged = split_tag_block(line)
            sentence = tagged.sentence
            t = received_t if tagged.t is None else tagged.t
        else:
            sentence, t = line, received_t
        if not sentence.startswith("!"):
            if sentence.startswith("$"):
                return None
            raise IngestError("not an AIS sentence", field="sentence")
        star = sentence.rfind("*")
        if star < 0:
            raise IngestError("sentence has no checksum", field="sentence.checksum")
        body = sentence[1:star]
        expected = _HEX_PAIRS.get(sentence[star + 1 : star + 3])
        if expected is None:
            raise IngestError("checksum is not two hex digits", field="sentence.checksum")
        try:
            if expected != reduce(xor, body.encode("ascii"), 0):
                raise IngestError("checksum mismatch", field="sentence.checksum")
        except UnicodeEncodeError:
            raise IngestError("sentence is not ASCII", field="sentence") from None
        fields = body.split(",")
        if len(fields) != 7:
            raise IngestError(f"sentence has {len(fields)} fields, expected 7", field="sentence")
        head, total_s, num_s, seq, channel, payload, fill_s = fields
        if len(head) != 5 or head[2:] not in ("VDM", "VDO"):
            return None  # another AIS sentence type (e.g. VDL, ABK): nothing positional
        try:
            total, num, fill = int(total_s), int(num_s), int(fill_s)
        except ValueError:
            raise IngestError(
                "fragment count, number or fill bits not an integer", field="sentence"
            ) from None
        if not (1 <= total <= 9 and 1 <= num <= total and 0 <= fill <= 5):
            raise IngestError("fragment count, number or fill bits out of range", field="sentence")
        if total == 1:
            if not payload:
                return None
            self.last_t = t
            return _decode(payload, fill)
        return self._fragment(total, num, seq, channel, payload, fill, t, line_no, refuse)

    def _fragment(
        self,
        total: int,
        num: int,
        seq: str,
        channel: str,
        payload: str,
        fill: int,
        t: float,
        line_no: int,
        refuse: Refuse,
    ) -> AisReport | None:
        key = (seq, channel)
        group = self._pending.get(key)
        if num == 1:
            if group is not None:
                refuse(group.first_line, "incomplete multi-sentence message")
            if len(self._pending) >= MAX_PENDING_GROUPS:
                oldest = next(iter(self._pending))
                refuse(self._pending.pop(oldest).first_line, "incomplete multi-sentence message")
            self._pending[key] = _Group(total, line_no, t, [payload])
            return PENDING
        if group is None or group.total != total or len(group.payloads) != num - 1:
            if group is not None:
                del self._pending[key]
            raise IngestError(
                f"fragment {num} of {total} without the fragments before it", field="sentence"
            )
        group.payloads.append(payload)
        if num < total:
            return PENDING
        del self._pending[key]
        whole = "".join(group.payloads)
        if not whole:
            return None
        self.last_t = group.t
        return _decode(whole, fill)

    def finish(self, refuse: Refuse) -> None:
        """Refuse the groups still waiting for fragments at the end of input."""
        for group in self._pending.values():
            refuse(group.first_line, "incomplete multi-sentence message")
        self._pending.clear()

    def _remember(self, report: AisReport) -> None:
        entry = self.static.get(report.mmsi)
        if entry is None:
            if len(self.static) >= MAX_NAMES:
                del self.static[next(iter(self.static))]
            entry = self.static[report.mmsi] = StaticData()
        if report.name is not None:
            entry.name = report.name
        if report.ship_type is not None:
            entry.ship_type = report.ship_type
        if report.callsign is not None:
            entry.callsign = report.callsign

    def _state(self, r: AisReport, t: float) -> TrackState | None:
        if r.lat_deg is None or r.lon_deg is None:
            return None
        course = r.course_deg if r.course_deg is not None else r.heading_deg
        if r.speed_kn is None or course is None:
            speed_mps, course_deg = 0.0, float(course or 0.0)
        else:
            speed_mps, course_deg = r.speed_kn * KNOT_MPS, float(course)
        static = self.static.get(r.mmsi)
        track = track_id(r.mmsi)
        party, name = self.resolve(track, None if static is None else static.name, None)
        if r.msg_type == 9:
            return TrackState(
                track,
                t,
                r.lat_deg,
                r.lon_deg,
                speed_mps,
                course_deg,
                r.alt_m or 0.0,
                0.0,
                "air",
                party,
                name,
            )
        return TrackState(
            track, t, r.lat_deg, r.lon_deg, speed_mps, course_deg, 0.0, 0.0, "sea", party, name
        )

    def name_for(self, track: str) -> str | None:
        """The latest known name of an AIS track, to back-fill states seen before it."""
        if not track.startswith("mmsi:"):
            return None
        static = self.static.get(int(track[5:]))
        return None if static is None else static.name
