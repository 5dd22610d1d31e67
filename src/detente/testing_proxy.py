"""A misbehaving loopback HTTP proxy for fault tests: cuts, drops, delays, replays.

Put it between two nodes (a node's ``public_url`` pointing at the proxy) and
the link becomes as bad as a test asks: the link can be cut (connections
refused and in-flight requests aborted), requests or responses dropped,
requests delayed, replayed later, or held back so later ones overtake them.
Every decision comes from one seeded RNG, every wait is bounded, and the
controls are thread-safe, so a test's chaos thread drives a proxy whose event
loop runs in its own thread.

It must never be used outside loopback tests: it forwards anything to its
targets without authentication and speaks just enough HTTP/1.1 for Détente's
own peer calls (one request per connection, ``Content-Length`` bodies).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from detente.errors import ValidationError

MAX_HEADER_BYTES = 64 * 1024
MAX_BODY_BYTES = 64 * 1024 * 1024
IO_TIMEOUT_S = 30.0
MAX_CONNECTIONS = 256
MAX_HOLD_S = 2.0
HOP_HEADERS = frozenset({b"connection", b"keep-alive", b"proxy-connection", b"te", b"upgrade"})


@dataclass(frozen=True, slots=True)
class Faults:
    """Probabilities (0..1) of each misbehaviour per request, and the delay bound."""

    drop_request: float = 0.0
    drop_response: float = 0.0
    duplicate: float = 0.0
    delay: float = 0.0
    max_delay_s: float = 0.2
    reorder: float = 0.0

    def __post_init__(self) -> None:
        for name in ("drop_request", "drop_response", "duplicate", "delay", "reorder"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValidationError(f"probability {value} is not in [0, 1]", field=name)
        if not 0.0 <= self.max_delay_s <= MAX_HOLD_S:
            raise ValidationError(
                f"{self.max_delay_s} s is not in [0, {MAX_HOLD_S}]", field="max_delay_s"
            )


@dataclass(frozen=True, slots=True)
class _Request:
    head: bytes
    body: bytes


def _parse_target(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise ValidationError(f"{url!r} is not an http:// URL", field="targets")
    return parts.hostname, parts.port or 80


class TestingProxy:
    """One listening port forwarding to the first reachable of ``targets``."""

    __test__ = False  # not a pytest test class, despite the name

    def __init__(
        self,
        targets: str | Sequence[str],
        *,
        seed: int = 0,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        urls = [targets] if isinstance(targets, str) else list(targets)
        if not urls:
            raise ValidationError("at least one target is needed", field="targets")
        self._targets = [_parse_target(u) for u in urls]
        self._host = host
        self._port = port
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._faults = Faults()
        self._cut = False
        self._stats: dict[str, int] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self._forwarded = 0
        self._progress: asyncio.Condition | None = None
        self._slots: asyncio.Semaphore | None = None
        self._ready = threading.Event()
        self._failure: BaseException | None = None

    # control (any thread) ----------------------------------------------------

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self._port}"

    def set_faults(self, faults: Faults) -> None:
        with self._lock:
            self._faults = faults

    def set_targets(self, targets: Sequence[str]) -> None:
        """Change where requests go (e.g. to the worker that now serves a node)."""
        parsed = [_parse_target(u) for u in targets]
        if not parsed:
            raise ValidationError("at least one target is needed", field="targets")
        with self._lock:
            self._targets = parsed

    def cut(self) -> None:
        """Refuse new connections and abort every request in flight."""
        with self._lock:
            self._cut = True
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._abort_all)

    def heal(self) -> None:
        """Undo a cut; the faults set stay (clear them with ``set_faults(Faults())``)."""
        with self._lock:
            self._cut = False

    def stats(self) -> dict[str, int]:
        """Counts of what the proxy did, for a test's report."""
        with self._lock:
            return dict(self._stats)

    def start(self) -> TestingProxy:
        if self._thread is not None:
            return self
        self._thread = threading.Thread(target=self._run, name="testing-proxy", daemon=True)
        self._thread.start()
        self._ready.wait(timeout=10.0)
        if self._failure is not None:
            raise self._failure
        if not self._ready.is_set():
            raise TimeoutError("testing proxy did not start within 10 s")
        return self

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10.0)
        self._thread = None

    def __enter__(self) -> TestingProxy:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # the event loop thread ------------------------------------------------------

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            loop.run_until_complete(self._listen())
        except BaseException as exc:  # reported to start() in the calling thread
            self._failure = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self._shutdown())
            loop.close()

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        current = asyncio.current_task()
        pending = [t for t in asyncio.all_tasks() if t is not current]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def _listen(self) -> None:
        self._progress = asyncio.Condition()
        self._slots = asyncio.Semaphore(MAX_CONNECTIONS)
        self._server = await asyncio.start_server(
            self._accept, self._host, self._port, limit=MAX_HEADER_BYTES
        )
        self._port = int(self._server.sockets[0].getsockname()[1])

    def _abort_all(self) -> None:
        for task in list(self._handlers):
            task.cancel()

    def _count(self, what: str) -> None:
        with self._lock:
            self._stats[what] = self._stats.get(what, 0) + 1

    def _chance(self, probability: float) -> bool:
        with self._lock:
            return probability > 0 and self._rng.random() < probability

    def _uniform(self, high: float) -> float:
        with self._lock:
            return self._rng.uniform(0.0, high)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None and self._slots is not None
        with self._lock:
            cut = self._cut
        if cut or self._slots.locked():
            self._count("refused")
            writer.transport.abort()
            return
        self._handlers.add(task)
        try:
            async with self._slots:
                await self._serve(reader, writer)
        except (asyncio.CancelledError, OSError, asyncio.IncompleteReadError, ValueError):
            self._count("aborted")
        except TimeoutError:
            self._count("timed_out")
        finally:
            self._handlers.discard(task)
            if not writer.is_closing():
                writer.transport.abort()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await asyncio.wait_for(self._read_request(reader), IO_TIMEOUT_S)
        if request is None:
            return
        with self._lock:
            faults = self._faults
        self._count("requests")
        if self._chance(faults.drop_request):
            self._count("dropped_requests")
            return
        if self._chance(faults.reorder):
            self._count("held_back")
            await self._hold_back()
        if self._chance(faults.delay):
            self._count("delayed")
            await asyncio.sleep(self._uniform(faults.max_delay_s))
        if self._chance(faults.duplicate):
            self._count("duplicated")
            replay = asyncio.create_task(self._replay(request, faults.max_delay_s))
            self._handlers.add(replay)
            replay.add_done_callback(self._handlers.discard)
        response = await asyncio.wait_for(self._forward(request), IO_TIMEOUT_S)
        if response is None:
            self._count("unreachable")
            return
        if self._chance(faults.drop_response):
            self._count("dropped_responses")
            return
        writer.write(response)
        await asyncio.wait_for(writer.drain(), IO_TIMEOUT_S)
        writer.close()
        await asyncio.wait_for(writer.wait_closed(), IO_TIMEOUT_S)

    async def _hold_back(self) -> None:
        """Wait until a later request has been forwarded (or a bounded time): reordering."""
        assert self._progress is not None
        seen = self._forwarded
        async with self._progress:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._progress.wait_for(lambda: self._forwarded > seen), MAX_HOLD_S
                )

    async def _replay(self, request: _Request, max_delay_s: float) -> None:
        """The same request again a little later; its answer goes nowhere."""
        with contextlib.suppress(OSError, TimeoutError, asyncio.IncompleteReadError, ValueError):
            await asyncio.sleep(self._uniform(max(max_delay_s, 0.05)))
            await asyncio.wait_for(self._forward(request), IO_TIMEOUT_S)

    async def _read_request(self, reader: asyncio.StreamReader) -> _Request | None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return None
        except asyncio.LimitOverrunError as exc:
            raise ValueError("request head too large") from exc
        lines = head.split(b"\r\n")
        length = 0
        kept = [lines[0]]
        for line in lines[1:]:
            if not line:
                continue
            name, _, value = line.partition(b":")
            lowered = name.strip().lower()
            if lowered == b"transfer-encoding":
                raise ValueError("chunked requests are not supported")
            if lowered == b"content-length":
                length = int(value.strip())
            if lowered not in HOP_HEADERS:
                kept.append(line)
        if not 0 <= length <= MAX_BODY_BYTES:
            raise ValueError(f"request body of {length} bytes")
        body = await reader.readexactly(length) if length else b""
        kept.append(b"connection: close")
        return _Request(b"\r\n".join(kept) + b"\r\n\r\n", body)

    async def _forward(self, request: _Request) -> bytes | None:
        """Send to the first target that accepts a connection; the raw answer, or None."""
        with self._lock:
            targets = list(self._targets)
        for host, port in targets:
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(host, port), IO_TIMEOUT_S
                )
            except OSError:
                continue
            try:
                writer.write(request.head + request.body)
                await writer.drain()
                await self._note_forwarded()
                answer = await reader.read(MAX_BODY_BYTES + MAX_HEADER_BYTES)
                while True:
                    more = await reader.read(MAX_BODY_BYTES)
                    if not more:
                        break
                    answer += more
                    if len(answer) > MAX_BODY_BYTES + MAX_HEADER_BYTES:
                        raise ValueError("response too large")
            finally:
                writer.transport.abort()
            self._count("forwarded")
            return answer or None
        return None

    async def _note_forwarded(self) -> None:
        assert self._progress is not None
        async with self._progress:
            self._forwarded += 1
            self._progress.notify_all()


def default_chaos(rate: float = 0.05) -> Faults:
    """A mix of every misbehaviour at ``rate`` each, short delays: a bad but working link."""
    return replace(
        Faults(),
        drop_request=rate,
        drop_response=rate,
        duplicate=rate,
        delay=rate * 2,
        max_delay_s=0.1,
        reorder=rate,
    )
