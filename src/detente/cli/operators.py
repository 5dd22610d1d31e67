"""``detente operator add|list|passwd``: dashboard accounts, managed on the node's database.

These commands work on the data folder directly (the node need not run), so
the first administrator can be created before the dashboard exists. They
must never echo, log or store a plain password.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from detente.cli.context import data_option, load_settings
from detente.errors import DetenteError
from detente.node import operators as accounts
from detente.store.database import Database


@contextmanager
def _database(data_dir: Path) -> Iterator[Database]:
    settings = load_settings(data_dir)
    db = Database(settings.db_url, sqlite_synchronous=settings.sqlite_synchronous)
    try:
        db.migrate()
        yield db
    except DetenteError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        db.close()


def _password(password_file: Path | None) -> str:
    if password_file is not None:
        return password_file.read_text(encoding="utf-8").rstrip("\r\n")
    value: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


password_file_option = click.option(
    "--password-file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Read the password from this file (first line) instead of prompting.",
)


@click.group()
def operator() -> None:
    """Dashboard operators: named logins with roles."""


@operator.command("add")
@data_option
@click.option("--name", required=True, help="Login name (lower case).")
@click.option(
    "--role", required=True, type=click.Choice([r.value for r in accounts.Role]), help="Role."
)
@click.option("--lang", type=click.Choice(list(accounts.LANGS)), default="en", show_default=True)
@password_file_option
def add(data_dir: Path, name: str, role: str, lang: str, password_file: Path | None) -> None:
    """Create an operator account."""
    with _database(data_dir) as db:
        accounts.add_operator(db, name, role, _password(password_file), lang)
    click.echo(f"operator {name} added ({role})")


@operator.command("list")
@data_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def list_(data_dir: Path, fmt: str) -> None:
    """Every operator with role, language and lockout state (never the hash)."""
    with _database(data_dir) as db:
        rows = accounts.list_operators(db)
    data = [
        {
            "name": r.name,
            "role": r.role,
            "lang": r.lang,
            "failed_logins": r.failed_logins,
            "locked_until": None
            if r.locked_until_t is None
            else datetime.fromtimestamp(r.locked_until_t, UTC).isoformat(),
            "disabled": r.disabled,
        }
        for r in rows
    ]
    if fmt == "json":
        click.echo(json.dumps(data, indent=2))
        return
    table = Table(title="Operators")
    for column in ("name", "role", "lang", "failed logins", "locked until"):
        table.add_column(column)
    for d in data:
        table.add_row(
            str(d["name"]),
            str(d["role"]),
            str(d["lang"]),
            str(d["failed_logins"]),
            str(d["locked_until"] or "—"),
        )
    Console().print(table)


@operator.command("passwd")
@data_option
@click.option("--name", required=True)
@password_file_option
def passwd(data_dir: Path, name: str, password_file: Path | None) -> None:
    """Set a new password; clears a lockout and ends the operator's sessions."""
    with _database(data_dir) as db:
        accounts.set_password(db, name, _password(password_file))
    click.echo(f"password of {name} changed")
