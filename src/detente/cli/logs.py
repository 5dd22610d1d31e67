"""``detente log verify``: check this node's own log and its mirrors, offline."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from detente.cli.context import data_option, load_settings
from detente.cli.progress import progress_bars
from detente.node.service import NodeService
from detente.node.verification import verify_node_logs


@click.group("log")
def log_group() -> None:
    """Inspect and verify logs."""


@log_group.command("verify")
@data_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def verify(data_dir: Path, fmt: str) -> None:
    """Re-check every entry's signature, the hash chain and the Merkle root."""
    service = NodeService(load_settings(data_dir))
    try:
        with progress_bars() as step:
            report = verify_node_logs(service, step)
    finally:
        service.close()
    if fmt == "json":
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        table = Table("channel", "party", "entries", "root", "result")
        for item in report.logs:
            table.add_row(
                item.channel_id[:12] + "…",
                item.party,
                str(item.size),
                item.root[:16] + "…",
                "[green]verified[/]" if item.ok else "[red]" + "; ".join(item.problems[:3]) + "[/]",
            )
        Console().print(table)
    if not report.ok:
        raise SystemExit(1)
