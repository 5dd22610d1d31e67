"""Witnessed checkpoints between two real node processes, and equivocation provoked for real."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from detente.link.auth import sign_request
from detente.log.checkpoint import Checkpoint, SignedCheckpoint, sign_checkpoint
from detente.node.identity import load_key
from detente.node.settings import NodeSettings
from detente.node.witness import WitnessView, judge, judge_proof
from detente.store import alarms
from detente.store import checkpoints as stored_checkpoints
from detente.store.database import Database
from detente.testing import NodeProcess, connect, make_node, wait_until
from detente.wire.entry import now_t
from detente.wire.keys import SigningKey


@dataclass
class Pair:
    us: NodeProcess
    cn: NodeProcess
    channel_id: str

    def say(self, node: NodeProcess, text: str) -> dict[str, Any]:
        other = "CN" if node is self.us else "US"
        result: dict[str, Any] = node.api(
            "POST", "/api/v1/messages", json={"to": other, "body": {"text": text, "lang": "en"}}
        )
        return result

    def checkpoint_now(self, node: NodeProcess) -> list[dict[str, Any]]:
        results: list[dict[str, Any]] = node.api("POST", "/api/v1/checkpoints/now")["results"]
        return results


def _start(tmp_path: Path, db_url: str, *, duties: bool) -> Iterator[Pair]:
    us = make_node(tmp_path / "us", "US", "INDOPACOM J3", db_url=db_url)
    cn = make_node(tmp_path / "cn", "CN", "Southern Theater Command")
    channel_id = connect(us, cn)
    args = () if duties else ("--no-duties",)
    nodes = (NodeProcess(us, extra_args=args), NodeProcess(cn, extra_args=args))
    try:
        for node in nodes:
            node.start()
        yield Pair(nodes[0], nodes[1], channel_id)
    finally:
        for node in nodes:
            node.stop()


@pytest.fixture
def pair(tmp_path: Path, db_url: str) -> Iterator[Pair]:
    """Both nodes deliver on their own (courier running)."""
    yield from _start(tmp_path, db_url, duties=True)


@pytest.fixture
def still_pair(tmp_path: Path) -> Iterator[Pair]:
    """Neither node delivers: a peer's mirror stays empty, so witnessing needs proofs."""
    yield from _start(tmp_path, f"sqlite:///{tmp_path / 'us.sqlite'}", duties=False)


def _checkpoint_as(
    settings: NodeSettings, channel_id: str, size: int, root: str
) -> SignedCheckpoint:
    key = load_key(settings)
    return sign_checkpoint(
        Checkpoint(
            channel=channel_id,
            party=settings.party,
            key=key.key_id,
            size=size,
            root=root,
            t=now_t(),
        ),
        key,
    )


def _post_checkpoint(
    to: NodeProcess, sender: NodeSettings, channel_id: str, signed: SignedCheckpoint
) -> httpx.Response:
    """POST a checkpoint to a running node, signed as ``sender`` with its own key."""
    key: SigningKey = load_key(sender)
    target = f"/peer/v1/channels/{channel_id}/checkpoints"
    body = json.dumps({"checkpoint": signed.wire()}).encode()
    headers = sign_request(key, sender.party, "POST", target, body, time.time())
    headers["content-type"] = "application/json"
    return httpx.post(to.url + target, content=body, headers=headers, timeout=20)


def _open_equivocations(node: NodeProcess) -> list[alarms.Alarm]:
    db = Database(node.settings.db_url)
    try:
        with db.reading() as conn:
            return alarms.list_open(conn, kind="equivocation")
    finally:
        db.close()


def _kept(node: NodeProcess, channel_id: str, party: str, size: int) -> list[str]:
    db = Database(node.settings.db_url)
    try:
        with db.reading() as conn:
            return [
                s.checkpoint.root for s in stored_checkpoints.at_size(conn, channel_id, party, size)
            ]
    finally:
        db.close()


def _delivered(pair: Pair, seq: int) -> None:
    def done() -> bool:
        return all(
            r["receipted_seq"] >= seq for r in pair.us.api("GET", "/api/v1/delivery")["channels"]
        )

    wait_until(done, what="CN receipt at US")


def test_witness_cosigns_checkpoints_both_ways(pair: Pair) -> None:
    sent = pair.say(pair.us, "Request your intentions")
    pair.say(pair.cn, "Passing astern")
    _delivered(pair, sent["seq"])
    (us_result,) = pair.checkpoint_now(pair.us)
    (cn_result,) = pair.checkpoint_now(pair.cn)
    assert us_result["status"] == "cosigned", us_result
    assert cn_result["status"] == "cosigned", cn_result
    assert pair.checkpoint_now(pair.us)[0]["status"] == "witnessed"

    listed = pair.us.api("GET", f"/api/v1/channels/{pair.channel_id}/checkpoints?party=US")
    top = listed["checkpoints"][0]
    assert top["size"] == us_result["size"]
    assert [c["witness"] for c in top["cosignatures"]] == ["CN"]
    assert _open_equivocations(pair.us) == [] and _open_equivocations(pair.cn) == []


def test_witness_refuses_checkpoint_that_contradicts_mirror(pair: Pair) -> None:
    sent = pair.say(pair.cn, "Passing astern")

    def mirrored() -> bool:
        return bool(pair.us.api("GET", "/api/v1/inbox")["entries"])

    wait_until(mirrored, what="CN entry at US")
    forged = _checkpoint_as(pair.cn.settings, pair.channel_id, sent["seq"], "ab" * 32)
    response = _post_checkpoint(pair.us, pair.cn.settings, pair.channel_id, forged)
    assert response.status_code == 409, response.text
    answer = response.json()
    assert answer["error"] == "equivocation"
    assert f"checkpoint for size {sent['seq']} has root abababab" in answer["reason"]
    (alarm,) = _open_equivocations(pair.us)
    assert alarm.severity == 5
    assert alarm.ref == forged.digest
    assert alarm.details["checkpoint"] == forged.wire()
    assert "ab" * 32 in _kept(pair.us, pair.channel_id, "CN", sent["seq"])


def test_witness_raises_equivocation_on_two_checkpoints_of_one_size(still_pair: Pair) -> None:
    pair = still_pair
    for n in range(3):
        pair.say(pair.cn, f"statement {n}")
    (first,) = pair.checkpoint_now(pair.cn)
    assert first["status"] == "cosigned", first
    assert first["size"] == 3
    # A retry of the genuine checkpoint gets the very cosignature already given.
    (kept,) = pair.cn.api("GET", f"/api/v1/channels/{pair.channel_id}/checkpoints?party=CN")[
        "checkpoints"
    ]
    key = load_key(pair.cn.settings)
    target = f"/peer/v1/channels/{pair.channel_id}/checkpoints"
    body = json.dumps({"checkpoint": kept["checkpoint"]}).encode()
    headers = sign_request(key, "CN", "POST", target, body, time.time())
    retry = httpx.post(pair.us.url + target, content=body, headers=headers, timeout=20)
    assert retry.status_code == 200, retry.text
    assert [retry.json()["cosignature"]] == kept["cosignatures"]

    forged = _checkpoint_as(pair.cn.settings, pair.channel_id, 3, "cd" * 32)
    response = _post_checkpoint(pair.us, pair.cn.settings, pair.channel_id, forged)
    assert response.status_code == 409, response.text
    reason = response.json()["reason"]
    assert "CN signed two different checkpoints for size 3" in reason
    assert "both signed statements are kept" in reason

    (alarm,) = _open_equivocations(pair.us)
    assert alarm.severity == 5 and alarm.kind == "equivocation"
    other = alarm.details["other_checkpoint"]
    assert isinstance(other, dict) and first["root"] in str(other["payload"])
    assert sorted(_kept(pair.us, pair.channel_id, "CN", 3)) == sorted([first["root"], "cd" * 32])

    # The same forgery again keeps one alarm (idempotent per checkpoint).
    again = _post_checkpoint(pair.us, pair.cn.settings, pair.channel_id, forged)
    assert again.status_code == 409
    assert len(_open_equivocations(pair.us)) == 1


def test_witness_checks_consistency_proof_from_last_witnessed(still_pair: Pair) -> None:
    pair = still_pair
    for n in range(3):
        pair.say(pair.cn, f"statement {n}")
    assert pair.checkpoint_now(pair.cn)[0]["status"] == "cosigned"
    for n in range(4):
        pair.say(pair.cn, f"more {n}")
    # US mirrors nothing (no delivery): only a proof 3 -> 7 from CN can vouch for this.
    (grown,) = pair.checkpoint_now(pair.cn)
    assert grown["status"] == "cosigned", grown
    assert grown["size"] == 7

    for n in range(2):
        pair.say(pair.cn, f"later {n}")
    forged = _checkpoint_as(pair.cn.settings, pair.channel_id, 9, "ef" * 32)
    response = _post_checkpoint(pair.us, pair.cn.settings, pair.channel_id, forged)
    assert response.status_code == 409, response.text
    reason = response.json()["reason"]
    assert "not consistent with the last checkpoint we witnessed at size 7" in reason
    (alarm,) = _open_equivocations(pair.us)
    assert alarm.severity == 5


def test_witness_rejects_checkpoint_signed_by_wrong_key(still_pair: Pair) -> None:
    pair = still_pair
    pair.say(pair.cn, "statement")
    impostor = SigningKey.generate()
    cp = Checkpoint(
        channel=pair.channel_id, party="CN", key=impostor.key_id, size=1, root="00" * 32, t=now_t()
    )
    response = _post_checkpoint(
        pair.us, pair.cn.settings, pair.channel_id, sign_checkpoint(cp, impostor)
    )
    assert response.status_code == 403, response.text
    assert response.json()["field"] == "checkpoint.sig"
    assert _open_equivocations(pair.us) == []


def _signed(size: int, root: str) -> SignedCheckpoint:
    key = SigningKey.generate()
    return sign_checkpoint(
        Checkpoint(channel="a" * 32, party="CN", key=key.key_id, size=size, root=root, t=now_t()),
        key,
    )


def test_judge_first_checkpoint_is_accepted_without_proof() -> None:
    view = WitnessView((), 0, None, 0, "", "our mirror")
    verdict = judge(_signed(5, "11" * 32), view)
    assert verdict.ok and verdict.proof_sizes is None


def test_judge_asks_for_proof_between_base_and_new_size() -> None:
    view = WitnessView((), 2, None, 4, "22" * 32, "the last checkpoint we witnessed")
    assert judge(_signed(9, "11" * 32), view).proof_sizes == (4, 9)
    assert judge(_signed(3, "11" * 32), view).proof_sizes == (3, 4)


def test_judge_proof_rejects_proof_of_other_tree() -> None:
    from detente.log.tree import MerkleTree

    leaves = [bytes([i]) * 32 for i in range(8)]
    tree = MerkleTree(leaves)
    view = WitnessView((), 0, None, 3, tree.root(3).hex(), "our mirror")
    good = _signed(8, tree.root(8).hex())
    assert judge_proof(good, view, tree.consistency_proof(3, 8)).ok
    other = MerkleTree([leaves[0], b"\xff" * 32, *leaves[2:]])
    bad = _signed(8, other.root(8).hex())
    verdict = judge_proof(bad, view, other.consistency_proof(3, 8))
    assert not verdict.ok
    assert "not consistent with our mirror at size 3" in verdict.reason
