"""``detente token issue``: a per-person operator API token with a role.

Runs on the node's machine against its database (no running node needed),
as the machine owner. The token is printed once and stored only as a hash;
the issue is recorded in the audit log. This module must never write a
token to a file or a log.
"""

from __future__ import annotations

import getpass
import json
import re
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from detente.cli.context import data_option, load_settings
from detente.errors import DetenteError
from detente.node.authority import load_rules
from detente.store import audit, tokens
from detente.store.audit import AuditAction, Outcome
from detente.store.database import Database

NAME_RE = re.compile(r"^[a-z][a-z0-9._-]{1,63}$")


def issue_token(data_dir: Path, operator: str, role: str) -> str:
    """Issue a token for ``operator`` with ``role`` (a role the node's rules know)."""
    settings = load_settings(data_dir)
    if not NAME_RE.match(operator):
        raise click.BadParameter(
            "2-64 characters: lower-case letters, digits, '.', '_' or '-', starting with a letter",
            param_hint="--operator",
        )
    rules = load_rules(settings.data_dir)
    if role not in rules.roles:
        raise click.BadParameter(
            f"unknown role {role!r}; use one of {', '.join(rules.roles)}", param_hint="--role"
        )
    db = Database(settings.db_url, sqlite_synchronous=settings.sqlite_synchronous)
    try:
        db.migrate()
        with db.writing() as conn:
            token = tokens.issue(conn, operator, role)
            audit.record(
                conn,
                operator=f"cli:{getpass.getuser()}",
                role="administrator",
                action=AuditAction.TOKEN_ISSUE,
                target=operator,
                outcome=Outcome.OK,
                source="cli",
                detail=f"role {role}",
            )
    finally:
        db.close()
    return token


@click.group()
def token() -> None:
    """Operator API tokens for people, one per person and role."""


@token.command("issue")
@data_option
@click.option("--operator", "operator", required=True, help="The person's name, e.g. li.wei.")
@click.option(
    "--role",
    required=True,
    help="operator, duty_officer, release_authority, auditor or administrator.",
)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def issue(data_dir: Path, operator: str, role: str, fmt: str) -> None:
    """Issue a token; it is shown once and only its hash is kept."""
    try:
        value = issue_token(data_dir, operator, role)
    except DetenteError as exc:
        raise click.ClickException(str(exc)) from exc
    if fmt == "json":
        click.echo(json.dumps({"operator": operator, "role": role, "token": value}))
        return
    table = Table(title="Operator API token (shown once; hand it over, do not store it here)")
    for column in ("operator", "role", "token"):
        table.add_column(column)
    table.add_row(operator, role, value)
    Console().print(table)
