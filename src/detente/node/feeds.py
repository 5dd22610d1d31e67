"""Live track feeds as background tasks of the duty holder.

``tcp://host:port`` connects to a feed server (an AIS aggregator, dump1090's
port 30003) and reconnects with backoff; ``udp://host:port`` listens for
datagrams. ``#fmt=ais`` (or sbs, jsonl, modes) fixes the format; otherwise it
is detected from the first lines.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

from detente.deconflict.ingest import StateDecoder
from detente.deconflict.stream import TcpTrackClient, UdpTrackListener
from detente.deconflict.track import TrackState
from detente.errors import ConfigError


def parse_feed(url: str) -> tuple[str, str, int, str | None]:
    parts = urlsplit(url)
    if parts.scheme not in ("tcp", "udp") or not parts.hostname or not parts.port:
        raise ConfigError(
            f"{url!r}: expected tcp://host:port or udp://host:port", field="track_feeds"
        )
    fmt = None
    if parts.fragment.startswith("fmt="):
        fmt = parts.fragment.removeprefix("fmt=")
    return parts.scheme, parts.hostname, parts.port, fmt


class Feeds:
    """Runs every configured feed until stopped."""

    def __init__(self, urls: Sequence[str], on_states: Callable[[list[TrackState]], None]) -> None:
        self.specs = [parse_feed(u) for u in urls]
        self.on_states = on_states
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        self._stop = asyncio.Event()
        for scheme, host, port, fmt in self.specs:
            decoder = StateDecoder(fmt, source=f"{scheme}://{host}:{port}")
            runner: TcpTrackClient | UdpTrackListener
            if scheme == "tcp":
                runner = TcpTrackClient(host, port, decoder, self.on_states)
            else:
                runner = UdpTrackListener(host, port, decoder, self.on_states)
            self._tasks.append(asyncio.create_task(runner.run(self._stop)))

    async def stop(self) -> None:
        self._stop.set()
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
