"""Two real node processes on loopback exchange signed, receipted entries."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from detente.testing import NodeProcess, running_pair, wait_until


@pytest.fixture
def pair(tmp_path: Path, db_url: str) -> Iterator[tuple[NodeProcess, NodeProcess]]:
    """US on the parametrised database (SQLite or PostgreSQL), CN on SQLite."""
    with running_pair(tmp_path, db_url=db_url) as nodes:
        yield nodes


def test_two_nodes_exchange_is_delivered_and_receipted(
    pair: tuple[NodeProcess, NodeProcess],
) -> None:
    us, cn = pair
    sent = us.api(
        "POST",
        "/api/v1/messages",
        json={
            "to": "CN",
            "body": {"text": "Request your intentions", "lang": "en"},
            "precedence": "FLASH",
        },
    )
    reply = cn.api(
        "POST",
        "/api/v1/messages",
        json={
            "to": "US",
            "body": {"text": "我舰将从你舰艉部通过", "lang": "zh"},
            "precedence": "FLASH",
        },
    )

    def cn_has_it() -> list[dict[str, object]]:
        return [e for e in cn.api("GET", "/api/v1/inbox")["entries"] if e["id"] == sent["id"]]

    (arrived,) = wait_until(cn_has_it, what="US entry at CN")
    assert arrived["body"] == {"text": "Request your intentions", "lang": "en"}
    assert arrived["precedence"] == "FLASH"

    def receipted(node: NodeProcess, seq: int) -> bool:
        return all(
            r["receipted_seq"] >= seq for r in node.api("GET", "/api/v1/delivery")["channels"]
        )

    wait_until(lambda: receipted(us, sent["seq"]), what="CN receipt at US")
    wait_until(lambda: receipted(cn, reply["seq"]), what="US receipt at CN")
    outbox = us.api("GET", "/api/v1/outbox")["entries"]
    assert outbox[0]["delivery"]["CN"]["receipted_t"] is not None

    for node in (us, cn):
        report = node.api("GET", "/api/v1/log/verify")
        assert report["ok"], report
        sizes = {r["party"]: r["size"] for r in report["logs"]}
        assert sizes["US"] >= 2 and sizes["CN"] >= 2  # each: one statement + one receipt


def test_two_nodes_catch_up_after_receiver_was_down(
    pair: tuple[NodeProcess, NodeProcess],
) -> None:
    us, cn = pair
    cn.kill()
    ids = [
        us.api(
            "POST",
            "/api/v1/messages",
            json={"to": "CN", "body": {"text": f"while you were away {n}", "lang": "en"}},
        )["id"]
        for n in range(5)
    ]
    cn.start()

    def all_arrived() -> bool:
        got = {e["id"] for e in cn.api("GET", "/api/v1/inbox")["entries"]}
        return set(ids) <= got

    wait_until(all_arrived, timeout_s=30, what="entries sent during the outage")
    assert cn.api("GET", "/api/v1/log/verify")["ok"]
