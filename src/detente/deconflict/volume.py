"""4D volumes: an area, an altitude band and a UTC time window, validated on arrival.

A volume is what one party promises to occupy. It is part of signed entry
bodies, so it is a frozen pydantic model that rejects anything ambiguous with
a reason naming the field (``volumes[2].polygon.coordinates[0]``): unclosed or
self-intersecting rings, too many vertices, coordinates out of range, radius
out of bounds, a band upside down, a window backwards or too long, unknown
units or references.

Areas are GeoJSON (RFC 7946): a Polygon, a MultiPolygon (an area across the
antimeridian arrives cut in two and is treated as one area), or a circle on
the WGS-84 ellipsoid. This module must never compute conflicts or touch the
network; it only says what a valid volume is.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

import numpy as np
import shapely
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator
from pydantic import ValidationError as PydanticValidationError

from detente import errors
from detente.errors import ValidationError
from detente.geo.geodesic import circle_covers_pole

MAX_VERTICES = 1_000
"""Most positions one volume's area may have, over all its rings."""
MAX_RADIUS_M = 1_000_000.0
MAX_WINDOW_S = 90 * 86_400.0
MIN_ALT_M = -12_000.0
"""Deepest band accepted (below the deepest ocean floor)."""
MAX_ALT_M = 1_000_000.0
"""Highest band accepted (launch windows reach space)."""
FT_TO_M = 0.3048

AltitudeUnits = Literal["m", "ft"]
AltitudeReference = Literal["MSL", "SFC"]
"""Above mean sea level or above the surface. Détente treats both as one datum,
which is exact at sea, where surface-only activities live; over land a band
above the surface is compared as if the ground were at sea level."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _check_position(position: tuple[float, float]) -> tuple[float, float]:
    lon, lat = position
    if not -180.0 <= lon <= 180.0:
        raise ValueError(f"longitude {lon} is outside -180..180")
    if not -90.0 <= lat <= 90.0:
        raise ValueError(f"latitude {lat} is outside -90..90")
    return position


Position = Annotated[tuple[float, float], AfterValidator(_check_position)]
"""[longitude, latitude] in degrees, the GeoJSON order."""


def _check_ring(ring: list[Position]) -> list[Position]:
    if len(ring) < 4:
        raise ValueError(f"a ring needs at least 4 positions, got {len(ring)}")
    if ring[0] != ring[-1]:
        raise ValueError("ring is not closed: the last position must equal the first")
    xy = np.asarray(ring, dtype=np.float64)
    if not shapely.is_simple(shapely.linearrings(xy)):
        raise ValueError("ring intersects itself")
    x, y = xy[:, 0], xy[:, 1]
    if float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1])) == 0.0:
        raise ValueError("ring encloses no area")
    return ring


Ring = Annotated[list[Position], AfterValidator(_check_ring)]


def rings_polygon(rings: Sequence[Sequence[tuple[float, float]]]) -> Any:
    """A shapely polygon from GeoJSON rings (exterior first), built without copies in Python."""
    shell = np.asarray(rings[0], dtype=np.float64)
    holes = [np.asarray(ring, dtype=np.float64) for ring in rings[1:]]
    return shapely.polygons(shell, holes=holes or None)


def _check_rings(rings: list[Ring]) -> str | None:
    lons = [lon for lon, _ in rings[0]]
    if max(lons) - min(lons) > 180.0:
        return "spans more than 180 degrees of longitude; cut it at the antimeridian (RFC 7946)"
    polygon = rings_polygon(rings)
    if not shapely.is_valid(polygon):
        return f"polygon is not valid: {shapely.is_valid_reason(polygon)}"
    return None


class PolygonArea(_Frozen):
    """A GeoJSON Polygon: an exterior ring and optional holes."""

    type: Literal["Polygon"]
    coordinates: list[Ring] = Field(min_length=1)

    @model_validator(mode="after")
    def _valid(self) -> PolygonArea:
        count = sum(len(ring) for ring in self.coordinates)
        if count > MAX_VERTICES:
            raise ValueError(f"{count} positions exceed the limit of {MAX_VERTICES}")
        reason = _check_rings(self.coordinates)
        if reason:
            raise ValueError(reason)
        return self


class MultiPolygonArea(_Frozen):
    """A GeoJSON MultiPolygon; RFC 7946 cuts an area across the antimeridian into parts."""

    type: Literal["MultiPolygon"]
    coordinates: list[Annotated[list[Ring], Field(min_length=1)]] = Field(min_length=1)

    @model_validator(mode="after")
    def _valid(self) -> MultiPolygonArea:
        count = sum(len(ring) for part in self.coordinates for ring in part)
        if count > MAX_VERTICES:
            raise ValueError(f"{count} positions exceed the limit of {MAX_VERTICES}")
        for index, part in enumerate(self.coordinates):
            reason = _check_rings(part)
            if reason:
                raise ValueError(f"part {index}: {reason}")
        parts = [rings_polygon(part) for part in self.coordinates]
        for i, first in enumerate(parts):
            for j in range(i + 1, len(parts)):
                if shapely.area(shapely.intersection(first, parts[j])) > 0.0:
                    raise ValueError(f"parts {i} and {j} overlap")
        return self


class CircleArea(_Frozen):
    """A geodesic circle on WGS-84: every point within ``radius_m`` of ``center``."""

    type: Literal["Circle"]
    center: Position
    radius_m: float = Field(gt=0.0, le=MAX_RADIUS_M)

    @model_validator(mode="after")
    def _valid(self) -> CircleArea:
        lon, lat = self.center
        if circle_covers_pole(lon, lat, self.radius_m):
            raise ValueError("circle reaches a pole; draw it as a polygon instead")
        return self


class AltitudeBand(_Frozen):
    """Lower and upper bounds; a band 0..0 above the surface means on the sea surface only."""

    lower: float
    upper: float
    units: AltitudeUnits = "m"
    reference: AltitudeReference = "MSL"

    @model_validator(mode="after")
    def _ordered(self) -> AltitudeBand:
        if self.lower > self.upper:
            raise ValueError(f"lower {self.lower} is above upper {self.upper}")
        if self.lower_m < MIN_ALT_M or self.upper_m > MAX_ALT_M:
            raise ValueError(f"band must lie within {MIN_ALT_M:.0f}..{MAX_ALT_M:.0f} m")
        return self

    @property
    def lower_m(self) -> float:
        return self.lower * (FT_TO_M if self.units == "ft" else 1.0)

    @property
    def upper_m(self) -> float:
        return self.upper * (FT_TO_M if self.units == "ft" else 1.0)


class TimeWindow(_Frozen):
    """A UTC window; start and end must carry a timezone so nobody guesses one."""

    start: AwareDatetime
    end: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> TimeWindow:
        for name, moment in (("start", self.start), ("end", self.end)):
            if moment.utcoffset() != timedelta(0):
                raise ValueError(
                    f"{name} must be in UTC (suffix Z), got offset {moment.utcoffset()}"
                )
        if self.end <= self.start:
            raise ValueError("end is not after start")
        if (self.end - self.start) > timedelta(seconds=MAX_WINDOW_S):
            raise ValueError(f"window is longer than {MAX_WINDOW_S / 86_400:.0f} days")
        return self

    @property
    def start_s(self) -> float:
        return self.start.timestamp()

    @property
    def end_s(self) -> float:
        return self.end.timestamp()


class Volume(_Frozen):
    """One 4D volume: exactly one of ``polygon`` or ``circle``, a band and a window."""

    polygon: PolygonArea | MultiPolygonArea | None = Field(default=None, discriminator="type")
    circle: CircleArea | None = None
    altitude: AltitudeBand
    window: TimeWindow

    @model_validator(mode="after")
    def _one_area(self) -> Volume:
        if (self.polygon is None) == (self.circle is None):
            raise ValueError("give exactly one of polygon or circle")
        return self


def field_path(loc: Sequence[int | str]) -> str:
    """``("volumes", 2, "polygon")`` -> ``volumes[2].polygon``: the name an operator reads."""
    return errors.field_path(loc, skip=("Polygon", "MultiPolygon"))


def to_validation_error(exc: PydanticValidationError, *, prefix: str = "") -> ValidationError:
    """The first pydantic complaint as our error, field named with brackets for indexes."""
    first = exc.errors()[0]
    field = field_path(first["loc"])
    if prefix:
        field = f"{prefix}.{field}" if field and not field.startswith("[") else prefix + field
    reason = str(first["msg"]).removeprefix("Value error, ")
    return ValidationError(reason, field=field or None)


def parse_volume(data: object, *, field: str = "volume") -> Volume:
    """A volume from JSON data, or a ``ValidationError`` naming the field."""
    try:
        return Volume.model_validate(data)
    except PydanticValidationError as exc:
        raise to_validation_error(exc, prefix=field) from exc


def utc(epoch_s: float) -> datetime:
    """Epoch seconds as an aware UTC datetime, the form windows carry at the edges."""
    return datetime.fromtimestamp(epoch_s, tz=UTC)
