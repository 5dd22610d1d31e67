"""``detente evidence export|verify`` and ``detente checkpoint now`` on real data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from detente.cli.evidence import checkpoint, evidence
from detente.node.identity import load_key
from detente.testing import NodeProcess, connect, make_node, wait_until
from tests.log.test_evidence import GOOD_BYTES, WORLD


def test_evidence_cli_verify_accepts_good_bundle(tmp_path: Path) -> None:
    path = tmp_path / "bundle.json"
    path.write_bytes(GOOD_BYTES)
    keys = [f"--key={p}={k.verify_key.b64()}" for p, k in WORLD.keys.items()]
    result = CliRunner().invoke(evidence, ["verify", str(path), *keys])
    assert result.exit_code == 0, result.output
    assert "bundle verified" in result.output
    as_json = CliRunner().invoke(evidence, ["verify", str(path), "--format", "json"])
    assert json.loads(as_json.output)["ok"] is True


def test_evidence_cli_verify_explains_each_failure(tmp_path: Path) -> None:
    bundle = json.loads(GOOD_BYTES)
    del bundle["logs"]["US"]["entries"][2]
    path = tmp_path / "bundle.json"
    path.write_bytes(json.dumps(bundle, separators=(",", ":"), sort_keys=True).encode())
    result = CliRunner().invoke(evidence, ["verify", str(path), "--format", "json"])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["ok"] is False
    assert any("seq 3 missing between 2 and 4" in f for f in report["failures"])
    assert report["failures"][-1].startswith("sig: the exporter US's signature")
    table = CliRunner().invoke(evidence, ["verify", str(path)])
    assert table.exit_code == 1
    assert "bundle does NOT verify" in table.output
    assert "✗ " in table.output and "seq 3 missing" in table.output
    assert "[red]" not in table.output and "[/]" not in table.output  # styled, not markup text


def test_evidence_cli_verify_refuses_malformed_key(tmp_path: Path) -> None:
    path = tmp_path / "bundle.json"
    path.write_bytes(GOOD_BYTES)
    result = CliRunner().invoke(evidence, ["verify", str(path), "--key", "US"])
    assert result.exit_code == 2
    assert "expected PARTY=PUBLIC_KEY" in result.output


@pytest.fixture(scope="module")
def node_dirs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """Two real nodes that talked and had their logs witnessed; stopped before export."""
    root = tmp_path_factory.mktemp("evidence_cli")
    us_settings = make_node(root / "us", "US", "INDOPACOM J3")
    cn_settings = make_node(root / "cn", "CN", "Southern Theater Command")
    connect(us_settings, cn_settings)
    us, cn = NodeProcess(us_settings), NodeProcess(cn_settings)
    try:
        us.start()
        cn.start()
        sent = us.api(
            "POST", "/api/v1/messages", json={"to": "CN", "body": {"text": "hello", "lang": "en"}}
        )
        cn.api(
            "POST", "/api/v1/messages", json={"to": "US", "body": {"text": "ni hao", "lang": "zh"}}
        )

        def witnessed() -> bool:
            runner = CliRunner()
            results = []
            for settings in (us_settings, cn_settings):
                out = runner.invoke(
                    checkpoint, ["now", "--data", str(settings.data_dir), "--format", "json"]
                )
                assert out.exit_code == 0, out.output
                results += json.loads(out.output)["results"]
            inbox = cn.api("GET", "/api/v1/inbox")["entries"]
            return any(e["id"] == sent["id"] for e in inbox) and all(
                r["status"] == "witnessed" for r in results
            )

        wait_until(witnessed, interval_s=0.5, what="both logs witnessed")
    finally:
        us.stop()
        cn.stop()
    return us_settings.data_dir, cn_settings.data_dir, sent["id"]


def test_evidence_cli_export_then_verify_offline(
    node_dirs: tuple[Path, Path, str], tmp_path: Path
) -> None:
    us_dir, cn_dir, sent_id = node_dirs
    out = tmp_path / "bundle.json"
    result = CliRunner().invoke(
        evidence, ["export", "--data", str(cn_dir), "--entries", sent_id, "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    from detente.node.settings import NodeSettings

    keys = [
        f"--key={s.party}={load_key(s).verify_key.b64()}"
        for s in (NodeSettings.load(us_dir), NodeSettings.load(cn_dir))
    ]
    verified = CliRunner().invoke(evidence, ["verify", str(out), "--format", "json", *keys])
    assert verified.exit_code == 0, verified.output
    report = json.loads(verified.output)
    (entry,) = [e for e in report["entries"] if e["id"] == sent_id]
    assert entry["body"] == {"text": "hello", "lang": "en"} and entry["received_by"] == "CN"

    data = bytearray(out.read_bytes())
    at = data.index(b"hello")
    data[at] = ord("j")
    out.write_bytes(bytes(data))
    failed = CliRunner().invoke(evidence, ["verify", str(out), "--format", "json"])
    assert failed.exit_code == 1
    assert any(
        "signature does not verify with US's key" in f
        for f in json.loads(failed.output)["failures"]
    )


def test_evidence_cli_export_writes_bundle_to_stdout(node_dirs: tuple[Path, Path, str]) -> None:
    us_dir, _, _ = node_dirs
    result = CliRunner().invoke(evidence, ["export", "--data", str(us_dir), "--from", "2000-01-01"])
    assert result.exit_code == 0, result.output
    bundle = json.loads(result.stdout)
    assert bundle["type"] == "detente/evidence"
    assert bundle["selection"]["from"] == "2000-01-01T00:00:00.000000Z"


def test_evidence_cli_export_needs_ids_after_entries(node_dirs: tuple[Path, Path, str]) -> None:
    us_dir, _, _ = node_dirs
    result = CliRunner().invoke(evidence, ["export", "--data", str(us_dir), "ab" * 32])
    assert result.exit_code == 2
    assert "entry ids follow --entries" in result.output
