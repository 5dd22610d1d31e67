"""``detente log verify`` on real data folders: clean, tampered, and its progress reports."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import update

from detente.cli.context import load_settings
from detente.cli.logs import log_group
from detente.link.outgoing import Draft
from detente.node.service import NodeService
from detente.node.verification import verify_node_logs
from detente.store.database import Database
from detente.store.schema import entries
from detente.testing import relay, service_pair
from detente.wire.enums import Precedence


def exchanged(base: Path) -> tuple[Path, str]:
    """US's data folder after three statements each way, mirrored and receipted."""
    with service_pair(base) as (us, cn, channel_id):
        for n in range(3):
            for speaker in (us, cn):
                text = {"text": f"Statement {n} from {speaker.party}", "lang": "en"}
                speaker.send(channel_id, [Draft("text", text, Precedence.ROUTINE)])
            relay(us, cn, channel_id)
        return us.settings.data_dir, channel_id


def test_log_verify_passes_and_reports_progress_to_the_end(tmp_path: Path) -> None:
    data_dir, channel_id = exchanged(tmp_path)
    result = CliRunner().invoke(log_group, ["verify", "--data", str(data_dir), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["ok"] is True
    assert {(r["party"], r["ok"]) for r in report["logs"]} == {("US", True), ("CN", True)}

    heard: dict[str, tuple[int, int]] = {}
    service = NodeService(load_settings(data_dir))
    try:
        verify_node_logs(service, lambda what, done, total: heard.update({what: (done, total)}))
    finally:
        service.close()
    sizes = {r["party"]: r["size"] for r in report["logs"]}
    assert heard == {f"{channel_id[:8]}… {p}": (size, size) for p, size in sizes.items()}


def test_log_verify_names_a_changed_entry_and_exits_non_zero(tmp_path: Path) -> None:
    data_dir, _ = exchanged(tmp_path)
    db = Database(load_settings(data_dir).db_url)
    try:
        with db.writing() as conn:
            row = conn.execute(
                entries.select().where(entries.c.party == "CN", entries.c.kind == "text")
            ).first()
            assert row is not None
            forged = row.payload.replace("Statement 0 from CN", "Statement 0 from XX")
            conn.execute(update(entries).where(entries.c.id == row.id).values(payload=forged))
    finally:
        db.close()
    result = CliRunner().invoke(
        log_group, ["verify", "--data", str(data_dir)], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 1
    assert "verified" in result.stdout  # our own log still is
    report = json.loads(
        CliRunner()
        .invoke(log_group, ["verify", "--data", str(data_dir), "--format", "json"])
        .stdout
    )
    (bad,) = [r for r in report["logs"] if not r["ok"]]
    assert bad["party"] == "CN"
    assert bad["problems"], "the failure is named"


def test_log_verify_refuses_a_folder_that_is_not_a_node(tmp_path: Path) -> None:
    result = CliRunner().invoke(log_group, ["verify", "--data", str(tmp_path)])
    assert result.exit_code == 1
    assert "data: no node.json" in result.output
    assert list(tmp_path.iterdir()) == [], "nothing written"
