"""An activity notice or a plan from one GeoJSON file, as planners draw it.

The FeatureCollection's own ``properties`` (or, failing that, the first
feature's) give ``kind``, ``title`` and ``description``; every feature is one
volume (see ``geojson_io`` for the per-feature properties). Unlike the
offline conflict check, a notice is all or nothing: one invalid feature
rejects the file, naming the feature and the field.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from detente.deconflict.geojson_io import read_features
from detente.errors import IngestError, ValidationError


def read_notice(data: Any, *, party: str, source: str = "input") -> dict[str, Any]:
    """The body of an ``activity_notice`` (kind, title, description, volumes) from GeoJSON."""
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ValidationError(f"{source} is not a GeoJSON FeatureCollection", field="type")
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise ValidationError(f"{source} has no features", field="features")
    head = data.get("properties") or (features[0].get("properties") or {})
    if not isinstance(head, dict):
        raise ValidationError("must be an object", field="properties")
    kind, title = head.get("kind"), head.get("title")
    if not kind:
        raise ValidationError("the notice needs a kind", field="properties.kind")
    if not title:
        raise ValidationError("the notice needs a title", field="properties.title")
    patched = []
    for feature in features:
        props = dict(feature.get("properties") or {}) if isinstance(feature, dict) else {}
        props.setdefault("party", party)
        props.setdefault("activity", "notice")
        props.setdefault("kind", kind)
        patched.append({**feature, "properties": props} if isinstance(feature, dict) else feature)
    good, bad = read_features({"type": "FeatureCollection", "features": patched}, source=source)
    if bad:
        raise ValidationError(bad[0].reason, field=f"features[{bad[0].id}]")
    return {
        "kind": kind,
        "title": title,
        "description": head.get("description", ""),
        "volumes": [f.volume.model_dump(mode="json") for f in good],
    }


def load_notice(path: Path, *, party: str) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise IngestError(f"cannot read {path}: {exc}", field="file") from exc
    except json.JSONDecodeError as exc:
        raise IngestError(f"{path} is not JSON: {exc.msg}", line=exc.lineno, field="file") from exc
    return read_notice(data, party=party, source=path.name)
