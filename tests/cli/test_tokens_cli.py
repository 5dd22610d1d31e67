"""``detente token issue`` and ``detente audit``: per-person tokens, each issue on the record."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from detente.cli.audit import audit
from detente.cli.tokens import token
from detente.node.settings import NodeSettings
from detente.store import audit as audit_queries
from detente.store import tokens
from detente.store.database import Database
from detente.testing import make_node


def lookup(settings: NodeSettings, value: str) -> tuple[str, str] | None:
    db = Database(settings.db_url)
    try:
        with db.reading() as conn:
            return tokens.lookup(conn, value)
    finally:
        db.close()


def test_token_issue_creates_a_working_token_and_audits_it(tmp_path: Path) -> None:
    settings = make_node(tmp_path / "us", "US", "INDOPACOM J3")
    args = ["issue", "--data", str(settings.data_dir), "--operator", "li.wei", "--role"]
    result = CliRunner().invoke(token, [*args, "duty_officer", "--format", "json"])
    assert result.exit_code == 0, result.output
    issued = json.loads(result.output)
    assert issued["operator"] == "li.wei" and issued["role"] == "duty_officer"
    assert lookup(settings, issued["token"]) == ("li.wei", "duty_officer")
    listed = CliRunner().invoke(audit, ["--data", str(settings.data_dir), "--format", "json"])
    assert listed.exit_code == 0, listed.output
    (record,) = json.loads(listed.output)
    assert (record["action"], record["target"], record["detail"]) == (
        "token_issue",
        "li.wei",
        "role duty_officer",
    )
    assert issued["token"] not in listed.output  # the audit log never holds the secret


def test_token_issue_refuses_unknown_role_and_bad_name(tmp_path: Path) -> None:
    settings = make_node(tmp_path / "us", "US", "INDOPACOM J3")
    base = ["issue", "--data", str(settings.data_dir)]
    bad_role = CliRunner().invoke(token, [*base, "--operator", "li.wei", "--role", "root"])
    assert bad_role.exit_code == 2 and "unknown role 'root'" in bad_role.output
    bad_name = CliRunner().invoke(
        token, [*base, "--operator", "Robert'); DROP TABLE api_tokens;--", "--role", "operator"]
    )
    assert bad_name.exit_code == 2 and "--operator" in bad_name.output
    listed = CliRunner().invoke(audit, ["--data", str(settings.data_dir), "--format", "json"])
    assert json.loads(listed.output) == []


def test_audit_table_output_escapes_markup(tmp_path: Path) -> None:
    """A name like ``[red]x[/red]`` is shown as typed, not interpreted by the terminal table."""
    settings = make_node(tmp_path / "us", "US", "INDOPACOM J3")
    db = Database(settings.db_url)
    try:
        with db.writing() as conn:
            audit_queries.record(
                conn,
                operator="[red]mallory[/red]",
                role="operator",
                action="send",
                target="x",
                outcome="refused",
                source="10.0.0.1",
            )
    finally:
        db.close()
    runner = CliRunner(env={"COLUMNS": "200"})
    result = runner.invoke(audit, ["--data", str(settings.data_dir), "--action", "send"])
    assert result.exit_code == 0, result.output
    assert "[red]mallory[/red]" in result.output and "refused" in result.output
