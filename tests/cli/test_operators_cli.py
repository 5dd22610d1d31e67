"""``detente operator add|list|passwd`` on a data folder (the node need not run)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from detente.cli.operators import operator
from detente.node import operators as accounts
from detente.node.operators import AccountPolicy
from detente.node.settings import NodeSettings
from detente.store.database import Database
from detente.testing import make_node


def test_operator_cli_adds_lists_and_changes_passwords(tmp_path: Path) -> None:
    settings: NodeSettings = make_node(tmp_path / "us", "US", "US node")
    data = str(settings.data_dir)
    secret = tmp_path / "pw.txt"
    secret.write_text("correct horse battery staple\n", encoding="utf-8")
    runner = CliRunner()
    added = runner.invoke(
        operator,
        [
            "add",
            "--data",
            data,
            "--name",
            "dora",
            "--role",
            "duty_officer",
            "--password-file",
            str(secret),
        ],
    )
    assert added.exit_code == 0, added.output
    prompted = runner.invoke(
        operator,
        ["add", "--data", data, "--name", "chen", "--role", "auditor", "--lang", "zh"],
        input="another long password\nanother long password\n",
    )
    assert prompted.exit_code == 0, prompted.output
    assert "another long password" not in prompted.output
    listed = runner.invoke(operator, ["list", "--data", data, "--format", "json"])
    rows = json.loads(listed.output)
    assert [(r["name"], r["role"], r["lang"]) for r in rows] == [
        ("chen", "auditor", "zh"),
        ("dora", "duty_officer", "en"),
    ]
    assert "hash" not in listed.output
    duplicate = runner.invoke(
        operator,
        [
            "add",
            "--data",
            data,
            "--name",
            "dora",
            "--role",
            "operator",
            "--password-file",
            str(secret),
        ],
    )
    assert duplicate.exit_code != 0
    assert "name: operator dora already exists" in duplicate.output
    changed = runner.invoke(
        operator, ["passwd", "--data", data, "--name", "dora"], input="a brand new passphrase\n" * 2
    )
    assert changed.exit_code == 0, changed.output
    db = Database(settings.db_url)
    try:
        row = accounts.authenticate(
            db, "dora", "a brand new passphrase", policy=AccountPolicy(), now=1.0
        )
    finally:
        db.close()
    assert row.role == "duty_officer"
