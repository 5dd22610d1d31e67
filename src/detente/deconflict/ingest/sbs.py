"""ADS-B in SBS-1 "BaseStation" CSV (``MSG,1..8``, dump1090 port 30003) into states.

An aircraft's position (MSG,3 airborne, MSG,2 surface) and its velocity
(MSG,4) arrive on separate lines; this decoder keeps the latest velocity and
call sign per ICAO 24-bit address and emits a state on each position. The
time is the message's "generated" date and time, read as UTC (dump1090 writes
UTC on a server kept in UTC); a line without one takes its received time.
Feet, knots and feet per minute become metres, metres per second.

Must never emit a state for a line that lacks a position, and never guess a
velocity: an aircraft whose velocity has not been seen is taken as stationary.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from detente.deconflict.attribution.registry import Resolve, unattributed
from detente.deconflict.track import TrackState
from detente.errors import IngestError

FT_M = 0.3048
KNOT_MPS = 1852.0 / 3600.0
FPM_MPS = FT_M / 60.0
MAX_AIRCRAFT = 50_000
"""ICAO addresses whose velocity is remembered; the oldest goes first past this."""

Refuse = Callable[[int, str], None]


@dataclass(slots=True)
class _Aircraft:
    speed_mps: float | None = None
    course_deg: float | None = None
    vrate_mps: float = 0.0
    callsign: str | None = None


def track_id(icao_hex: str) -> str:
    """The track id of an aircraft: its ICAO address, prefixed so it never collides with MMSIs."""
    return f"icao:{icao_hex.upper()}"


def _float(text: str, name: str) -> float | None:
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise IngestError(f"{text!r} is not a number", field=name) from None


def _time(date_s: str, time_s: str) -> float | None:
    if not date_s or not time_s:
        return None
    try:
        moment = datetime.strptime(f"{date_s} {time_s}", "%Y/%m/%d %H:%M:%S.%f")
    except ValueError:
        try:
            moment = datetime.strptime(f"{date_s} {time_s}", "%Y/%m/%d %H:%M:%S")
        except ValueError:
            raise IngestError(
                f"{date_s} {time_s} is not a date and time", field="generated"
            ) from None
    return moment.replace(tzinfo=UTC).timestamp()


class SbsDecoder:
    """Sans-I/O decoder of BaseStation lines, merging velocity into positions."""

    def __init__(self) -> None:
        self.aircraft: dict[str, _Aircraft] = {}
        self.resolve: Resolve = unattributed

    def feed(
        self, line: str, received_t: float, line_no: int, refuse: Refuse
    ) -> list[TrackState] | None:
        """A state for a position line; ``None`` for lines that carry nothing to use."""
        fields = line.split(",")
        if fields[0] != "MSG":
            if fields[0] in ("SEL", "ID", "AIR", "STA", "CLK"):
                return None  # BaseStation's non-message records
            raise IngestError("not an SBS-1 MSG line", field="sbs")
        if len(fields) < 22:
            raise IngestError(f"MSG line has {len(fields)} fields, expected 22", field="sbs")
        kind, hex_ident = fields[1], fields[4].strip()
        if len(hex_ident) != 6:
            raise IngestError(f"hex ident {hex_ident!r} is not 6 hex digits", field="sbs.hex_ident")
        try:
            int(hex_ident, 16)
        except ValueError:
            raise IngestError(
                f"hex ident {hex_ident!r} is not hexadecimal", field="sbs.hex_ident"
            ) from None
        if kind not in "12345678" or len(kind) != 1:
            raise IngestError(
                f"transmission type {kind!r} is not 1..8", field="sbs.transmission_type"
            )
        key = hex_ident.upper()
        plane = self._aircraft(key)
        callsign = fields[10].strip()
        if callsign:
            plane.callsign = callsign
        speed_kn = _float(fields[12], "sbs.ground_speed")
        track_deg = _float(fields[13], "sbs.track")
        vrate = _float(fields[16], "sbs.vertical_rate")
        if speed_kn is not None and track_deg is not None:
            if speed_kn < 0 or not 0 <= track_deg <= 360:
                raise IngestError("ground speed or track out of range", field="sbs.ground_speed")
            plane.speed_mps, plane.course_deg = speed_kn * KNOT_MPS, track_deg % 360.0
        if vrate is not None:
            plane.vrate_mps = vrate * FPM_MPS
        lat, lon = _float(fields[14], "sbs.lat"), _float(fields[15], "sbs.lon")
        if kind not in "23" or lat is None or lon is None:
            return None
        if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
            raise IngestError(f"position {lat},{lon} out of range", field="sbs.lat")
        alt_ft = _float(fields[11], "sbs.altitude")
        t = _time(fields[6], fields[7])
        moving = plane.speed_mps is not None and plane.course_deg is not None
        track_key = track_id(key)
        party, name = self.resolve(track_key, plane.callsign, None)
        return [
            TrackState(
                track=track_key,
                t=received_t if t is None else t,
                lat_deg=lat,
                lon_deg=lon,
                speed_mps=plane.speed_mps if moving and plane.speed_mps is not None else 0.0,
                course_deg=plane.course_deg if moving and plane.course_deg is not None else 0.0,
                alt_m=0.0 if alt_ft is None or kind == "2" else alt_ft * FT_M,
                vrate_mps=plane.vrate_mps if kind == "3" else 0.0,
                domain="air",
                party=party,
                name=name,
            )
        ]

    def _aircraft(self, key: str) -> _Aircraft:
        plane = self.aircraft.get(key)
        if plane is None:
            if len(self.aircraft) >= MAX_AIRCRAFT:
                del self.aircraft[next(iter(self.aircraft))]
            plane = self.aircraft[key] = _Aircraft()
        return plane

    def finish(self, refuse: Refuse) -> None:
        """Nothing is held back between lines, so nothing can be left incomplete."""

    def name_for(self, track: str) -> str | None:
        """The latest call sign of an aircraft, to back-fill states seen before it."""
        plane = self.aircraft.get(track.removeprefix("icao:"))
        return None if plane is None else plane.callsign
