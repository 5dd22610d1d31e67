"""Key rotation and revocation through the log, between two real nodes."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from detente.link.auth import sign_request
from detente.node.identity import load_key
from detente.testing import NodeProcess, running_pair, wait_until
from detente.wire.entry import Entry, now_t, sign_entry
from detente.wire.enums import Precedence, Tier
from detente.wire.keys import SigningKey


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[NodeProcess, NodeProcess]]:
    with running_pair(tmp_path) as nodes:
        yield nodes


def text(node: NodeProcess, to: str, words: str) -> dict[str, Any]:
    result: dict[str, Any] = node.api(
        "POST", "/api/v1/messages", json={"to": to, "body": {"text": words, "lang": "en"}}
    )
    return result


def has(node: NodeProcess, entry_id: str) -> bool:
    return any(
        e["id"] == entry_id
        for e in node.api("GET", "/api/v1/inbox", params={"limit": 1000})["entries"]
    )


def forged_push(
    us: NodeProcess, cn: NodeProcess, old: SigningKey, seq: int, prev: str
) -> httpx.Response:
    """What a thief holding US's old key would push to CN."""
    channel = cn.api("GET", "/api/v1/node")["channels"][0]["id"]
    item = sign_entry(
        Entry(
            channel=channel,
            party="US",
            key=old.key_id,
            seq=seq,
            prev=prev,
            t=now_t(),
            precedence=Precedence.FLASH,
            tier=Tier.POLICY,
            kind="text",
            body={"text": "forged order", "lang": "en"},
        ),
        old,
    )
    target = f"/peer/v1/channels/{channel}/entries"
    body = json.dumps({"entries": [item.envelope()]}).encode()
    headers = sign_request(old, "US", "POST", target, body, time.time())
    headers["content-type"] = "application/json"
    return httpx.post(cn.url + target, content=body, headers=headers, timeout=10)


def test_rotation_keeps_the_channel_and_refuses_the_old_key(
    pair: tuple[NodeProcess, NodeProcess],
) -> None:
    us, cn = pair
    old = load_key(us.settings)
    before = text(us, "CN", "signed with the first key")
    rotated = us.api("POST", "/api/v1/keys/rotate")
    assert rotated["old_key_id"] == old.key_id != rotated["key_id"]
    after = text(us, "CN", "signed with the new key")
    wait_until(lambda: has(cn, after["id"]), what="entry signed by the new key")
    assert has(cn, before["id"])
    for node in (us, cn):
        assert node.api("GET", "/api/v1/log/verify")["ok"]
    # The old key can no longer sign the log: the forged next entry is refused.
    response = forged_push(us, cn, old, after["seq"] + 1, after["id"])
    assert response.status_code in (401, 403), response.text
    # The node restarted keeps the new key.
    us.stop()
    us.start()
    again = text(us, "CN", "after restart")
    wait_until(lambda: has(cn, again["id"]), what="entry after restart")


def test_revocation_voids_the_old_key_and_raises_the_alarm(
    pair: tuple[NodeProcess, NodeProcess],
) -> None:
    us, cn = pair
    old = load_key(us.settings)
    first = text(us, "CN", "genuine")
    us.api("POST", "/api/v1/keys/rotate")
    us.api(
        "POST",
        "/api/v1/keys/revoke",
        json={"key_id": old.key_id, "from_seq": first["seq"], "reason": "laptop stolen"},
    )

    def revoked() -> list[dict[str, Any]]:
        return [a for a in cn.api("GET", "/api/v1/alarms")["alarms"] if a["kind"] == "key_revoked"]

    (alarm,) = wait_until(revoked, what="revocation alarm at CN")
    assert "laptop stolen" in alarm["text"]
    assert alarm["severity"] == 5  # entries it signed from that seq are now void
    response = forged_push(us, cn, old, 1, "0" * 64)  # even a replay of history by the thief
    assert response.status_code in (200, 401, 403)
    # The current key cannot be revoked without rotating first.
    refused = httpx.post(
        us.url + "/api/v1/keys/revoke",
        headers={"authorization": f"Bearer {us._token}"},
        json={"key_id": load_key(us.settings).key_id, "from_seq": 1, "reason": "x"},
    )
    assert refused.status_code == 422
