"""``detente audit``: read the node's audit log on its own machine, and verify it.

Reads the database directly (no running node needed), newest first.
``detente audit verify`` walks the records' hash chain and checks it against
the anchors our log signed for the peer; any sign of tampering is a non-zero
exit. This module must never offer to change or delete a record: there is no
such path.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from detente.cli.context import data_option, load_settings
from detente.cli.progress import progress_bars
from detente.node.audit_verification import verify_node_audit
from detente.store import audit as audit_queries
from detente.store.audit import AuditRecord
from detente.store.audit_verify import AuditReport
from detente.store.database import Database


def read_audit(
    data_dir: Path, *, limit: int, operator: str | None, action: str | None
) -> list[AuditRecord]:
    settings = load_settings(data_dir)
    db = Database(settings.db_url, sqlite_synchronous=settings.sqlite_synchronous)
    try:
        with db.reading() as conn:
            return audit_queries.list_records(conn, limit=limit, operator=operator, action=action)
    finally:
        db.close()


@click.group("audit", invoke_without_command=True)
@click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The node's data folder.",
)
@click.option("--limit", type=click.IntRange(1, 100_000), default=100, show_default=True)
@click.option("--operator", default=None, help="Only this operator's actions.")
@click.option("--action", default=None, help="Only this action (send, release, login, ...).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_context
def audit(
    ctx: click.Context,
    data_dir: Path | None,
    limit: int,
    operator: str | None,
    action: str | None,
    fmt: str,
) -> None:
    """Every operator action: who, as what role, from where, and how it ended.

    'detente audit verify --data DIR' checks the records' hash chain against
    the anchors this node signed for the peer, and names any tampering.
    """
    if ctx.invoked_subcommand is not None:
        return
    if data_dir is None:
        raise click.UsageError("Missing option '--data'.", ctx)
    records = read_audit(data_dir, limit=limit, operator=operator, action=action)
    if fmt == "json":
        click.echo(json.dumps([r.to_dict() for r in records], indent=2, ensure_ascii=False))
        return
    table = Table(title=f"Audit log (newest {len(records)})")
    for column in ("#", "time (UTC)", "operator", "role", "action", "target", "outcome", "from"):
        table.add_column(column)
    for r in records:
        when = datetime.fromtimestamp(r.t, UTC).strftime("%Y-%m-%d %H:%M:%S")
        cells = (r.operator, r.role, r.action, r.target[:40], r.outcome, r.source)
        table.add_row(str(r.audit_id), when, *(escape(c) for c in cells))
    Console().print(table)


@audit.command("verify")
@data_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def verify(data_dir: Path, fmt: str) -> None:
    """Walk the hash chain and check it against our signed anchors; exit 1 on tampering."""
    settings = load_settings(data_dir)
    db = Database(settings.db_url, sqlite_synchronous=settings.sqlite_synchronous)
    try:
        with progress_bars() as step:
            report = verify_node_audit(db, settings.party, step)
    finally:
        db.close()
    if fmt == "json":
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        _print_report(report)
    if not report.ok:
        raise SystemExit(1)


def _print_report(report: AuditReport) -> None:
    table = Table("records", "before the chain began", "chained", "anchors", "witnessed", "not yet")
    through = (
        f"{report.covered} (to #{report.witnessed_through})"
        if report.witnessed_through is not None
        else "none"
    )
    table.add_row(
        str(report.records),
        str(report.before_chain),
        str(report.chained),
        str(report.anchors),
        through,
        str(report.unwitnessed),
    )
    console = Console()
    console.print(table)
    for problem in (*report.broken, *report.bad_anchors):
        console.print(f"[red]✗ {escape(problem.text)}[/]", soft_wrap=True)
    if report.ok:
        console.print("[green]audit chain verified[/]")
    else:
        console.print("[red]audit log does NOT verify: it was changed on this machine[/]")
