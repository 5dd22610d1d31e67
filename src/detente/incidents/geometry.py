"""The encounter geometry of an incident, and its map plot.

Read from the entries on the incident's timeline: every encounter alert
gives each unit's reported position, course and speed at that moment and
the predicted closest point of approach; activity notices give volumes.
Tracks are the reported positions in time order, extended by dead
reckoning over the latest alert's time to CPA; the CPA points are where
each unit would then be, so they lie the predicted CPA distance apart.
Plotted in a local east-north plane in kilometres around the geometry's
centre, so distances read true.

This module must never invent a position: only reported and dead-reckoned
ones, labelled as such.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from detente.deconflict.activity import ActivityNoticeBody, ActivityUpdateBody
from detente.deconflict.alert import EncounterAlertBody
from detente.geo.distance import destination_deg, haversine_m
from detente.geo.geodesic import circle_ring
from detente.incidents.state import IncidentView
from detente.wire.entry import parse_t


@dataclass(frozen=True, slots=True)
class TrackPoint:
    lat_deg: float
    lon_deg: float
    t: datetime
    predicted: bool


@dataclass
class Geometry:
    """What the plot draws, in degrees; kept so tests and reports can check it."""

    tracks: dict[str, list[TrackPoint]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    cpa: dict[str, TrackPoint] = field(default_factory=dict)
    """Each unit's dead-reckoned position at the predicted CPA time."""
    cpa_m: float | None = None
    cpa_time: datetime | None = None
    volumes: list[tuple[str, list[tuple[float, float]]]] = field(default_factory=list)
    """(title, ring of (lon, lat)) per activity volume."""

    @property
    def empty(self) -> bool:
        return not self.tracks and not self.volumes

    def cpa_separation_m(self) -> float | None:
        """Distance between the two dead-reckoned CPA positions."""
        if len(self.cpa) != 2:
            return None
        p, q = self.cpa.values()
        return float(haversine_m(p.lat_deg, p.lon_deg, q.lat_deg, q.lon_deg))


def encounter_geometry(view: IncidentView) -> Geometry:
    """The geometry the incident's timeline states."""
    geometry = Geometry()
    latest: EncounterAlertBody | None = None
    for row in view.timeline:
        if row.kind == "encounter_alert":
            alert = EncounterAlertBody.model_validate(dict(row.body))
            at = parse_t(row.t)
            for unit in (alert.a, alert.b):
                point = TrackPoint(unit.lat_deg, unit.lon_deg, at, predicted=False)
                geometry.tracks.setdefault(unit.track, []).append(point)
                geometry.labels[unit.track] = unit.name or unit.track
            latest = alert
        elif row.kind in ("activity_notice", "activity_update"):
            model = ActivityNoticeBody if row.kind == "activity_notice" else ActivityUpdateBody
            activity = model.model_validate(dict(row.body))
            for volume in activity.volumes:
                geometry.volumes.extend((activity.title, ring) for ring in _rings(volume))
    if latest is not None:
        geometry.cpa_m = latest.cpa_m
        geometry.cpa_time = latest.cpa_time
        for unit in (latest.a, latest.b):
            # tcpa_s counts from the instant the alert's positions were screened at, which
            # is the alert's own time base (a simulator's clock may differ from the entry's).
            lat, lon = destination_deg(
                unit.lat_deg, unit.lon_deg, unit.course_deg, unit.speed_mps * latest.tcpa_s
            )
            point = TrackPoint(float(lat), float(lon), latest.cpa_time, predicted=True)
            geometry.tracks[unit.track].append(point)
            geometry.cpa[unit.track] = point
    return geometry


def _rings(volume: object) -> list[list[tuple[float, float]]]:
    data = volume.model_dump(mode="json")  # type: ignore[attr-defined]
    if data.get("circle"):
        circle = data["circle"]
        lon, lat = circle["center"]
        ring = circle_ring(float(lon), float(lat), float(circle["radius_m"]))
        return [[(float(x), float(y)) for x, y in ring]]
    polygon = data["polygon"]
    if polygon["type"] == "Polygon":
        return [[(float(x), float(y)) for x, y in polygon["coordinates"][0]]]
    return [[(float(x), float(y)) for x, y in poly[0]] for poly in polygon["coordinates"]]


def _centre(geometry: Geometry) -> tuple[float, float]:
    lats = [p.lat_deg for pts in geometry.tracks.values() for p in pts]
    lons = [p.lon_deg for pts in geometry.tracks.values() for p in pts]
    for _, ring in geometry.volumes:
        lons.extend(x for x, _ in ring)
        lats.extend(y for _, y in ring)
    return float(np.mean(lats)), float(np.mean(lons))


def _km(lat0: float, lon0: float, lat: float, lon: float) -> tuple[float, float]:
    """Local east/north kilometres; an equirectangular plane is exact enough at plot scale."""
    east = (((lon - lon0 + 180.0) % 360.0) - 180.0) * np.cos(np.radians(lat0)) * 111.32
    return float(east), float((lat - lat0) * 110.574)


def plot_png(geometry: Geometry, *, title: str = "") -> bytes:
    """The map plot as PNG bytes (no pyplot: no global figure state)."""
    from matplotlib.figure import Figure  # imported here: 2 s of start-up for every node otherwise

    figure = Figure(figsize=(7.0, 6.0), dpi=100)
    axes = figure.add_subplot()
    if geometry.empty:
        axes.text(0.5, 0.5, "no encounter geometry recorded", ha="center", va="center")
        axes.set_axis_off()
    else:
        lat0, lon0 = _centre(geometry)
        for name, ring in geometry.volumes:
            xy = np.array([_km(lat0, lon0, lat, lon) for lon, lat in ring])
            axes.fill(xy[:, 0], xy[:, 1], alpha=0.2, label=f"volume: {name}")
        colours = ["tab:blue", "tab:red", "tab:green", "tab:purple"]
        for index, (track, points) in enumerate(geometry.tracks.items()):
            colour = colours[index % len(colours)]
            reported = [_km(lat0, lon0, p.lat_deg, p.lon_deg) for p in points if not p.predicted]
            every = [_km(lat0, lon0, p.lat_deg, p.lon_deg) for p in points]
            ex, ny = zip(*every, strict=True)
            axes.plot(ex, ny, linestyle="--", color=colour, linewidth=1)
            rx, ry = zip(*reported, strict=True)
            axes.plot(rx, ry, marker="o", color=colour, label=geometry.labels[track])
        if len(geometry.cpa) == 2:
            (p, q) = [_km(lat0, lon0, c.lat_deg, c.lon_deg) for c in geometry.cpa.values()]
            axes.plot([p[0], q[0]], [p[1], q[1]], color="black", marker="x", label="predicted CPA")
            axes.annotate(
                f"CPA {geometry.cpa_m or 0:.0f} m",
                ((p[0] + q[0]) / 2, (p[1] + q[1]) / 2),
                textcoords="offset points",
                xytext=(8, 8),
            )
        axes.set_aspect("equal", adjustable="datalim")
        axes.set_xlabel(f"east of {lat0:.4f}°, {lon0:.4f}° (km)")
        axes.set_ylabel("north (km)")
        axes.grid(True, alpha=0.3)
        axes.legend(loc="best", fontsize="small")
    if title:
        axes.set_title(title, fontsize="medium")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
