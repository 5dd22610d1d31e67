"""``detente audit``: read the node's audit log on its own machine.

Reads the database directly (no running node needed), newest first. This
module must never offer to change or delete a record: there is no such path.
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
from detente.store import audit as audit_queries
from detente.store.audit import AuditRecord
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


@click.command("audit")
@data_option
@click.option("--limit", type=click.IntRange(1, 100_000), default=100, show_default=True)
@click.option("--operator", default=None, help="Only this operator's actions.")
@click.option("--action", default=None, help="Only this action (send, release, login, ...).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def audit(data_dir: Path, limit: int, operator: str | None, action: str | None, fmt: str) -> None:
    """Every operator action: who, as what role, from where, and how it ended."""
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
