"""``detente channel``: set up a channel by exchanging two signed files."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from detente.cli.context import data_option, load_settings
from detente.errors import DetenteError
from detente.node.channel_doc import parse_document
from detente.node.channel_settings import ChannelSettings
from detente.node.channel_setup import accept as accept_doc
from detente.node.channel_setup import invite as invite_doc
from detente.node.identity import load_key
from detente.store import channels as queries
from detente.store.database import Database


@click.group()
def channel() -> None:
    """Set up and list channels."""


@channel.command("invite")
@data_option
@click.option("--link-check-s", type=float, default=None, help="Link check interval (seconds).")
@click.option(
    "--terms",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="JSON file of channel terms (languages, link, deadlines).",
)
def invite(data_dir: Path, link_check_s: float | None, terms: Path | None) -> None:
    """Write an invitation to stdout; give it to the peer with your fingerprint."""
    settings = load_settings(data_dir)
    try:
        raw = json.loads(terms.read_text(encoding="utf-8")) if terms else {}
        if link_check_s is not None:
            raw.setdefault("link", {})["link_check_interval_s"] = link_check_s
        channel_terms = ChannelSettings.model_validate(raw)
        db = Database(settings.db_url)
        db.migrate()
        outcome = invite_doc(db, settings, load_key(settings), channel_terms)
        db.close()
    except (DetenteError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    assert outcome.document is not None
    click.echo(outcome.document.model_dump_json(indent=2))
    click.echo(f"invitation for channel {outcome.channel_id}", err=True)
    click.echo(f"your fingerprint: {outcome.my_fingerprint}", err=True)


@channel.command("accept")
@data_option
@click.argument("document", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the acceptance (default: stdout).",
)
def accept(data_dir: Path, document: Path, out: Path | None) -> None:
    """Accept an invitation (writes an acceptance) or an acceptance of ours."""
    settings = load_settings(data_dir)
    try:
        doc = parse_document(document.read_text(encoding="utf-8")[:1_000_000])
        db = Database(settings.db_url)
        db.migrate()
        outcome = accept_doc(db, settings, load_key(settings), doc)
        db.close()
    except DetenteError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"channel {outcome.channel_id} is {outcome.state}", err=True)
    click.echo(f"peer {outcome.peer_party} fingerprint: {outcome.peer_fingerprint}", err=True)
    click.echo(f"your fingerprint:        {outcome.my_fingerprint}", err=True)
    click.echo(
        "Compare both fingerprints with the peer by another means before trusting it.", err=True
    )
    if outcome.document is not None:
        text = outcome.document.model_dump_json(indent=2)
        if out:
            out.write_text(text + "\n", encoding="utf-8")
        else:
            click.echo(text)


@channel.command("list")
@data_option
def list_channels(data_dir: Path) -> None:
    """Channels on this node with their members."""
    settings = load_settings(data_dir)
    db = Database(settings.db_url)
    with db.reading() as conn:
        rows = queries.list_channels(conn)
    db.close()
    table = Table("channel", "state", "parties", "endpoints")
    for row in rows:
        table.add_row(
            row.channel_id,
            row.state,
            ", ".join(m.party + (" (self)" if m.is_self else "") for m in row.members),
            ", ".join(m.endpoint for m in row.members),
        )
    Console().print(table)
