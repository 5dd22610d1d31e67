"""Live: tracks streamed into node US over TCP produce an encounter_alert in node CN's inbox."""

from __future__ import annotations

import contextlib
import json
import math
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from detente.testing import NodeProcess, connect, make_node, wait_until

KN = 1852 / 3600


def crossing(start_t: float, *, minutes: int = 28, step_s: int = 10) -> list[str]:
    """A PLAN destroyer crossing a US destroyer's bow; CPA about 100 m at ``minutes`` + 2."""
    lat0, lon0 = 21.5, 117.0
    m_per_deg_lon = 111_320 * math.cos(math.radians(lat0))
    speed = 15 * KN
    t_cpa = (minutes + 2) * 60
    lines = []
    for k in range(0, minutes * 60 + 1, step_s):
        t = start_t + k
        us_y = speed * (k - t_cpa)  # north through the origin at t_cpa
        cn_x = -speed * (k - t_cpa)  # west through (0, 137 m) at t_cpa
        lines.append(
            json.dumps(
                {
                    "track": "USS-DEWEY",
                    "t": t,
                    "party": "US",
                    "lat": lat0 + us_y / 111_320,
                    "lon": lon0,
                    "speed_kn": 15,
                    "course_deg": 0,
                    "domain": "sea",
                    "name": "USS Dewey",
                }
            )
        )
        lines.append(
            json.dumps(
                {
                    "track": "PLAN-172",
                    "t": t,
                    "party": "CN",
                    "lat": lat0 + 137 / 111_320,
                    "lon": lon0 + cn_x / m_per_deg_lon,
                    "speed_kn": 15,
                    "course_deg": 270,
                    "domain": "sea",
                    "name": "Kunming",
                }
            )
        )
    return lines


class FeedServer:
    """A loopback TCP feed that streams lines slowly to whoever connects."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.sock.accept()
        # The node hangs up when the test is done with it, often mid-stream.
        with conn, contextlib.suppress(BrokenPipeError, ConnectionResetError):
            for i in range(0, len(self.lines), 2):
                conn.sendall(("\n".join(self.lines[i : i + 2]) + "\n").encode())
                time.sleep(0.02)
            time.sleep(30)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def pair_with_feed(tmp_path: Path) -> Iterator[tuple[NodeProcess, NodeProcess, FeedServer]]:
    feed = FeedServer(crossing(time.time() - 1800))
    us = make_node(tmp_path / "us", "US", "INDOPACOM J3")
    cn = make_node(tmp_path / "cn", "CN", "Southern Theater Command")
    connect(us, cn)
    nodes = (
        NodeProcess(us, extra_args=("--track-feed", f"tcp://127.0.0.1:{feed.port}#fmt=jsonl")),
        NodeProcess(cn),
    )
    try:
        for node in nodes:
            node.start()
        yield (*nodes, feed)
    finally:
        for node in nodes:
            node.stop()
        feed.close()


def test_encounter_alert_reaches_the_peer(
    pair_with_feed: tuple[NodeProcess, NodeProcess, FeedServer],
) -> None:
    us, cn, _feed = pair_with_feed

    def alerts() -> list[dict[str, Any]]:
        return [
            e for e in cn.api("GET", "/api/v1/inbox")["entries"] if e["kind"] == "encounter_alert"
        ]

    wait_until(
        lambda: any(a["body"]["level"] == "critical" for a in alerts()),
        timeout_s=60,
        what="critical encounter alert at CN",
    )
    found = alerts()
    levels = [a["body"]["level"] for a in reversed(found)]  # oldest first
    assert levels[-1] == "critical"
    assert len(levels) == len(set(levels))  # one alert per level reached, never repeated
    critical = found[0]["body"]
    assert {critical["a"]["party"], critical["b"]["party"]} == {"US", "CN"}
    assert critical["cpa_m"] < 457
    assert critical["phrase"] == "REQUEST_ALTER_COURSE_TO_SIDE"
    assert critical["phrase_params"] == {"side": "starboard"}
    assert found[0]["precedence"] == "FLASH"
    (encounter,) = us.api("GET", "/api/v1/encounters")["encounters"]
    assert encounter["max_level"] == "critical"
    assert encounter["alert_id"] == found[0]["id"]
    tracks = {t["track"] for t in us.api("GET", "/api/v1/tracks")["tracks"]}
    assert tracks == {"USS-DEWEY", "PLAN-172"}
