"""``detente meeting``, ``readout`` and ``statement``: talks at every tier, on the record."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from detente.cli.context import NodeApi, data_option, load_settings
from detente.cli.messages import guess_lang


def _slot(text: str) -> dict[str, str]:
    start, sep, end = text.partition("/")
    if not sep:
        raise click.BadParameter(f"{text!r}: expected START/END in ISO-8601 UTC")
    return {"start": start, "end": end}


def _post(
    data_dir: Path, to: str, kind: str, body: dict[str, Any], precedence: str, tier: str
) -> dict[str, Any]:
    api = NodeApi(load_settings(data_dir))
    result: dict[str, Any] = api.request(
        "POST",
        "/api/v1/messages",
        json={"to": to, "kind": kind, "body": body, "precedence": precedence, "tier": tier},
    )
    click.echo(f"sent {kind}: seq {result['seq']} id {result['id']}")
    return result


@click.group()
def meeting() -> None:
    """Propose and answer meetings."""


@meeting.command("propose")
@data_option
@click.option("--to", required=True)
@click.option("--title", required=True)
@click.option("--agenda", "agenda", multiple=True, required=True, help="One agenda item; repeat.")
@click.option("--slot", "slots", multiple=True, required=True, help="START/END (UTC); repeat.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["video", "phone", "in_person", "hotline"]),
    default="video",
    show_default=True,
)
@click.option("--tier", type=click.Choice(["operational", "theater", "policy"]), default="theater")
@click.option("--precedence", default="PRIORITY", show_default=True)
def propose(
    data_dir: Path,
    to: str,
    title: str,
    agenda: tuple[str, ...],
    slots: tuple[str, ...],
    fmt: str,
    tier: str,
    precedence: str,
) -> None:
    """Propose a meeting with an agenda and candidate slots."""
    _post(
        data_dir,
        to,
        "meeting_proposal",
        {
            "title": title,
            "agenda": list(agenda),
            "format": fmt,
            "candidate_slots": [_slot(s) for s in slots],
            "tier": tier,
        },
        precedence,
        tier,
    )


@meeting.command("respond")
@data_option
@click.option("--to", required=True)
@click.option("--accept", "accept", default=None, help="Accept this START/END slot.")
@click.option("--decline", "decline", default=None, help="Decline, with this reason.")
@click.option("--counter", "counter", multiple=True, help="Counter-propose START/END; repeat.")
@click.option("--tier", default="theater")
@click.argument("proposal_id")
def respond(
    data_dir: Path,
    to: str,
    accept: str | None,
    decline: str | None,
    counter: tuple[str, ...],
    tier: str,
    proposal_id: str,
) -> None:
    """Accept a slot, decline with a reason, or counter-propose slots."""
    chosen = [x for x in (accept, decline, counter or None) if x]
    if len(chosen) != 1:
        raise click.UsageError("give exactly one of --accept, --decline, --counter")
    body: dict[str, Any] = {"ref": proposal_id}
    if accept:
        body.update(response="accept", accepted_slot=_slot(accept))
    elif decline:
        body.update(response="decline", reason=decline)
    else:
        body.update(response="counter", counter_slots=[_slot(s) for s in counter])
    _post(data_dir, to, "meeting_response", body, "PRIORITY", tier)


@click.command()
@data_option
@click.option("--to", required=True)
@click.option("--lang", default=None)
@click.option("--participant", "participants", multiple=True)
@click.argument("proposal_id")
@click.argument("text")
def readout(
    data_dir: Path,
    to: str,
    lang: str | None,
    participants: tuple[str, ...],
    proposal_id: str,
    text: str,
) -> None:
    """Our own account of a meeting (the peer writes theirs; both are shown side by side)."""
    _post(
        data_dir,
        to,
        "readout",
        {
            "ref": proposal_id,
            "text": text,
            "lang": lang or guess_lang(text),
            "participants": list(participants),
        },
        "ROUTINE",
        "theater",
    )


@click.group()
def statement() -> None:
    """Joint statements: one text, signed by both parties."""


@statement.command("propose")
@data_option
@click.option("--to", required=True)
@click.option("--title", required=True)
@click.option("--en", "text_en", default=None)
@click.option("--zh", "text_zh", default=None)
@click.option("--ref", default=None, help="The meeting or incident it concludes.")
def propose_statement(
    data_dir: Path, to: str, title: str, text_en: str | None, text_zh: str | None, ref: str | None
) -> None:
    """Issue a joint statement draft (we sign it by issuing it)."""
    text = {k: v for k, v in (("en", text_en), ("zh", text_zh)) if v}
    if not text:
        raise click.UsageError("give --en and/or --zh")
    body: dict[str, Any] = {"title": title, "text": text}
    if ref:
        body["ref"] = ref
    _post(data_dir, to, "joint_statement", body, "PRIORITY", "policy")


@statement.command("endorse")
@data_option
@click.argument("statement_id")
def endorse(data_dir: Path, statement_id: str) -> None:
    """Sign the peer's joint statement, bound to its exact words."""
    api = NodeApi(load_settings(data_dir))
    result = api.request("POST", f"/api/v1/statements/{statement_id}/endorse")
    click.echo(f"endorsed (text sha256 {result['text_sha256'][:16]}…), seq {result['seq']}")


@click.command()
@data_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def dialogue(data_dir: Path, fmt: str) -> None:
    """Meetings with both readouts side by side, and joint statements."""
    data = NodeApi(load_settings(data_dir)).request("GET", "/api/v1/dialogue")
    if fmt == "json":
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    console = Console()
    for channel in data["channels"]:
        for m in channel["meetings"]:
            table = Table(title=f"Meeting: {m.get('title')} — {m.get('status')}")
            readouts = m.get("readouts", {})
            parties = sorted(readouts)
            for party in parties or ["(no readouts yet)"]:
                table.add_column(party)
            if parties:
                table.add_row(*["\n\n".join(r["text"] for r in readouts[p]) for p in parties])
            console.print(table)
        for s in channel["statements"]:
            signed = ", ".join(s["signed_by"])
            state = "signed by both" if s["signed_by_all"] else f"signed by {signed} only"
            console.print(f"[bold]Joint statement[/] {s['title']}: {state}")
