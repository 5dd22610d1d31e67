"""``detente status``, ``ack``, ``alarms``, ``suspend`` and ``resume``: the channel's pulse."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from detente.cli.context import NodeApi, cli_gettext, data_option, load_settings


def _s(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.1f} s"


@click.command()
@data_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def status(data_dir: Path, fmt: str) -> None:
    """Channel health per channel and direction, and open alarms."""
    data: dict[str, Any] = NodeApi(load_settings(data_dir)).request("GET", "/api/v1/status")
    if fmt == "json":
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    console = Console()
    _ = cli_gettext()
    for channel in data["channels"]:
        suspended = channel["suspended_by"]
        title = f"Channel {channel['channel'][:12]}… " + (
            "[bold red]SUSPENDED by " + ", ".join(s["party"] for s in suspended) + "[/]"
            if suspended
            else "[green]open[/]"
        )
        table = Table(title=title)
        for column in (
            "Peer",
            "Direction",
            "Receipt p50/p95",
            "Acknowledgement p50/p95",
            "Open deadlines",
            "Missed",
            "Longest silence",
            "Availability",
            "Outage now",
        ):
            table.add_column(_(column))
        for peer in channel["peers"]:
            for direction in ("out", "in"):
                figures = peer[direction]
                r, a = figures["receipt_latency"], figures["ack_latency"]
                table.add_row(
                    peer["peer"],
                    _("to peer") if direction == "out" else _("from peer"),
                    f"{_s(r['p50_s'])} / {_s(r['p95_s'])}",
                    f"{_s(a['p50_s'])} / {_s(a['p95_s'])}",
                    str(figures["open_deadlines"]),
                    str(figures["missed_deadlines"]),
                    _s(figures.get("longest_silence_s")) if direction == "in" else "",
                    f"{peer['availability'] * 100:.2f} %",
                    "[bold red]DOWN[/]" if peer["current_outage"] else "",
                )
        console.print(table)
    alarms = data["open_alarms"]
    if alarms:
        table = Table(title=_("Open alarms"))
        for column in ("Severity", "Kind", "Content"):
            table.add_column(_(column))
        for alarm in alarms:
            table.add_row(str(alarm["severity"]), alarm["kind"], alarm["text"])
        console.print(table)
    else:
        console.print(f"[green]{_('No open alarms.')}[/]")


@click.command()
@data_option
@click.option("--role", required=True, help="Your role, e.g. 'duty officer'.")
@click.option("--officer", default=None, help="Your name, for the record.")
@click.argument("entry_id")
def ack(data_dir: Path, role: str, officer: str | None, entry_id: str) -> None:
    """Acknowledge (read and understood) a peer's statement; stops its deadline."""
    body = {"ref": entry_id, "role": role, **({"officer": officer} if officer else {})}
    result = NodeApi(load_settings(data_dir)).request("POST", "/api/v1/acknowledge", json=body)
    click.echo(f"acknowledged, seq {result['seq']} id {result['id']}")


@click.command()
@data_option
@click.option("--open", "open_only", is_flag=True, help="Only alarms not yet cleared.")
def alarms(data_dir: Path, open_only: bool) -> None:
    """Alarms raised by this node, newest first."""
    data = NodeApi(load_settings(data_dir)).request(
        "GET", "/api/v1/alarms", params={"open_only": open_only}
    )
    table = Table("raised", "sev", "kind", "text", "cleared")
    from detente.node.views import iso

    for alarm in data["alarms"]:
        table.add_row(
            iso(alarm["raised_t"]) or "",
            str(alarm["severity"]),
            alarm["kind"],
            alarm["text"],
            iso(alarm["cleared_t"]) or "",
        )
    Console().print(table)


@click.command()
@data_option
@click.option("--channel", "channel_id", required=True)
@click.option("--reason", required=True, help="Why dialogue is suspended (on the record).")
def suspend(data_dir: Path, channel_id: str, reason: str) -> None:
    """Suspend dialogue on a channel; the safety floor keeps flowing."""
    result = NodeApi(load_settings(data_dir)).request(
        "POST", f"/api/v1/channels/{channel_id}/suspend", json={"reason": reason}
    )
    click.echo(f"suspended; suspension id {result['id']}")


@click.command()
@data_option
@click.option("--channel", "channel_id", required=True)
@click.argument("suspension_id")
def resume(data_dir: Path, channel_id: str, suspension_id: str) -> None:
    """End our suspension of dialogue."""
    NodeApi(load_settings(data_dir)).request(
        "POST", f"/api/v1/channels/{channel_id}/resume", json={"ref": suspension_id}
    )
    click.echo("dialogue resumed")
