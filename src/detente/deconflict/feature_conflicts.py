"""All conflicting pairs among volumes read from GeoJSON features, as plain records.

The offline check a planner runs before a notice exists: every feature is
its own volume, keyed by its party and feature id, and every pair of
different parties' features is tested once through the index. The records
are flat and JSON-ready so the CLI and the API print the same thing.

This module must never print or read files; ``geojson_io`` reads, the CLI prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from detente.deconflict.conflict import NO_BUFFER, ActivityKey, Conflict, ConflictBuffer
from detente.deconflict.geojson_io import FeatureVolume
from detente.deconflict.index import ActivityIndex
from detente.types import JSONObject


@dataclass(frozen=True, slots=True)
class FeatureConflict:
    """Feature ``a`` against feature ``b`` (ids), with the overlap that proves it."""

    a: FeatureVolume
    b: FeatureVolume
    conflict: Conflict

    def to_dict(self) -> JSONObject:
        overlap = self.conflict.overlap
        return {
            "a": self.a.id,
            "b": self.b.id,
            "parties": [self.a.party, self.b.party],
            "activities": [self.a.activity, self.b.activity],
            "start": self.conflict.start.isoformat().replace("+00:00", "Z"),
            "end": self.conflict.end.isoformat().replace("+00:00", "Z"),
            "alt_lower_m": overlap.alt_lower_m,
            "alt_upper_m": overlap.alt_upper_m,
            "area_km2": round(self.conflict.area_km2, 6),
            "region": self.conflict.region_geojson(),
        }


def feature_conflicts(
    features: Sequence[FeatureVolume], buffer: ConflictBuffer = NO_BUFFER
) -> list[FeatureConflict]:
    """Every conflicting pair of features of different parties, ordered by feature ids."""
    by_key: dict[ActivityKey, FeatureVolume] = {}
    index = ActivityIndex(buffer)
    items = []
    for feature in features:
        key = ActivityKey(feature.party, feature.id)
        by_key[key] = feature
        items.append((key, [feature.volume]))
    index.add_many(items)
    found = []
    for conflict in index.all_pairs():
        assert conflict.a is not None  # all_pairs always names both sides
        first, second = by_key[conflict.a], by_key[conflict.b]
        if (first.id, first.party) > (second.id, second.party):
            first, second = second, first
        found.append(FeatureConflict(first, second, conflict))
    found.sort(key=lambda pair: (pair.a.id, pair.b.id))
    return found
