"""The fault-injecting proxy does each misbehaviour it is told to, and nothing else."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from detente.errors import ValidationError
from detente.testing import free_port, wait_until
from detente.testing_proxy import Faults, TestingProxy


class Upstream:
    """A real HTTP server on loopback that records the bodies it was sent."""

    def __init__(self) -> None:
        self.seen: list[bytes] = []
        lock = threading.Lock()
        seen = self.seen

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                with lock:
                    seen.append(body)
                answer = b'{"echo":' + body + b"}"
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *_args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    server = Upstream()
    yield server
    server.close()


@pytest.fixture
def proxy(upstream: Upstream) -> Iterator[TestingProxy]:
    with TestingProxy(upstream.url, seed=7) as running:
        yield running


def post(proxy: TestingProxy, body: bytes) -> httpx.Response:
    return httpx.post(proxy.url + "/x", content=body, timeout=5.0)


def test_proxy_forwards_request_and_response_intact(
    proxy: TestingProxy, upstream: Upstream
) -> None:
    body = b'{"n":1,"text":"\xe6\x88\x91"}' + b" " * 100_000
    response = post(proxy, body)
    assert response.status_code == 200
    assert response.content == b'{"echo":' + body + b"}"
    assert upstream.seen == [body]


def test_proxy_cut_refuses_until_healed(proxy: TestingProxy, upstream: Upstream) -> None:
    proxy.cut()
    with pytest.raises(httpx.TransportError):
        post(proxy, b"1")
    assert upstream.seen == []
    proxy.heal()
    assert post(proxy, b"2").status_code == 200
    assert upstream.seen == [b"2"]
    assert proxy.stats()["refused"] == 1


def test_proxy_dropped_request_never_arrives(proxy: TestingProxy, upstream: Upstream) -> None:
    proxy.set_faults(Faults(drop_request=1.0))
    with pytest.raises(httpx.TransportError):
        post(proxy, b"1")
    assert upstream.seen == []


def test_proxy_dropped_response_arrived_upstream(proxy: TestingProxy, upstream: Upstream) -> None:
    proxy.set_faults(Faults(drop_response=1.0))
    with pytest.raises(httpx.TransportError):
        post(proxy, b"1")
    assert upstream.seen == [b"1"]


def test_proxy_duplicate_replays_request(proxy: TestingProxy, upstream: Upstream) -> None:
    proxy.set_faults(Faults(duplicate=1.0, max_delay_s=0.05))
    assert post(proxy, b"1").status_code == 200
    wait_until(lambda: len(upstream.seen) == 2, timeout_s=5, what="the replay")
    assert upstream.seen == [b"1", b"1"]


def test_proxy_held_back_request_is_overtaken(proxy: TestingProxy, upstream: Upstream) -> None:
    proxy.set_faults(Faults(reorder=1.0))
    first = threading.Thread(target=post, args=(proxy, b"first"))
    first.start()
    wait_until(lambda: proxy.stats().get("held_back") == 1, timeout_s=5, what="hold-back")
    proxy.set_faults(Faults())
    assert post(proxy, b"second").status_code == 200
    first.join(timeout=5)
    assert upstream.seen == [b"second", b"first"]


def test_proxy_delay_is_bounded(proxy: TestingProxy, upstream: Upstream) -> None:
    proxy.set_faults(Faults(delay=1.0, max_delay_s=0.05))
    for n in range(5):
        assert post(proxy, str(n).encode()).status_code == 200
    assert proxy.stats()["delayed"] == 5
    assert upstream.seen == [b"0", b"1", b"2", b"3", b"4"]


def test_proxy_fails_over_to_next_target(upstream: Upstream) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    with TestingProxy([dead, upstream.url]) as proxy:
        assert post(proxy, b"1").status_code == 200
        proxy.set_targets([dead])
        with pytest.raises(httpx.TransportError):
            post(proxy, b"2")
    assert upstream.seen == [b"1"]


def test_proxy_cut_aborts_requests_in_flight(upstream: Upstream) -> None:
    with TestingProxy(upstream.url) as proxy:
        proxy.set_faults(Faults(reorder=1.0))
        errors: list[BaseException] = []

        def call() -> None:
            try:
                post(proxy, b"1")
            except httpx.TransportError as exc:
                errors.append(exc)

        thread = threading.Thread(target=call)
        thread.start()
        wait_until(lambda: proxy.stats().get("held_back") == 1, timeout_s=5, what="hold-back")
        proxy.cut()
        thread.join(timeout=5)
        time.sleep(0.1)
        assert len(errors) == 1
        assert upstream.seen == []


@pytest.mark.parametrize(
    ("faults", "field"),
    [({"drop_request": 1.5}, "drop_request"), ({"max_delay_s": 60.0}, "max_delay_s")],
)
def test_faults_reject_out_of_range(faults: dict[str, float], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Faults(**faults)
    assert caught.value.field == field
