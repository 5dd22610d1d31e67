"""A bundle whose run spans a key rotation, exported from real nodes, verifies offline."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from detente.cli.main import main
from detente.errors import NotFoundError
from detente.link.settings import LinkSettings
from detente.log.evidence import encode_bundle
from detente.log.evidence_verify import verify_bundle
from detente.node.channel_settings import ChannelSettings
from detente.node.evidence_export import Selection, export_bundle
from detente.node.identity import load_key
from detente.store.database import Database
from detente.testing import NodeProcess, running_pair, wait_until

ONLY_ON_DEMAND = ChannelSettings(link=LinkSettings(checkpoint_interval_s=3600.0))
"""No timed checkpoint round during the test: only ``checkpoints/now`` makes one, so
what exists right after the rotation is known."""


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[NodeProcess, NodeProcess]]:
    with running_pair(tmp_path, terms=ONLY_ON_DEMAND) as nodes:
        yield nodes


def text(node: NodeProcess, to: str, words: str) -> dict[str, Any]:
    sent: dict[str, Any] = node.api(
        "POST", "/api/v1/messages", json={"to": to, "body": {"text": words, "lang": "en"}}
    )
    return sent


def receipted(node: NodeProcess, seq: int) -> bool:
    return all(r["receipted_seq"] >= seq for r in node.api("GET", "/api/v1/delivery")["channels"])


def witness_both(us: NodeProcess, cn: NodeProcess) -> None:
    """Checkpoint both logs until a round finds them quiet and already witnessed."""

    def settled() -> bool:
        results = us.api("POST", "/api/v1/checkpoints/now")["results"]
        results += cn.api("POST", "/api/v1/checkpoints/now")["results"]
        return all(r["status"] == "witnessed" for r in results)

    wait_until(settled, interval_s=0.5, what="checkpoints witnessed at a quiet log")


def export(node: NodeProcess, selection: Selection) -> dict[str, Any]:
    db = Database(node.settings.db_url)
    try:
        return export_bundle(
            db, party=node.settings.party, key=load_key(node.settings), selection=selection
        )
    finally:
        db.close()


def test_evidence_bundle_across_a_key_rotation_verifies_from_either_node(
    pair: tuple[NodeProcess, NodeProcess], tmp_path: Path
) -> None:
    us, cn = pair
    old = load_key(us.settings)
    before = text(us, "CN", "signed with the first key")
    wait_until(lambda: receipted(us, before["seq"]), what="receipt of the first statement")
    witness_both(us, cn)

    rotated = us.api("POST", "/api/v1/keys/rotate")
    assert rotated["old_key_id"] == old.key_id
    # Only checkpoints under the rotated-out key cover it yet: refused, and told what to do.
    with pytest.raises(NotFoundError) as refused:
        export(us, Selection(entry_ids=(before["id"],)))
    assert refused.value.field == "logs.US.checkpoint"
    assert "rotated out" in refused.value.reason
    assert "detente checkpoint now" in refused.value.reason

    after = text(us, "CN", "signed with the new key")
    wait_until(lambda: receipted(us, after["seq"]), what="receipt of the second statement")
    witness_both(us, cn)
    new = load_key(us.settings)
    assert new.key_id == rotated["key_id"]
    pins = {"US": new.verify_key, "CN": load_key(cn.settings).verify_key}

    for exporter in (us, cn):
        bundle = export(exporter, Selection(entry_ids=(before["id"], after["id"])))
        assert bundle["parties"]["US"]["key_id"] == new.key_id
        assert "earlier_keys" not in bundle["parties"]["CN"]
        report = verify_bundle(encode_bundle(bundle), keys=pins)
        assert report.ok, (exporter.settings.party, report.failures)
        assert report.parties["US"]["earlier_keys"] == [old.key_id]
        (rotation,) = [e for e in report.entries if e.kind == "key_rotation"]
        assert bundle["parties"]["US"]["earlier_keys"] == [
            {
                "key_id": old.key_id,
                "public_key": old.verify_key.b64(),
                "until_seq": rotation.seq + 1,
            }
        ]
        by_id = {e.id: e for e in report.entries}
        assert by_id[before["id"]].selected and by_id[after["id"]].selected
        assert by_id[before["id"]].seq < rotation.seq < by_id[after["id"]].seq
        assert by_id[before["id"]].received_by == "CN"

    # The node's own check says the same, and shows the earlier key it relied on.
    checked = us.api("POST", "/api/v1/evidence/verify", content=encode_bundle(bundle))
    assert checked["ok"] is True, checked["failures"]
    assert checked["parties"]["US"]["earlier_keys"] == [old.key_id]
    # So does the offline CLI, in its table.
    path = tmp_path / "bundle.json"
    path.write_bytes(encode_bundle(bundle))
    pinned = [f"--key=US={new.verify_key.b64()}", f"--key=CN={pins['CN'].b64()}"]
    shown = CliRunner().invoke(
        main, ["evidence", "verify", str(path), *pinned], env={"COLUMNS": "250"}
    )
    assert shown.exit_code == 0, shown.output
    assert "earlier keys used" in shown.output and old.key_id in shown.output
