"""Volumes from GeoJSON FeatureCollections, the form planners already draw areas in.

Each feature is one volume: a Polygon or MultiPolygon, or a Point with
``radius_m``; its properties give ``party``, ``activity``, ``kind``,
``start`` and ``end`` (RFC 3339 with a zone), ``alt_lower_m`` and
``alt_upper_m`` (and optionally ``alt_ref``: ``MSL`` or ``SFC``). A bad
feature is reported with its id and the reason, in the feature's own terms
(``properties.start``, ``geometry.coordinates[0]``), and never stops the rest
of the file from being read.

This module must never decide conflicts; an unreadable file (not JSON, not a
FeatureCollection) raises ``IngestError``, everything else is data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError as PydanticValidationError

from detente.deconflict.activity import ACTIVITY_KINDS
from detente.deconflict.volume import Volume, field_path
from detente.errors import IngestError

_FIELD_NAMES = (
    ("circle.center", "geometry.coordinates"),
    ("circle.radius_m", "properties.radius_m"),
    ("circle", "geometry"),
    ("polygon", "geometry"),
    ("altitude.lower", "properties.alt_lower_m"),
    ("altitude.upper", "properties.alt_upper_m"),
    ("altitude.reference", "properties.alt_ref"),
    ("altitude", "properties.alt_lower_m"),
    ("window.start", "properties.start"),
    ("window.end", "properties.end"),
    ("window", "properties.end"),
)


@dataclass(frozen=True, slots=True)
class FeatureVolume:
    """A valid feature: who notified it, for which activity, and its volume."""

    id: str
    party: str
    activity: str
    kind: str
    volume: Volume


@dataclass(frozen=True, slots=True)
class InvalidFeature:
    """A feature that was not accepted, and why, naming the feature's field."""

    id: str
    reason: str


def load_features(path: Path) -> tuple[list[FeatureVolume], list[InvalidFeature]]:
    """Read one FeatureCollection file; ``IngestError`` only if the file itself is unusable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise IngestError(f"cannot read {path}: {exc}", field="file") from exc
    except json.JSONDecodeError as exc:
        raise IngestError(f"{path} is not JSON: {exc.msg}", line=exc.lineno, field="file") from exc
    return read_features(data, source=path.name)


def read_features(
    data: Any, *, source: str = "input"
) -> tuple[list[FeatureVolume], list[InvalidFeature]]:
    """Split a parsed FeatureCollection into accepted volumes and rejected features."""
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise IngestError(f"{source} is not a GeoJSON FeatureCollection", field="type")
    features = data.get("features")
    if not isinstance(features, list):
        raise IngestError(f"{source} has no features list", field="features")
    good: list[FeatureVolume] = []
    bad: list[InvalidFeature] = []
    for number, feature in enumerate(features):
        fid = _feature_id(feature, f"{source}#{number}")
        try:
            good.append(_feature(fid, feature))
        except _FeatureError as exc:
            bad.append(InvalidFeature(fid, f"{exc.field}: {exc.reason}"))
    return good, bad


class _FeatureError(Exception):
    def __init__(self, reason: str, field: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.reason = reason
        self.field = field


def _feature_id(feature: Any, fallback: str) -> str:
    if isinstance(feature, dict):
        fid = feature.get("id")
        if fid is None and isinstance(feature.get("properties"), dict):
            fid = feature["properties"].get("id")
        if isinstance(fid, str | int) and not isinstance(fid, bool):
            return str(fid)
    return fallback


def _feature(fid: str, feature: Any) -> FeatureVolume:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise _FeatureError("not a GeoJSON Feature", "type")
    props = feature.get("properties")
    if not isinstance(props, dict):
        raise _FeatureError("a feature needs properties", "properties")
    party = props.get("party")
    if (
        not isinstance(party, str)
        or not party.isalpha()
        or not party.isupper()
        or not 2 <= len(party) <= 8
    ):
        raise _FeatureError("party must be 2-8 upper-case letters, e.g. US", "properties.party")
    kind = props.get("kind", "other")
    if kind not in ACTIVITY_KINDS:
        raise _FeatureError(f"unknown kind {kind!r}", "properties.kind")
    activity = props.get("activity", fid)
    if not isinstance(activity, str | int) or isinstance(activity, bool):
        raise _FeatureError("activity must be a string", "properties.activity")
    volume = _volume(feature.get("geometry"), props)
    return FeatureVolume(fid, party, str(activity), str(kind), volume)


def _volume(geometry: Any, props: dict[str, Any]) -> Volume:
    if not isinstance(geometry, dict):
        raise _FeatureError("a feature needs a geometry", "geometry")
    gtype = geometry.get("type")
    data: dict[str, Any] = {
        "altitude": {
            "lower": props.get("alt_lower_m"),
            "upper": props.get("alt_upper_m"),
            "units": "m",
            "reference": props.get("alt_ref", "MSL"),
        },
        "window": {"start": props.get("start"), "end": props.get("end")},
    }
    if gtype in ("Polygon", "MultiPolygon"):
        data["polygon"] = {"type": gtype, "coordinates": geometry.get("coordinates")}
    elif gtype == "Point":
        data["circle"] = {
            "type": "Circle",
            "center": geometry.get("coordinates"),
            "radius_m": props.get("radius_m"),
        }
    else:
        raise _FeatureError(
            f"geometry type {gtype!r} is not Polygon, MultiPolygon or Point", "geometry.type"
        )
    try:
        return Volume.model_validate(data)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        raise _FeatureError(
            str(first["msg"]).removeprefix("Value error, "),
            _feature_field(field_path(first["loc"])),
        ) from exc


def _feature_field(volume_field: str) -> str:
    """A volume's field name in the terms of the feature the user wrote."""
    for ours, theirs in _FIELD_NAMES:
        if volume_field == ours or volume_field.startswith((ours + ".", ours + "[")):
            return theirs + volume_field[len(ours) :]
    return volume_field or "feature"
