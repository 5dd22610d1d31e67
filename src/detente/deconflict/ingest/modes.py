"""Raw Mode-S / ADS-B hex (``*8D4840D6...;`` or plain hex) into states, via pyModeS.

pyModeS is GPL-3, so it is an optional extra (``detente[modes]``) imported only
when this decoder is built; without it the decoder refuses to start with a
``ConfigError`` saying what to install. Airborne positions (typecodes 9-18,
20-22) are resolved from an even/odd CPR pair of one aircraft no more than
``PAIR_WINDOW_S`` apart; velocities (typecode 19) and call signs (1-4) are
remembered per ICAO address and merged into the next position, as in SBS.

Must never emit a position from a frame whose CRC fails or from an unpaired
CPR frame, and must never import pyModeS at module import time.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from detente.deconflict.attribution.registry import Resolve, unattributed
from detente.deconflict.ingest.sbs import FPM_MPS, FT_M, KNOT_MPS, track_id
from detente.deconflict.track import TrackState
from detente.errors import ConfigError, IngestError

PAIR_WINDOW_S = 10.0
MAX_AIRCRAFT = 50_000
_HEX = re.compile(r"^\*?([0-9A-Fa-f]{28}|[0-9A-Fa-f]{14});?$")

Refuse = Callable[[int, str], None]


def load_pymodes() -> tuple[ModuleType, Callable[..., Any]]:
    """pyModeS and its CPR pair resolver, or a ConfigError naming the extra to install."""
    try:
        pms = importlib.import_module("pyModeS")
        position = importlib.import_module("pyModeS.position")
    except ImportError:
        raise ConfigError(
            "raw Mode-S input needs pyModeS>=3 (GPL-3): install detente[modes]", field="fmt"
        ) from None
    pair = getattr(position, "airborne_position_pair", None)
    if pair is None:
        raise ConfigError(
            "pyModeS is too old for raw Mode-S input: install detente[modes]", field="fmt"
        )
    return pms, pair


def looks_like_modes(line: str) -> bool:
    """Whether a line is a Mode-S frame in hex, the only form this decoder reads."""
    return _HEX.match(line) is not None


@dataclass(slots=True)
class _Frame:
    t: float
    cpr_lat: int
    cpr_lon: int
    alt_ft: float | None


@dataclass(slots=True)
class _Aircraft:
    even: _Frame | None = None
    odd: _Frame | None = None
    speed_mps: float | None = None
    course_deg: float | None = None
    vrate_mps: float = 0.0
    callsign: str | None = None


class ModesDecoder:
    """Sans-I/O decoder of Mode-S hex frames with CPR pairing per aircraft."""

    def __init__(self) -> None:
        self._pms, self._pair = load_pymodes()
        self.aircraft: dict[str, _Aircraft] = {}
        self.resolve: Resolve = unattributed

    def feed(
        self, line: str, received_t: float, line_no: int, refuse: Refuse
    ) -> list[TrackState] | None:
        """A state when a frame completes a CPR pair; ``None`` for frames with nothing to use."""
        match = _HEX.match(line)
        if match is None:
            raise IngestError("not a Mode-S frame in hex", field="modes")
        try:
            msg: dict[str, Any] = dict(self._pms.decode(match.group(1)))
        except Exception as exc:  # pyModeS raises several error types
            raise IngestError(f"frame does not decode: {exc}", field="modes") from None
        if msg.get("df") not in (17, 18):
            return None  # surveillance replies carry no position
        if msg.get("crc_valid") is not True:
            raise IngestError("CRC check failed", field="modes.crc")
        icao = str(msg["icao"]).upper()
        plane = self._aircraft(icao)
        typecode = msg.get("typecode")
        if not isinstance(typecode, int):
            return None
        if 1 <= typecode <= 4:
            callsign = str(msg.get("callsign") or "").strip("_ ")
            plane.callsign = callsign or plane.callsign
            return None
        if typecode == 19:
            self._velocity(plane, msg)
            return None
        if 9 <= typecode <= 18 or 20 <= typecode <= 22:
            return self._position(icao, plane, msg, received_t)
        return None

    def _velocity(self, plane: _Aircraft, msg: dict[str, Any]) -> None:
        speed_kn, track = msg.get("groundspeed"), msg.get("track")
        if isinstance(speed_kn, int | float) and isinstance(track, int | float):
            plane.speed_mps, plane.course_deg = float(speed_kn) * KNOT_MPS, float(track) % 360.0
        vrate = msg.get("vertical_rate")
        if isinstance(vrate, int | float):
            plane.vrate_mps = float(vrate) * FPM_MPS

    def _position(
        self, icao: str, plane: _Aircraft, msg: dict[str, Any], t: float
    ) -> list[TrackState] | None:
        alt = msg.get("altitude")
        frame = _Frame(
            t, int(msg["cpr_lat"]), int(msg["cpr_lon"]), float(alt) if alt is not None else None
        )
        even = msg.get("cpr_format") == 0
        if even:
            plane.even = frame
        else:
            plane.odd = frame
        if (
            plane.even is None
            or plane.odd is None
            or abs(plane.even.t - plane.odd.t) > PAIR_WINDOW_S
        ):
            return []
        resolved = self._pair(
            plane.even.cpr_lat,
            plane.even.cpr_lon,
            plane.odd.cpr_lat,
            plane.odd.cpr_lon,
            even_is_newer=even,
        )
        if resolved is None:
            return []
        lat, lon = float(resolved[0]), float(resolved[1])
        moving = plane.speed_mps is not None and plane.course_deg is not None
        track = track_id(icao)
        party, name = self.resolve(track, plane.callsign, None)
        return [
            TrackState(
                track=track,
                t=t,
                lat_deg=lat,
                lon_deg=lon,
                speed_mps=plane.speed_mps if moving and plane.speed_mps is not None else 0.0,
                course_deg=plane.course_deg if moving and plane.course_deg is not None else 0.0,
                alt_m=0.0 if frame.alt_ft is None else frame.alt_ft * FT_M,
                vrate_mps=plane.vrate_mps,
                domain="air",
                party=party,
                name=name,
            )
        ]

    def _aircraft(self, icao: str) -> _Aircraft:
        plane = self.aircraft.get(icao)
        if plane is None:
            if len(self.aircraft) >= MAX_AIRCRAFT:
                del self.aircraft[next(iter(self.aircraft))]
            plane = self.aircraft[icao] = _Aircraft()
        return plane

    def finish(self, refuse: Refuse) -> None:
        """An unpaired CPR frame is not an error: the aircraft just left coverage."""

    def name_for(self, track: str) -> str | None:
        """The latest call sign of an aircraft, to back-fill states seen before it."""
        plane = self.aircraft.get(track.removeprefix("icao:"))
        return None if plane is None else plane.callsign
