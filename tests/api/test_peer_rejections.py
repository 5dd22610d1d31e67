"""A running node refuses bad peer input with a clear reason and stores nothing."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import func, select

from detente.link.auth import sign_request
from detente.node.identity import load_key
from detente.node.settings import NodeSettings
from detente.store.database import Database
from detente.store.schema import entries
from detente.testing import (
    NodeProcess,
    connect,
    make_node,
    postgres_unavailable_reason,
    temporary_postgres_database,
)
from detente.wire.entry import GENESIS_PREV, Entry, SignedEntry, now_t, sign_entry
from detente.wire.enums import Precedence, Tier
from detente.wire.keys import SigningKey, b64encode


@dataclass
class Target:
    """US running for real; CN's identity used by the test to speak as CN."""

    us: NodeProcess
    cn: NodeSettings
    cn_key: SigningKey
    channel_id: str
    chain: list[SignedEntry]

    def extend(self) -> tuple[SignedEntry, httpx.Response]:
        """Push the next valid entry of CN's log."""
        prev = self.chain[-1].id if self.chain else GENESIS_PREV
        item = self.entry(len(self.chain) + 1, prev)
        response = self.push([item])
        if response.status_code == 200:
            self.chain.append(item)
        return item, response

    def entry(
        self,
        seq: int,
        prev: str,
        *,
        key: SigningKey | None = None,
        channel: str | None = None,
        text: str = "hello",
    ) -> SignedEntry:
        key = key or self.cn_key
        return sign_entry(
            Entry(
                channel=channel or self.channel_id,
                party="CN",
                key=key.key_id,
                seq=seq,
                prev=prev,
                t=now_t(),
                precedence=Precedence.ROUTINE,
                tier=Tier.OPERATIONAL,
                kind="text",
                body={"text": text, "lang": "en"},
            ),
            key,
        )

    def push_raw(
        self, body: bytes, *, channel: str | None = None, key: SigningKey | None = None
    ) -> httpx.Response:
        target = f"/peer/v1/channels/{channel or self.channel_id}/entries"
        headers = sign_request(key or self.cn_key, "CN", "POST", target, body, time.time())
        headers["content-type"] = "application/json"
        return httpx.post(self.us.url + target, content=body, headers=headers, timeout=10)

    def push(self, items: list[SignedEntry], **kw: object) -> httpx.Response:
        return self.push_raw(json.dumps({"entries": [i.envelope() for i in items]}).encode(), **kw)  # type: ignore[arg-type]

    def rows(self) -> int:
        db = Database(self.us.settings.db_url)
        try:
            with db.reading() as conn:
                return int(conn.execute(select(func.count()).select_from(entries)).scalar_one())
        finally:
            db.close()


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def target(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Target]:
    """US on SQLite, then on a fresh database of the real PostgreSQL: "no row" on both."""
    base = tmp_path_factory.mktemp(f"rejections-{request.param}")
    with contextlib.ExitStack() as stack:
        db_url = None
        if request.param == "postgres":
            reason = postgres_unavailable_reason()
            if reason:
                pytest.skip(f"SKIPPING POSTGRES TEST LOUDLY: {reason}")
            db_url = stack.enter_context(temporary_postgres_database())
        us = make_node(base / "us", "US", "INDOPACOM J3", db_url=db_url)
        cn = make_node(base / "cn", "CN", "Southern Theater Command")
        channel_id = connect(us, cn)
        node = NodeProcess(us).start()  # CN is never started: the test speaks for it
        try:
            yield Target(node, cn, load_key(cn), channel_id, [])
        finally:
            node.stop()


def refused(target: Target, response: httpx.Response, status: int, error: str) -> dict[str, str]:
    assert response.status_code == status, response.text
    data = response.json()
    assert data["error"] == error, data
    assert data["reason"]
    return data  # type: ignore[no-any-return]


def test_peer_accepts_valid_entry_and_answers_with_receipt(target: Target) -> None:
    before = target.rows()
    _item, answer = target.extend()
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["accepted"] == 1 and data["head"]["size"] == len(target.chain)
    assert data["receipt"] is not None
    assert target.rows() == before + 2  # CN's entry and US's receipt


def test_peer_replay_stores_nothing(target: Target) -> None:
    first, _ = target.extend()
    before = target.rows()
    answer = target.push([first])
    assert answer.status_code == 200
    assert answer.json()["accepted"] == 0 and answer.json()["duplicates"] == 1
    assert target.rows() == before


def test_peer_rejects_bad_signature(target: Target) -> None:
    before = target.rows()
    item = target.entry(99, GENESIS_PREV)
    envelope = item.envelope()
    envelope["sig"] = b64encode(bytes(64))
    response = target.push_raw(json.dumps({"entries": [envelope]}).encode())
    data = refused(target, response, 403, "bad_signature")
    assert data["field"] == "entries[0].sig"
    assert target.rows() == before


def test_peer_rejects_unknown_key(target: Target) -> None:
    before = target.rows()
    stranger = SigningKey.generate()
    item = target.entry(2, GENESIS_PREV, key=stranger)
    response = target.push([item])
    # The request itself is signed with CN's real key; only the entry's key is unknown.
    refused(target, response, 403, "unknown_key")
    assert target.rows() == before


def test_peer_rejects_request_signed_by_unknown_key(target: Target) -> None:
    response = target.push([target.entry(2, GENESIS_PREV)], key=SigningKey.generate())
    refused(target, response, 401, "unauthorized")


def test_peer_rejects_gap(target: Target) -> None:
    before = target.rows()
    refused(target, target.push([target.entry(len(target.chain) + 5, "1" * 64)]), 409, "sequence")
    assert target.rows() == before


def test_peer_rejects_fork_as_equivocation(target: Target) -> None:
    target.extend()
    before = target.rows()
    fork = target.entry(1, GENESIS_PREV, text="a different first statement")
    data = refused(target, target.push([fork]), 409, "equivocation")
    assert "fork at seq 1" in data["reason"]
    assert target.rows() == before


def test_peer_rejects_wrong_channel_in_entry(target: Target) -> None:
    before = target.rows()
    item = target.entry(2, GENESIS_PREV, channel="ee" * 16)
    refused(target, target.push([item]), 404, "wrong_channel")
    assert target.rows() == before


def test_peer_rejects_unknown_channel_in_path(target: Target) -> None:
    refused(
        target,
        target.push([target.entry(2, GENESIS_PREV)], channel="ff" * 16),
        404,
        "wrong_channel",
    )


def test_peer_rejects_oversized_body(target: Target) -> None:
    before = target.rows()
    huge = b'{"entries": ["' + b"x" * (17 * 1024 * 1024) + b'"]}'
    refused(target, target.push_raw(huge), 400, "wire")
    assert target.rows() == before


def test_peer_rejects_malformed_json(target: Target) -> None:
    data = refused(target, target.push_raw(b'{"entries": [}'), 400, "wire")
    assert "malformed JSON" in data["reason"]


def test_peer_rejects_invalid_utf8(target: Target) -> None:
    data = refused(target, target.push_raw(b'{"entries": ["\xff\xfe"]}'), 400, "wire")
    assert "UTF-8" in data["reason"]


def test_peer_rejects_deeply_nested_json(target: Target) -> None:
    body = b'{"entries": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    refused(target, target.push_raw(body), 400, "wire")


def test_peer_rejects_bad_body_for_kind(target: Target) -> None:
    before = target.rows()
    key = target.cn_key
    item = sign_entry(
        Entry(
            channel=target.channel_id,
            party="CN",
            key=key.key_id,
            seq=2,
            prev=GENESIS_PREV,
            t=now_t(),
            precedence=Precedence.ROUTINE,
            tier=Tier.OPERATIONAL,
            kind="text",
            body={"text": "", "lang": "en"},
        ),
        key,
    )
    data = refused(target, target.push([item]), 422, "invalid")
    assert data["field"] == "entries[0].body.text"
    assert target.rows() == before


def test_peer_rejects_unsigned_request(target: Target) -> None:
    response = httpx.post(
        target.us.url + f"/peer/v1/channels/{target.channel_id}/entries",
        content=b'{"entries": []}',
        timeout=10,
    )
    data = refused(target, response, 401, "unauthorized")
    assert data["field"] == "detente-party"


def test_peer_error_summary_follows_accept_language(target: Target) -> None:
    item = target.entry(99, GENESIS_PREV)
    envelope = item.envelope()
    envelope["sig"] = b64encode(bytes(64))
    body = json.dumps({"entries": [envelope]}).encode()
    path = f"/peer/v1/channels/{target.channel_id}/entries"
    headers = sign_request(target.cn_key, "CN", "POST", path, body, time.time())
    for lang, summary in (("zh-CN", "签名无效"), ("en", "bad signature")):
        response = httpx.post(
            target.us.url + path,
            content=body,
            headers={**headers, "accept-language": lang},
            timeout=10,
        )
        assert response.json()["message"] == summary
        assert "does not verify" in response.json()["reason"]  # the exact detail stays English
