"""Track states as JSON lines, validated strictly, for simulators and other systems.

One object per line::

    {"track": "USS X", "t": "2026-01-01T00:00:00Z", "lat": 10.0, "lon": 114.0,
     "speed_kn": 12.0, "course_deg": 90.0, "alt_m": 0, "vrate_mps": 0,
     "domain": "sea", "party": "US", "name": "..."}

A ``null`` optional value is the same as leaving it out.
``t`` is ISO-8601 with an explicit UTC offset or epoch seconds. Unknown keys,
wrong types (a boolean is not a number) and values out of range are refused
with the key named. Must never coerce or guess: a line is taken whole or not.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from detente.deconflict.attribution.registry import Resolve, unattributed
from detente.deconflict.track import TrackState
from detente.errors import IngestError

KNOT_MPS = 1852.0 / 3600.0
REQUIRED = ("track", "t", "lat", "lon", "speed_kn", "course_deg")
OPTIONAL = ("alt_m", "vrate_mps", "domain", "party", "name")
_PARTY = re.compile(r"^[A-Z]{2,8}$")
_NUMERIC_RANGES: dict[str, tuple[float, float]] = {
    "lat": (-90.0, 90.0),
    "lon": (-180.0, 180.0),
    "speed_kn": (0.0, 5000.0),
    "course_deg": (0.0, 360.0),
    "alt_m": (-500.0, 100_000.0),
    "vrate_mps": (-500.0, 500.0),
}

Refuse = Callable[[int, str], None]


def _number(obj: dict[str, Any], key: str) -> float:
    value = obj[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise IngestError(f"must be a number, got {type(value).__name__}", field=key)
    low, high = _NUMERIC_RANGES[key]
    number = float(value)
    if not (math.isfinite(number) and low <= number <= high):
        raise IngestError(f"{value} is outside {low}..{high}", field=key)
    return number


def _text(obj: dict[str, Any], key: str, *, max_len: int = 200) -> str:
    value = obj[key]
    if not isinstance(value, str) or not value.strip():
        raise IngestError("must be a non-empty string", field=key)
    if len(value) > max_len:
        raise IngestError(f"longer than {max_len} characters", field=key)
    return value


def parse_time(value: object) -> float:
    """Epoch seconds from an ISO-8601 UTC string or a number of epoch seconds."""
    if isinstance(value, bool):
        raise IngestError("must be ISO-8601 text or epoch seconds, got bool", field="t")
    if isinstance(value, int | float):
        if not math.isfinite(value) or value < 0:
            raise IngestError(f"{value} is not a valid epoch time", field="t")
        return float(value)
    if not isinstance(value, str):
        raise IngestError(
            f"must be ISO-8601 text or epoch seconds, got {type(value).__name__}", field="t"
        )
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise IngestError(f"{value!r} is not ISO-8601", field="t") from None
    if moment.tzinfo is None:
        raise IngestError(f"{value!r} has no UTC offset", field="t")
    return moment.timestamp()


def parse_state(line: str, resolve: Resolve = unattributed) -> TrackState:
    """One validated state from one JSON line, attributed by ``resolve``."""
    try:
        obj = json.loads(line)
    except (json.JSONDecodeError, RecursionError):
        raise IngestError("not valid JSON", field="json") from None
    if not isinstance(obj, dict):
        raise IngestError("must be a JSON object", field="json")
    unknown = sorted(set(obj) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        raise IngestError("unknown key", field=unknown[0])
    for key in REQUIRED:
        if key not in obj:
            raise IngestError("is required", field=key)
    domain = obj.get("domain") or "sea"
    if domain not in ("sea", "air"):
        raise IngestError(f"{domain!r} is not 'sea' or 'air'", field="domain")
    party: str | None = None
    if obj.get("party") is not None:
        party = _text(obj, "party")
        if not _PARTY.match(party):
            raise IngestError(f"{party!r} is not 2-8 upper-case letters", field="party")
    name = _text(obj, "name") if obj.get("name") is not None else None
    track = _text(obj, "track")
    party, name = resolve(track, name, party)
    return TrackState(
        track=track,
        t=parse_time(obj["t"]),
        lat_deg=_number(obj, "lat"),
        lon_deg=_number(obj, "lon"),
        speed_mps=_number(obj, "speed_kn") * KNOT_MPS,
        course_deg=_number(obj, "course_deg") % 360.0,
        alt_m=_number(obj, "alt_m") if obj.get("alt_m") is not None else 0.0,
        vrate_mps=_number(obj, "vrate_mps") if obj.get("vrate_mps") is not None else 0.0,
        domain="air" if domain == "air" else "sea",
        party=party,
        name=name,
    )


class JsonlDecoder:
    """Stateless but shaped like the other decoders so ``StateDecoder`` can hold any."""

    def __init__(self) -> None:
        self.resolve: Resolve = unattributed

    def feed(
        self, line: str, received_t: float, line_no: int, refuse: Refuse
    ) -> list[TrackState] | None:
        """One state per line; the received time is unused, every line carries ``t``."""
        return [parse_state(line, self.resolve)]

    def finish(self, refuse: Refuse) -> None:
        """Nothing is held back between lines."""

    def name_for(self, track: str) -> str | None:
        """JSON lines name themselves; there is nothing to back-fill."""
        return None
