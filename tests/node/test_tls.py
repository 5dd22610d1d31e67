"""TLS between nodes: pinned certificates from the invitation, nothing else trusted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from detente.errors import ConfigError
from detente.link.tls import fingerprint, make_certificate
from detente.node.identity import init_node
from detente.store import channels as channel_queries
from detente.store.database import Database
from detente.testing import NodeProcess, connect, make_node, running_pair, wait_until


@pytest.fixture
def tls_pair(tmp_path: Path) -> Iterator[tuple[NodeProcess, NodeProcess]]:
    with running_pair(tmp_path, tls=True) as nodes:
        yield nodes


def test_tls_nodes_exchange_over_pinned_https(tls_pair: tuple[NodeProcess, NodeProcess]) -> None:
    us, cn = tls_pair
    assert us.url.startswith("https://")
    sent = us.api(
        "POST",
        "/api/v1/messages",
        json={"to": "CN", "body": {"text": "over TLS", "lang": "en"}, "precedence": "FLASH"},
    )
    wait_until(
        lambda: any(e["id"] == sent["id"] for e in cn.api("GET", "/api/v1/inbox")["entries"]),
        what="TLS delivery",
    )
    wait_until(
        lambda: us.api("GET", "/api/v1/delivery")["channels"][0]["receipted_seq"] >= 1,
        what="TLS receipt",
    )


def test_tls_client_without_the_pinned_cert_is_refused(
    tls_pair: tuple[NodeProcess, NodeProcess],
) -> None:
    us, _cn = tls_pair
    with pytest.raises(httpx.ConnectError):
        httpx.get(us.url + "/healthz", timeout=5)  # system CAs do not vouch for it


def test_tls_peer_presenting_another_cert_is_not_trusted(tmp_path: Path) -> None:
    """A man in the middle with his own certificate: US refuses to talk to it."""
    us = make_node(tmp_path / "us", "US", "INDOPACOM J3", tls=True)
    cn = make_node(tmp_path / "cn", "CN", "Southern Theater Command", tls=True)
    connect(us, cn)
    # After the channel pinned CN's certificate, CN's endpoint presents another one.
    passphrase = (cn.data_dir / "node.keypass").read_bytes().strip()
    cert, key = make_certificate("CN", "impostor", ["127.0.0.1"], passphrase)
    cn.tls_cert_path.write_bytes(cert)
    cn.tls_key_path.unlink()
    cn.tls_key_path.write_bytes(key)
    a, b = NodeProcess(us).start(), NodeProcess(cn).start()
    try:
        a.api("POST", "/api/v1/messages", json={"to": "CN", "body": {"text": "x", "lang": "en"}})

        def refused() -> str | None:
            row = a.api("GET", "/api/v1/delivery")["channels"][0]
            error = row["last_error"] or ""
            return error if "CERTIFICATE_VERIFY_FAILED" in error else None

        # US's calls to the impostor fail the handshake; nothing is sent to it.
        wait_until(refused, what="certificate refusal")
    finally:
        a.stop()
        b.stop()
    db = Database(us.db_url)
    with db.reading() as conn:
        (row,) = channel_queries.list_channels(conn)
    db.close()
    pinned = row.member("CN")
    assert pinned is not None
    assert pinned.tls_cert is not None
    assert fingerprint(pinned.tls_cert) != fingerprint(cert)


def test_plain_http_is_refused_off_loopback(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="loopback"):
        init_node(tmp_path / "n", party="US", name="x", host="0.0.0.0", tls=False)  # noqa: S104
