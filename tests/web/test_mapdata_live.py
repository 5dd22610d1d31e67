"""The live map keeps a unit that went silent, marked stale, while replay leaves it out.

A real node service on SQLite in one process; time moves through ``now_t``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from detente.deconflict.track import TrackState
from detente.node.service import NodeService
from detente.store import track_history, tracks
from detente.testing import make_node
from detente.web.mapdata import map_view

T0 = 1_795_000_000.0


@pytest.fixture
def service(tmp_path: Path) -> Iterator[NodeService]:
    node = NodeService(make_node(tmp_path / "us", "US", "INDOPACOM J3"))
    try:
        yield node
    finally:
        node.close()


def test_silent_track_is_stale_live_and_gone_from_replay(service: NodeService) -> None:
    states = [
        TrackState("USS-DEWEY", T0, 15.0, 114.0, 8.0, 0.0, party="US", name="USS Dewey"),
        TrackState("PLAN-172", T0 + 700.0, 15.1, 114.1, 8.0, 270.0, party="CN", name="Kunming"),
    ]
    with service.db.writing() as conn:
        tracks.put_latest(conn, states)
        track_history.append(conn, states, {})
    now = T0 + 800.0  # Dewey silent for 800 s, past the 600 s a replay would show
    live = {t["track"]: t for t in map_view(service, now_t=now)["tracks"]}
    assert live["USS-DEWEY"]["stale"] is True
    assert live["PLAN-172"]["stale"] is False
    replayed = map_view(service, at_t=now, now_t=now)["tracks"]
    assert [t["track"] for t in replayed] == ["PLAN-172"]
