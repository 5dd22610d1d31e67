"""Real nodes for tests, benchmarks and the demo: free ports, child processes, readiness.

Shipped in the package (like structlog's ``testing``) so the demo, the
benchmarks and the test suite start nodes the same way. A node here is a
real ``detente node run`` process on loopback; on failure its output is
dumped so a red test says why.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx

from detente.link.tls import pinned_context
from detente.node.channel_doc import parse_document
from detente.node.channel_settings import ChannelSettings
from detente.node.channel_setup import accept, invite
from detente.node.identity import init_node, load_key, load_token
from detente.node.service import NodeService
from detente.node.settings import NodeSettings
from detente.store.database import Database

T = TypeVar("T")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(
    predicate: Callable[[], T | None],
    *,
    timeout_s: float = 20.0,
    interval_s: float = 0.05,
    what: str = "condition",
) -> T:
    """Poll until ``predicate`` returns something truthy; raise after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(interval_s)


def make_node(
    data_dir: Path,
    party: str,
    name: str,
    *,
    db_url: str | None = None,
    port: int | None = None,
    tls: bool = False,
    public_url: str | None = None,
) -> NodeSettings:
    """A node for tests: plain HTTP on loopback unless ``tls`` (then pinned https)."""
    return init_node(
        data_dir,
        party=party,
        name=name,
        port=port or free_port(),
        db_url=db_url,
        tls=tls,
        public_url=public_url,
    )


def connect(a: NodeSettings, b: NodeSettings, terms: ChannelSettings | None = None) -> str:
    """Open a channel between two initialised nodes through the signed files."""
    terms = terms or ChannelSettings()
    db_a, db_b = Database(a.db_url), Database(b.db_url)
    try:
        outcome = invite(db_a, a, load_key(a), terms)
        assert outcome.document is not None
        joined = accept(db_b, b, load_key(b), parse_document(outcome.document.model_dump_json()))
        assert joined.document is not None
        accept(db_a, a, load_key(a), parse_document(joined.document.model_dump_json()))
    finally:
        db_a.close()
        db_b.close()
    return outcome.channel_id


@contextlib.contextmanager
def service_pair(
    base: Path, terms: ChannelSettings | None = None, *, us_update: dict[str, Any] | None = None
) -> Iterator[tuple[NodeService, NodeService, str]]:
    """US and CN node services in this process, a channel between them; closed on exit.

    ``us_update`` changes US's node settings (a short duty interval, say)
    without touching its saved configuration.
    """
    us = make_node(base / "us", "US", "INDOPACOM J3")
    cn = make_node(base / "cn", "CN", "Southern Theater Command")
    channel_id = connect(us, cn, terms)
    a, b = NodeService(us.model_copy(update=us_update or {})), NodeService(cn)
    try:
        yield a, b, channel_id
    finally:
        a.close()
        b.close()


def relay(source: NodeService, target: NodeService, channel_id: str) -> None:
    """In one process, exchange entries until each side holds the other's whole log.

    What the couriers do over HTTP, minus the HTTP: for tests that move time
    through duty ticks and need the peer's copy (and its receipts) in step.
    Receipts answer only statements, so the exchange goes quiet in a round
    or two.
    """
    for _ in range(4):
        if not (_hand(source, target, channel_id) | _hand(target, source, channel_id)):
            return
    raise AssertionError("relay never went quiet")


def _hand(source: NodeService, target: NodeService, channel_id: str) -> bool:
    """Give ``target`` the entries of ``source``'s log it lacks; True if there were any."""
    have = target.mirror_size(channel_id, source.party)
    envelopes, _ = source.own_entries(channel_id, have + 1, 500)
    if envelopes:
        target.receive(channel_id, source.party, envelopes)
    return bool(envelopes)


class NodeProcess:
    """One ``detente node run`` child process."""

    def __init__(
        self,
        settings: NodeSettings,
        *,
        extra_args: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
    ) -> None:
        self.settings = settings
        self.extra_args = extra_args
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = settings.data_dir / "node.log"
        self._token = load_token(settings)

    @property
    def url(self) -> str:
        return self.settings.local_url

    @property
    def verify(self) -> ssl.SSLContext | bool:
        """What an httpx call to this node must verify against (its pinned certificate)."""
        if not self.settings.tls:
            return True
        return pinned_context(self.settings.tls_cert_path.read_text(encoding="ascii"))

    def start(self, *, wait: bool = True) -> NodeProcess:
        log = self.log_path.open("ab")
        env = dict(os.environ)
        env.update(self.env or {})
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "detente.node",
                "--data",
                str(self.settings.data_dir),
                *self.extra_args,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        log.close()
        if wait:
            self.wait_ready()
        return self

    def output(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-20000:]
        except FileNotFoundError:
            return ""

    def wait_ready(self, timeout_s: float = 30.0) -> None:
        def ready() -> bool:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(
                    f"node {self.settings.party} exited with {self.process.returncode}:\n"
                    + self.output()
                )
            try:
                return (
                    httpx.get(self.url + "/healthz", timeout=1.0, verify=self.verify).status_code
                    == 200
                )
            except httpx.HTTPError:
                return False

        try:
            wait_until(ready, timeout_s=timeout_s, what=f"node {self.settings.party} to start")
        except TimeoutError as exc:
            raise RuntimeError(f"{exc}\n{self.output()}") from exc

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call the operator API; returns JSON, raises with the body on an error status."""
        response = httpx.request(
            method,
            self.url + path,
            headers={"authorization": f"Bearer {self._token}"},
            timeout=30.0,
            verify=self.verify,
            **kwargs,
        )
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path} -> {response.status_code}: {response.text}")
        return response.json()

    def stop(self, timeout_s: float = 10.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def kill(self) -> None:
        """SIGKILL: the crash that tests of durability are made of."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> NodeProcess:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        with contextlib.suppress(Exception):
            self.stop()


PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


def postgres_admin_url() -> str:
    return os.environ.get("DETENTE_TEST_PG", PG_ADMIN_URL)


def postgres_unavailable_reason() -> str | None:
    """None when the PostgreSQL server answers; else why not (for a loud skip)."""
    import psycopg

    try:
        with psycopg.connect(postgres_admin_url(), connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return f"PostgreSQL at {postgres_admin_url()} does not answer: {exc}"
    return None


@contextlib.contextmanager
def temporary_postgres_database() -> Any:
    """A fresh database on the real server, dropped afterwards; yields its URL."""
    import secrets

    import psycopg

    name = f"detente_t_{secrets.token_hex(6)}"
    admin = postgres_admin_url()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = admin.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def running_pair(
    base: Path,
    *,
    terms: ChannelSettings | None = None,
    db_url: str | None = None,
    tls: bool = False,
    us_args: tuple[str, ...] = (),
    cn_name: str = "Southern Theater Command",
    us_update: dict[str, Any] | None = None,
) -> Iterator[tuple[NodeProcess, NodeProcess]]:
    """US and CN node processes with a channel between them; US on ``db_url`` if given.

    ``us_update`` changes US's saved node settings before it starts.
    """
    us = make_node(base / "us", "US", "INDOPACOM J3", db_url=db_url, tls=tls)
    if us_update:
        us = us.model_copy(update=us_update)
        us.save()
    cn = make_node(base / "cn", "CN", cn_name, tls=tls)
    connect(us, cn, terms)
    nodes = (NodeProcess(us, extra_args=us_args), NodeProcess(cn))
    try:
        for node in nodes:
            node.start()
        yield nodes
    finally:
        for node in nodes:
            node.stop()
