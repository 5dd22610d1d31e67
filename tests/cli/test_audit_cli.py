"""``detente audit verify`` on the data folder of a real node whose anchors the peer holds."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Executable, update

from detente.cli.audit import audit
from detente.node.settings import NodeSettings
from detente.store import audit as audit_queries
from detente.store.database import Database
from detente.store.schema import audit_log
from detente.testing import running_pair, wait_until
from tests.store.audit_tampering import drop_triggers, recomputed_chain

WIDE = {"COLUMNS": "200"}


def records(settings: NodeSettings) -> list[audit_queries.AuditRecord]:
    db = Database(settings.db_url)
    try:
        with db.reading() as conn:
            return audit_queries.records_from(conn, None, 100_000)
    finally:
        db.close()


@pytest.fixture(scope="module")
def witnessed(tmp_path_factory: pytest.TempPathFactory) -> tuple[NodeSettings, int]:
    """A US node whose operator sent a message, and CN holding an anchor over that record."""
    root = tmp_path_factory.mktemp("audit_cli")
    with running_pair(root, us_update={"audit_anchor_interval_s": 0.5}) as (us_node, cn_node):
        us = us_node.settings
        message = {"to": "CN", "body": {"text": "Request your intentions", "lang": "en"}}
        sent = us_node.api("POST", "/api/v1/messages", json=message)
        (record,) = [r for r in records(us) if r.action == "send" and sent["id"] in str(r.detail)]

        def anchored_at_cn() -> bool:
            later = {r.chain for r in records(us) if r.audit_id >= record.audit_id}
            inbox = cn_node.api("GET", "/api/v1/inbox")["entries"]
            return any(e["kind"] == "audit_anchor" and e["body"]["head"] in later for e in inbox)

        wait_until(anchored_at_cn, what="CN to hold a US anchor over the operator's record")
    return us, record.audit_id


def copy_of(settings: NodeSettings, tmp_path: Path) -> NodeSettings:
    """The data folder duplicated, so each test tampers with its own."""

    target = tmp_path / "us"
    shutil.copytree(settings.data_dir, target)
    db_url = settings.db_url.replace(str(settings.data_dir), str(target))
    copied = settings.model_copy(update={"data_dir": target, "db_url": db_url})
    copied.save()
    return copied


def as_owner(settings: NodeSettings, *statements: Executable) -> None:
    """Drop the append-only triggers, as the machine's owner can, and run ``statements``."""
    db = Database(settings.db_url)
    try:
        drop_triggers(db)
        with db.writing() as conn:
            for statement in statements:
                conn.execute(statement)
    finally:
        db.close()


def verify(settings: NodeSettings, *args: str) -> tuple[int, str]:
    cli = ["verify", "--data", str(settings.data_dir), *args]
    result = CliRunner(env=WIDE).invoke(audit, cli)
    return result.exit_code, result.output


def test_audit_verify_passes_on_an_untouched_node(
    witnessed: tuple[NodeSettings, int], tmp_path: Path
) -> None:
    settings, audit_id = witnessed
    code, output = verify(copy_of(settings, tmp_path))
    assert code == 0, output
    assert "audit chain verified" in output
    code, output = verify(copy_of(settings, tmp_path / "json"), "--format", "json")
    assert code == 0, output
    report = json.loads(output)
    assert report["ok"] is True and report["before_chain"] == 0
    assert report["anchors"] >= 1 and report["witnessed_through"] >= audit_id
    assert report["unwitnessed"] >= 1, "at least the newest anchor's own record"


def test_audit_verify_names_the_changed_record(
    witnessed: tuple[NodeSettings, int], tmp_path: Path
) -> None:
    settings, audit_id = copy_of(witnessed[0], tmp_path), witnessed[1]
    as_owner(
        settings,
        update(audit_log).where(audit_log.c.audit_id == audit_id).values(detail="nothing sent"),
    )
    code, output = verify(settings)
    assert code == 1, output
    assert f"audit_id {audit_id} does not chain onto audit_id {audit_id - 1}" in output
    assert "does NOT verify" in output
    code, output = verify(settings, "--format", "json")
    assert code == 1 and json.loads(output)["first_break"]["audit_id"] == audit_id


def test_audit_verify_catches_a_recomputed_chain_by_the_peers_anchor(
    witnessed: tuple[NodeSettings, int], tmp_path: Path
) -> None:
    settings, audit_id = copy_of(witnessed[0], tmp_path), witnessed[1]
    rewrites = recomputed_chain(records(settings), changed_id=audit_id, detail="nothing sent")
    as_owner(settings, *rewrites)
    code, output = verify(settings, "--format", "json")
    assert code == 1, output
    report = json.loads(output)
    assert report["broken"] == [], "the rewritten chain is consistent in itself"
    assert report["bad_anchors"] and "which no audit record carries" in output


def test_audit_verify_refuses_a_folder_that_is_not_a_node(tmp_path: Path) -> None:
    result = CliRunner().invoke(audit, ["verify", "--data", str(tmp_path)])
    assert result.exit_code == 1 and "no node.json" in result.output
    result = CliRunner().invoke(audit, ["--format", "json"])
    assert result.exit_code == 2 and "--data" in result.output
    result = CliRunner().invoke(audit, ["verify"])
    assert result.exit_code == 2 and "--data" in result.output
