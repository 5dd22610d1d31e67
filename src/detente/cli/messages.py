"""``detente send``, ``inbox`` and ``outbox``: talk through a running node."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from detente.cli.context import NodeApi, cli_gettext, cli_lang, data_option, load_settings
from detente.errors import DetenteError
from detente.i18n.phrases import params_from_assignments, validate
from detente.i18n.render import render_all
from detente.i18n.summaries import FREE_TEXT, kind_label, summarise
from detente.wire.enums import Precedence, Tier

HAN = re.compile(r"[\u3400-\u9fff]")
PRECEDENCE_STYLE = {
    "FLASH": "bold white on red",
    "IMMEDIATE": "bold red",
    "PRIORITY": "yellow",
    "ROUTINE": "",
}


def guess_lang(text: str) -> str:
    """Han characters mean Chinese; otherwise English. ``--lang`` overrides."""
    return "zh" if HAN.search(text) else "en"


@click.command()
@data_option
@click.option("--to", "to", default=None, help="Peer party, e.g. CN.")
@click.option("--channel", "channel_id", default=None, help="Channel id (instead of --to).")
@click.option(
    "--precedence",
    type=click.Choice([p.value for p in Precedence]),
    default="ROUTINE",
    show_default=True,
)
@click.option(
    "--tier", type=click.Choice([t.value for t in Tier]), default="operational", show_default=True
)
@click.option("--lang", default=None, help="Language tag of the text (default: guessed).")
@click.option("--ref", "refs", multiple=True, help="Entry id this statement refers to.")
@click.option(
    "--phrase",
    "code",
    default=None,
    help="Send a standard phrase: CODE, then its parameters as key=value.",
)
@click.argument("words", nargs=-1, required=True)
def send(
    data_dir: Path,
    to: str | None,
    channel_id: str | None,
    precedence: str,
    tier: str,
    lang: str | None,
    refs: tuple[str, ...],
    code: str | None,
    words: tuple[str, ...],
) -> None:
    """Send free text (TEXT...) or a standard phrase (--phrase CODE key=value ...) to a peer.

    A phrase is checked against the catalogue here, before anything is signed,
    and shown in every language of the channel.
    """
    if code:
        try:
            params = params_from_assignments(code, words)
            validate(code, params)
            kind = "phrase"
            body: dict[str, Any] = {"code": code, "params": params}
            if lang:
                body["lang"] = lang
            preview = render_all(code, params)
        except DetenteError as exc:
            raise click.UsageError(str(exc)) from exc
    else:
        text = " ".join(words)
        kind, body, preview = "text", {"text": text, "lang": lang or guess_lang(text)}, {}
    api = NodeApi(load_settings(data_dir))
    result = api.request(
        "POST",
        "/api/v1/messages",
        json={
            "to": to,
            "channel": channel_id,
            "kind": kind,
            "body": body,
            "precedence": precedence,
            "tier": tier,
            "refs": list(refs),
        },
    )
    for language, rendered in preview.items():
        click.echo(f"[{language}] {rendered}")
    click.echo(f"sent seq {result['seq']} id {result['id']}")


def _summary(entry: dict[str, Any]) -> str:
    """Free text keeps its language tag: the reader should know what was written in."""
    line = summarise(entry["kind"], entry["body"], cli_lang())
    written_in = entry["body"].get("lang") if entry["kind"] in FREE_TEXT else None
    return f"[{written_in}] {line}" if written_in else line


def _delivery(peer: str, state: dict[str, Any]) -> str:
    if state["receipted_t"]:
        return f"{peer}: {state['receipted_t']}"
    return f"{peer}: {'delivered' if state['delivered'] else '…'}"


def _print(entries: list[dict[str, Any]], title: str, fmt: str, *, outbox: bool) -> None:
    if fmt == "json":
        click.echo(json.dumps(entries, ensure_ascii=False, indent=2))
        return
    _ = cli_gettext()
    table = Table(title=_(title))
    for column in ("Time (UTC)", "From", "Seq", "Precedence", "Tier", "Kind", "Content"):
        table.add_column(_(column))
    if outbox:
        table.add_column(_("Receipt"))
    for entry in entries:
        cells = [
            entry["t"],
            entry["party"],
            str(entry["seq"]),
            f"[{PRECEDENCE_STYLE[entry['precedence']]}]{_(entry['precedence'])}[/]"
            if PRECEDENCE_STYLE[entry["precedence"]]
            else _(entry["precedence"]),
            _(entry["tier"]),
            _(kind_label(entry["kind"])),
            _summary(entry),
        ]
        if outbox:
            cells.append(", ".join(_delivery(p, s) for p, s in entry.get("delivery", {}).items()))
        table.add_row(*cells)
    Console().print(table)


@click.command()
@data_option
@click.option("--limit", type=int, default=50, show_default=True)
@click.option("--receipts", is_flag=True, help="Show receipt entries too.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def inbox(data_dir: Path, limit: int, receipts: bool, fmt: str) -> None:
    """What peers said, newest first."""
    api = NodeApi(load_settings(data_dir))
    data = api.request("GET", "/api/v1/inbox", params={"limit": limit, "receipts": receipts})
    _print(data["entries"], "Inbox", fmt, outbox=False)


@click.command()
@data_option
@click.option("--limit", type=int, default=50, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def outbox(data_dir: Path, limit: int, fmt: str) -> None:
    """What we said, newest first, with delivery and receipt per peer."""
    api = NodeApi(load_settings(data_dir))
    data = api.request("GET", "/api/v1/outbox", params={"limit": limit})
    _print(data["entries"], "Outbox", fmt, outbox=True)
