"""Live track feeds: a TCP client (e.g. an AIS or dump1090 port) and a UDP listener.

Both turn bytes into lines with a bounded buffer, feed a ``StateDecoder`` with
the time each chunk arrived, and hand non-empty batches of states to
``on_states`` (a plain or an async function). The TCP client reconnects with
capped, jittered exponential backoff until ``stop`` is set. Must never grow a
buffer without bound, never die on bad input (it is counted by the decoder)
and never block the event loop on the callback longer than the callback does.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from detente.deconflict.ingest.decoder import MAX_LINE_CHARS, StateDecoder
from detente.deconflict.track import TrackState

OnStates = Callable[[list[TrackState]], Awaitable[None] | None]
Clock = Callable[[], float]
MAX_LINE_BYTES = MAX_LINE_CHARS * 4
READ_CHUNK_BYTES = 65536
UDP_QUEUE_DATAGRAMS = 10_000


class LineSplitter:
    """Bytes in, complete lines out; a line past the bound comes out as ``None``, once."""

    def __init__(self, max_line_bytes: int = MAX_LINE_BYTES) -> None:
        self.max_line_bytes = max_line_bytes
        self._buffer = bytearray()
        self._discarding = False

    def feed(self, data: bytes) -> list[bytes | None]:
        """Lines completed by ``data``, without their line endings."""
        out: list[bytes | None] = []
        start = 0
        while True:
            end = data.find(b"\n", start)
            if end < 0:
                break
            if self._discarding:
                self._discarding = False
            elif len(self._buffer) + end - start > self.max_line_bytes:
                self._buffer.clear()
                out.append(None)
            else:
                self._buffer += data[start:end]
                out.append(bytes(self._buffer))
                self._buffer.clear()
            start = end + 1
        if not self._discarding:
            self._buffer += data[start:]
            if len(self._buffer) > self.max_line_bytes:
                self._buffer.clear()
                self._discarding = True
                out.append(None)
        return out

    def flush(self) -> bytes:
        """The last line of a stream that ended without a line break (empty if none)."""
        rest, self._discarding = bytes(self._buffer), False
        self._buffer.clear()
        return rest


def feed_lines(
    decoder: StateDecoder, lines: list[bytes | None], received_t: float
) -> list[TrackState]:
    """Decode split lines; cut and undecodable ones are counted by the decoder."""
    states: list[TrackState] = []
    for raw in lines:
        if raw is None:
            decoder.feed_too_long()
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            decoder.feed_undecodable()
            continue
        states.extend(decoder.feed_line(text, received_t))
    return states


async def _deliver(on_states: OnStates, states: list[TrackState]) -> None:
    if states:
        result = on_states(states)
        if inspect.isawaitable(result):
            await result


@dataclass(slots=True)
class Backoff:
    """Reconnect delays: doubling from ``min_s`` to ``max_s``, each scaled by 50-100 % jitter."""

    min_s: float = 0.5
    max_s: float = 30.0
    _next_s: float = 0.0

    def reset(self) -> None:
        self._next_s = self.min_s

    def next_s(self) -> float:
        current = max(self._next_s, self.min_s)
        self._next_s = min(current * 2.0, self.max_s)
        return current * random.uniform(0.5, 1.0)


class TcpTrackClient:
    """Connects to ``host:port``, reads lines, reconnects after any disconnect or failure."""

    def __init__(
        self,
        host: str,
        port: int,
        decoder: StateDecoder,
        on_states: OnStates,
        *,
        backoff: Backoff | None = None,
        clock: Clock = time.time,
        connect_timeout_s: float = 10.0,
    ) -> None:
        self.host, self.port = host, port
        self.decoder = decoder
        self.on_states = on_states
        self.connect_timeout_s = connect_timeout_s
        self.backoff = backoff or Backoff()
        self.clock = clock
        self.connections = 0
        self.failures = 0

    async def run(self, stop: asyncio.Event) -> None:
        """Read until ``stop`` is set; each connection attempt after a loss waits its backoff."""
        self.backoff.reset()
        while not stop.is_set():
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(self.host, self.port, limit=MAX_LINE_BYTES),
                    self.connect_timeout_s,
                )
            except (OSError, TimeoutError):
                self.failures += 1
            else:
                self.connections += 1
                self.backoff.reset()
                try:
                    await self._read(reader, stop)
                except OSError:
                    self.failures += 1
                finally:
                    writer.close()
                    with contextlib.suppress(OSError):
                        await writer.wait_closed()
            if stop.is_set():
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.backoff.next_s())

    async def _read(self, reader: asyncio.StreamReader, stop: asyncio.Event) -> None:
        splitter = LineSplitter()
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while True:
                reading = asyncio.ensure_future(reader.read(READ_CHUNK_BYTES))
                done, _ = await asyncio.wait(
                    {reading, stopping}, return_when=asyncio.FIRST_COMPLETED
                )
                if reading not in done:
                    reading.cancel()
                    return
                data = reading.result()
                if data:
                    lines = splitter.feed(data)
                else:
                    rest = splitter.flush()
                    lines = [rest] if rest else []
                await _deliver(self.on_states, feed_lines(self.decoder, lines, self.clock()))
                if not data:
                    return
        finally:
            stopping.cancel()


class _DatagramQueue(asyncio.DatagramProtocol):
    def __init__(self, queue: asyncio.Queue[tuple[bytes, float]], clock: Clock) -> None:
        self.queue = queue
        self.clock = clock
        self.dropped = 0

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        try:
            self.queue.put_nowait((data, self.clock()))
        except asyncio.QueueFull:
            self.dropped += 1


class UdpTrackListener:
    """Listens on ``host:port``; one datagram may hold several sentences or lines."""

    def __init__(
        self,
        host: str,
        port: int,
        decoder: StateDecoder,
        on_states: OnStates,
        *,
        clock: Clock = time.time,
    ) -> None:
        self.host, self.port = host, port
        self.decoder = decoder
        self.on_states = on_states
        self.clock = clock
        self.datagrams = 0
        self.dropped = 0
        self.bound_port: int | None = None
        self.ready = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        """Decode datagrams in arrival order until ``stop`` is set."""
        queue: asyncio.Queue[tuple[bytes, float]] = asyncio.Queue(UDP_QUEUE_DATAGRAMS)
        loop = asyncio.get_running_loop()
        transport, protocol = await loop.create_datagram_endpoint(
            lambda: _DatagramQueue(queue, self.clock), local_addr=(self.host, self.port)
        )
        self.bound_port = int(transport.get_extra_info("sockname")[1])
        self.ready.set()
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while True:
                getting = asyncio.ensure_future(queue.get())
                done, _ = await asyncio.wait(
                    {getting, stopping}, return_when=asyncio.FIRST_COMPLETED
                )
                if getting not in done:
                    getting.cancel()
                    return
                data, received_t = getting.result()
                self.datagrams += 1
                splitter = LineSplitter()
                lines = splitter.feed(data)
                rest = splitter.flush()
                if rest:
                    lines.append(rest)
                await _deliver(self.on_states, feed_lines(self.decoder, lines, received_t))
        finally:
            stopping.cancel()
            self.dropped = protocol.dropped
            transport.close()
