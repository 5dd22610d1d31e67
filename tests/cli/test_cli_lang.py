"""The CLI speaks the operator's language (DETENTE_LANG), against a real node."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from detente.cli.main import main
from detente.testing import running_pair, wait_until


def test_cli_tables_follow_detente_lang(tmp_path: Path) -> None:
    with running_pair(tmp_path) as (us, _cn):
        runner = CliRunner()
        data = str(us.settings.data_dir)
        wait_until(
            lambda: any(
                e["kind"] == "link_check" for e in us.api("GET", "/api/v1/outbox")["entries"]
            ),
            what="the first link check",
        )
        zh = runner.invoke(
            main, ["outbox", "--data", data], env={"DETENTE_LANG": "zh", "COLUMNS": "240"}
        )
        en = runner.invoke(
            main, ["outbox", "--data", data], env={"DETENTE_LANG": "en", "COLUMNS": "240"}
        )
        status = runner.invoke(
            main, ["status", "--data", data], env={"DETENTE_LANG": "zh", "COLUMNS": "240"}
        )
    assert zh.exit_code == 0, zh.output
    assert "发件箱" in zh.output
    assert "紧急程度" in zh.output
    # Rows too: the node's first link check, named and summarised in Chinese.
    assert "链路检查" in zh.output and "常规" in zh.output and "作战层级" in zh.output
    assert "Outbox" in en.output
    assert "Precedence" in en.output
    assert "Link check" in en.output and "ROUTINE" in en.output
    assert status.exit_code == 0, status.output
    assert "可用率" in status.output
