"""The encounter geometry read from the timeline and its plot: the real positions, drawn."""

from __future__ import annotations

import io

import numpy as np
from matplotlib.image import imread

from detente.incidents.geometry import encounter_geometry, plot_png
from detente.incidents.state import IncidentBook, IncidentView
from tests.incidents.builders import h, head_on_alert, item, opening


def _view(offset_north_m: float = 500.0) -> IncidentView:
    alert = head_on_alert(offset_north_m=offset_north_m)
    book = IncidentBook(("CN", "US"))
    book.feed(
        [
            item(5, "US", 0, None, kind="encounter_alert", raw=alert.model_dump(mode="json")),
            opening(10, "US", 1, links=[{"kind": "entry", "id": h(5)}]),
        ]
    )
    return book.view(h(10))


def test_geometry_dead_reckons_both_ships_to_the_predicted_cpa() -> None:
    geometry = encounter_geometry(_view())
    assert set(geometry.tracks) == {"mmsi:412000001", "mmsi:369000002"}
    a, b = geometry.cpa["mmsi:412000001"], geometry.cpa["mmsi:369000002"]
    # Reciprocal courses meet half-way along the 0.1° run; CPA is the 500 m offset.
    assert abs(a.lon_deg - 0.05) < 2e-4 and abs(b.lon_deg - 0.05) < 2e-4
    separation = geometry.cpa_separation_m()
    assert separation is not None and abs(separation - 500.0) < 10.0
    assert geometry.cpa_m == 500.0 and a.predicted and b.predicted


def test_geometry_scales_with_the_reported_offset() -> None:
    wide = encounter_geometry(_view(offset_north_m=2000.0)).cpa_separation_m()
    assert wide is not None and abs(wide - 2000.0) < 20.0


def test_plot_is_a_real_picture_of_both_tracks() -> None:
    png = plot_png(encounter_geometry(_view()), title="Critical encounter")
    assert png.startswith(b"\x89PNG") and len(png) > 15_000
    pixels = imread(io.BytesIO(png))
    assert pixels.shape[:2] == (600, 700)
    rgb = pixels[:, :, :3]
    blue = np.array([0.122, 0.467, 0.706])  # tab:blue, the first track
    red = np.array([0.839, 0.153, 0.157])  # tab:red, the second
    assert (np.abs(rgb - blue).sum(axis=2) < 0.05).sum() > 200
    assert (np.abs(rgb - red).sum(axis=2) < 0.05).sum() > 200


def test_plot_without_geometry_says_so() -> None:
    book = IncidentBook(("CN", "US"))
    book.feed([opening(10, "US", 1)])
    geometry = encounter_geometry(book.view(h(10)))
    assert geometry.empty
    assert plot_png(geometry).startswith(b"\x89PNG")


def test_activity_volumes_on_the_timeline_are_drawn() -> None:
    notice = {
        "kind": "live_fire",
        "title": "Gunnery exercise",
        "volumes": [
            {
                "circle": {"type": "Circle", "center": [0.05, 0.02], "radius_m": 3000},
                "altitude": {"lower": 0, "upper": 0, "reference": "SFC"},
                "window": {"start": "2026-11-27T08:00:00Z", "end": "2026-11-27T12:00:00Z"},
            },
            {
                "polygon": {
                    "type": "Polygon",
                    "coordinates": [[[0.0, 0.05], [0.02, 0.05], [0.02, 0.07], [0.0, 0.05]]],
                },
                "altitude": {"lower": 0, "upper": 0, "reference": "SFC"},
                "window": {"start": "2026-11-27T08:00:00Z", "end": "2026-11-27T12:00:00Z"},
            },
        ],
    }
    book = IncidentBook(("CN", "US"))
    book.feed(
        [
            item(6, "CN", 0, None, kind="activity_notice", raw=notice),
            opening(10, "US", 1, links=[{"kind": "entry", "id": h(6)}]),
        ]
    )
    geometry = encounter_geometry(book.view(h(10)))
    assert [name for name, _ in geometry.volumes] == ["Gunnery exercise"] * 2
    ring = np.array(geometry.volumes[0][1])
    # The circle's ring surrounds its centre at (about) its radius: 3 km is 0.027° here.
    assert abs(ring[:, 0].mean() - 0.05) < 1e-3 and 0.026 < ring[:, 1].max() - 0.02 < 0.029
    assert plot_png(geometry).startswith(b"\x89PNG")


def test_geometry_uses_the_alerts_own_time_base() -> None:
    """A simulator's clock may run apart from the entry's: the CPA still lands cpa_m apart."""
    alert = head_on_alert()
    book = IncidentBook(("CN", "US"))
    book.feed(
        [
            item(5, "US", 3600, None, kind="encounter_alert", raw=alert.model_dump(mode="json")),
            opening(10, "US", 3601, links=[{"kind": "entry", "id": h(5)}]),
        ]
    )
    separation = encounter_geometry(book.view(h(10))).cpa_separation_m()
    assert separation is not None and abs(separation - 500.0) < 10.0
