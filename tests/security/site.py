"""The attack site: a real US node process, the test speaking as CN with CN's own key.

Tokens for every role are issued before the node starts. ``Site.counts``
reads the row count of every table of the schema, so each attack can show
that the database is unchanged (or changed only by the audit record and
alarm the threat model calls for).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from detente.link.auth import sign_request
from detente.link.settings import LinkSettings
from detente.node.channel_settings import ChannelSettings
from detente.node.identity import load_key, load_token
from detente.node.settings import NodeSettings
from detente.store import tokens
from detente.store.database import Database
from detente.store.schema import metadata
from detente.testing import (
    NodeProcess,
    connect,
    make_node,
    postgres_unavailable_reason,
    temporary_postgres_database,
    wait_until,
)
from detente.wire.entry import GENESIS_PREV, Entry, SignedEntry, now_t, sign_entry
from detente.wire.enums import Precedence, Tier
from detente.wire.keys import SigningKey

PEOPLE = {
    "li.wei": "operator",
    "chen.jie": "duty_officer",
    "wang.fang": "release_authority",
    "zhou.min": "release_authority",
    "audit.one": "auditor",
}


@dataclass
class Site:
    """US running for real; CN's identity in the test's hands; a token per person."""

    us: NodeProcess
    cn: NodeSettings
    cn_key: SigningKey
    channel_id: str
    tokens: dict[str, str]
    chain: list[SignedEntry] = field(default_factory=list)
    db: Database | None = None

    def stop(self) -> None:
        if self.db is not None:
            self.db.close()
        self.us.stop()

    # database ------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Rows in every table the schema declares, in one read transaction."""
        if self.db is None:
            self.db = Database(self.us.settings.db_url)
        with self.db.reading() as conn:
            return {
                t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
                for t in metadata.sorted_tables
            }

    def changed(self, before: dict[str, int]) -> dict[str, int]:
        """Tables whose row count moved since ``before``, with the difference."""
        after = self.counts()
        return {name: after[name] - before[name] for name in after if after[name] != before[name]}

    # operator API ----------------------------------------------------------------

    def api(self, who: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        token = self.tokens[who]
        headers = {"authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        return httpx.request(method, self.us.url + path, headers=headers, timeout=30, **kwargs)

    # peer API, speaking as CN ---------------------------------------------------

    def entry(
        self,
        seq: int,
        prev: str,
        *,
        key: SigningKey | None = None,
        channel: str | None = None,
        body: dict[str, Any] | None = None,
        kind: str = "text",
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
                kind=kind,
                body=body or {"text": "hello", "lang": "en"},
            ),
            key,
        )

    def next_entry(self, **kwargs: Any) -> SignedEntry:
        prev = self.chain[-1].id if self.chain else GENESIS_PREV
        return self.entry(len(self.chain) + 1, prev, **kwargs)

    def extend(self, **kwargs: Any) -> SignedEntry:
        """Push CN's next valid entry; it must be accepted."""
        item = self.next_entry(**kwargs)
        response = self.push([item])
        assert response.status_code == 200, response.text
        self.chain.append(item)
        return item

    def push_raw(
        self,
        body: bytes,
        *,
        channel: str | None = None,
        key: SigningKey | None = None,
        content_type: str = "application/json",
    ) -> httpx.Response:
        target = f"/peer/v1/channels/{channel or self.channel_id}/entries"
        headers = sign_request(key or self.cn_key, "CN", "POST", target, body, time.time())
        headers["content-type"] = content_type
        return httpx.post(self.us.url + target, content=body, headers=headers, timeout=30)

    def push(self, items: list[SignedEntry], **kwargs: Any) -> httpx.Response:
        body = json.dumps({"entries": [i.envelope() for i in items]}).encode()
        return self.push_raw(body, **kwargs)


def refused(response: httpx.Response, status: int, error: str) -> dict[str, Any]:
    """The response is a refusal with this status and error code, and it says why."""
    assert response.status_code == status, response.text
    data: dict[str, Any] = response.json()
    assert data["error"] == error, data
    assert data["reason"], data
    return data


def start_site(base: Path, db_url: str | None = None) -> Site:
    """US on ``db_url`` (SQLite in its folder by default); CN only as an identity."""
    us = make_node(base / "us", "US", "INDOPACOM J3", db_url=db_url)
    cn = make_node(base / "cn", "CN", "Southern Theater Command")
    # No timed checkpoint during a module: tests count the rows each request adds.
    quiet = ChannelSettings(link=LinkSettings(checkpoint_interval_s=86400))
    channel_id = connect(us, cn, quiet)
    issued = {"local-admin": load_token(us)}
    db = Database(us.db_url)
    try:
        with db.writing() as conn:
            for person, role in PEOPLE.items():
                issued[person] = tokens.issue(conn, person, role)
    finally:
        db.close()
    node = NodeProcess(us).start()  # CN is never started: the test speaks for it
    site = Site(node, cn, load_key(cn), channel_id, issued)
    # The node's unprompted writes at start are its first link check and, if the
    # start-up checkpoint round ran after it, a checkpoint of it. Sign that checkpoint
    # now (it is signed once per log size), so no test sees either land mid-way.
    wait_until(lambda: site.counts()["entries"] >= 1, what="the first link check")
    node.api("POST", "/api/v1/checkpoints/now")
    wait_until(lambda: site.counts()["checkpoints"] >= 1, what="the start-up checkpoint")
    return site


ENGINES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
"""For a module that runs on both databases: ``pytestmark = BOTH_ENGINES``."""

BOTH_ENGINES = pytest.mark.parametrize("site", ENGINES, indirect=True, scope="module")


@contextmanager
def site_on(engine: str, base: Path) -> Iterator[Site]:
    """A site on SQLite, or on a fresh database of the real PostgreSQL (a loud skip without)."""
    if engine == "sqlite":
        node = start_site(base)
    else:
        reason = postgres_unavailable_reason()
        if reason:
            pytest.skip(f"SKIPPING POSTGRES TEST LOUDLY: {reason}")
        with temporary_postgres_database() as url:
            node = start_site(base, url)
            try:
                yield node
            finally:
                node.stop()
            return
    try:
        yield node
    finally:
        node.stop()
