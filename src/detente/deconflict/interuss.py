"""Volumes from ASTM F3548 / InterUSS ``Volume4D`` JSON, so UTM data can be checked too.

Airspace authorities and drone-traffic services publish volumes in the
ASTM F3548-21 shape (``outline_polygon`` or ``outline_circle``,
``altitude_lower``/``altitude_upper`` with ``reference`` and ``units``,
``time_start``/``time_end`` with a ``format``). This adapter accepts both the
snake_case of the standard and the camelCase of older DSS requests, and
rejects what the standard rejects: unknown units, references or time formats,
both outlines at once, and everything ``Volume`` itself refuses.

Heights in the standard are above the WGS-84 ellipsoid (``W84``). They are
carried as Détente's ``MSL`` datum unchanged: exact when every volume being
compared comes from the same source, off by the geoid height (up to about
100 m) against volumes drawn above mean sea level. This module must never
decide conflicts.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError as PydanticValidationError

from detente.deconflict.volume import Volume, field_path
from detente.errors import ValidationError

_UNITS = {"M": "m"}
_REFERENCES = {"W84": "MSL"}
_TIME_FORMATS = ("RFC3339",)
_FIELD_NAMES = (
    ("polygon.coordinates[0]", "volume.outline_polygon.vertices"),
    ("polygon", "volume.outline_polygon"),
    ("circle.radius_m", "volume.outline_circle.radius.value"),
    ("circle.center", "volume.outline_circle.center"),
    ("circle", "volume.outline_circle"),
    ("altitude.lower", "volume.altitude_lower.value"),
    ("altitude.upper", "volume.altitude_upper.value"),
    ("altitude", "volume.altitude_lower"),
    ("window.start", "time_start.value"),
    ("window.end", "time_end.value"),
    ("window", "time_end"),
)


def _get(data: dict[str, Any], snake: str) -> Any:
    """A member by its snake_case name or its camelCase twin."""
    if snake in data:
        return data[snake]
    head, *rest = snake.split("_")
    return data.get(head + "".join(part.title() for part in rest))


def volume_from_volume4d(data: Any, *, field: str = "volume4d") -> Volume:
    """A ``Volume`` from one Volume4D object, or ``ValidationError`` naming its field."""
    if not isinstance(data, dict):
        raise ValidationError("a Volume4D must be an object", field=field)
    volume = _get(data, "volume")
    if not isinstance(volume, dict):
        raise ValidationError("missing volume", field=f"{field}.volume")
    ours: dict[str, Any] = {
        "altitude": {
            **_altitude(_get(volume, "altitude_lower"), f"{field}.volume.altitude_lower", "lower"),
            **_altitude(_get(volume, "altitude_upper"), f"{field}.volume.altitude_upper", "upper"),
        },
        "window": {
            "start": _time(_get(data, "time_start"), f"{field}.time_start"),
            "end": _time(_get(data, "time_end"), f"{field}.time_end"),
        },
    }
    polygon, circle = _get(volume, "outline_polygon"), _get(volume, "outline_circle")
    if (polygon is None) == (circle is None):
        raise ValidationError(
            "give exactly one of outline_polygon or outline_circle", field=f"{field}.volume"
        )
    if polygon is not None:
        ours["polygon"] = {
            "type": "Polygon",
            "coordinates": [_ring(polygon, f"{field}.volume.outline_polygon")],
        }
    else:
        ours["circle"] = _circle(circle, f"{field}.volume.outline_circle")
    try:
        return Volume.model_validate(ours)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        raise ValidationError(
            str(first["msg"]).removeprefix("Value error, "),
            field=f"{field}.{_their_field(field_path(first['loc']))}",
        ) from exc


def _altitude(data: Any, field: str, which: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ValidationError("missing altitude", field=field)
    units, reference = data.get("units"), data.get("reference")
    if units not in _UNITS:
        raise ValidationError(
            f"unknown units {units!r}; expected one of {sorted(_UNITS)}", field=f"{field}.units"
        )
    if reference not in _REFERENCES:
        raise ValidationError(
            f"unknown reference {reference!r}; expected one of {sorted(_REFERENCES)}",
            field=f"{field}.reference",
        )
    return {which: data.get("value"), "units": _UNITS[units], "reference": _REFERENCES[reference]}


def _time(data: Any, field: str) -> Any:
    if not isinstance(data, dict):
        raise ValidationError("missing time", field=field)
    if data.get("format") not in _TIME_FORMATS:
        raise ValidationError(
            f"unknown time format {data.get('format')!r}", field=f"{field}.format"
        )
    return data.get("value")


def _ring(polygon: Any, field: str) -> list[list[Any]]:
    vertices = polygon.get("vertices") if isinstance(polygon, dict) else None
    if not isinstance(vertices, list) or not all(isinstance(v, dict) for v in vertices):
        raise ValidationError("vertices must be a list of {lng, lat}", field=f"{field}.vertices")
    ring = [[v.get("lng"), v.get("lat")] for v in vertices]
    if ring and ring[0] != ring[-1]:
        ring.append(ring[0])  # F3548 outlines are implicitly closed
    return ring


def _circle(circle: Any, field: str) -> dict[str, Any]:
    if not isinstance(circle, dict):
        raise ValidationError("outline_circle must be an object", field=field)
    center, radius = circle.get("center") or {}, circle.get("radius") or {}
    if radius.get("units") not in _UNITS:
        raise ValidationError(
            f"unknown units {radius.get('units')!r}", field=f"{field}.radius.units"
        )
    return {
        "type": "Circle",
        "center": [center.get("lng"), center.get("lat")],
        "radius_m": radius.get("value"),
    }


def _their_field(ours: str) -> str:
    """A volume's field name in the standard's terms."""
    for mine, theirs in _FIELD_NAMES:
        if ours == mine or ours.startswith((mine + ".", mine + "[")):
            return theirs + ours[len(mine) :]
    return ours
