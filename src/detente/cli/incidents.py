"""``detente incident`` and ``detente playbook``: shared cases from alarm to calm.

Reading commands (list, show, report, stats) open the node's database
directly, so they work whether or not the node is running; commands that
sign (open, assess, step, close, endorse) go through the running node's
operator API, whose courier delivers what they sign.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from detente.cli.context import NodeApi, data_option, load_settings
from detente.errors import DetenteError
from detente.incidents.levels import meaning
from detente.incidents.playbook import bundled_playbook, load_playbook
from detente.incidents.report import html_to_pdf, pdf_converter
from detente.node import incidents as node_incidents
from detente.node.service import NodeService

format_option = click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)


@contextmanager
def _service(data_dir: Path) -> Iterator[NodeService]:
    service = NodeService(load_settings(data_dir))
    try:
        yield service
    except DetenteError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        service.close()


def _resolve(service: NodeService, given: str) -> str:
    """A full id from a unique prefix (an incident's or a duplicate's)."""
    text = given.strip().lower()
    if len(text) == 64:
        return text
    rows: list[dict[str, Any]] = list(node_incidents.list_incidents(service))
    ids = {
        i
        for row in rows
        for i in [str(row["id"]), *(str(d) for d in row["duplicates"])]
        if i.startswith(text)
    }
    if len(ids) != 1:
        what = "no incident" if not ids else f"{len(ids)} incidents"
        raise click.ClickException(f"incident: {what} with an id starting {given!r}")
    return ids.pop()


def _echo_json(data: object) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


@click.group()
def incident() -> None:
    """Incidents: open, assess, work the playbook, close, report."""


@incident.command("list")
@data_option
@format_option
@click.option(
    "--state",
    type=click.Choice(["opened", "acknowledged", "in_dialogue", "resolved", "closed_one_sided"]),
)
def list_command(data_dir: Path, fmt: str, state: str | None) -> None:
    """Every incident on this node, oldest first."""
    with _service(data_dir) as service:
        rows: list[dict[str, Any]] = list(node_incidents.list_incidents(service, state=state))
    if fmt == "json":
        _echo_json(
            [
                {
                    k: r[k]
                    for k in (
                        "id",
                        "type",
                        "state",
                        "level",
                        "opened_t",
                        "parties",
                        "title",
                        "tier",
                        "assessments",
                        "levels_differ",
                    )
                }
                for r in rows
            ]
        )
        return
    table = Table(title=f"{len(rows)} incident(s)")
    for column in ("id", "type", "state", "level", "tier", "opened", "parties", "title"):
        table.add_column(column, no_wrap=column in ("id", "state"), overflow="fold")
    for r in rows:
        level = str(r["level"]) + (" [red]≠[/]" if r["levels_differ"] else "")
        table.add_row(
            str(r["id"])[:12],
            str(r["type"]),
            str(r["state"]),
            level,
            str(r["tier"]),
            str(r["opened_t"])[:19],
            ", ".join(r["parties"]),
            str(r["title"]),
        )
    console = Console()
    console.print(table)
    differ = [str(r["id"])[:12] for r in rows if r["levels_differ"]]
    if differ:
        console.print(f"[red]the sides' assessments differ on: {', '.join(differ)}[/]")


@incident.command("show")
@click.argument("incident_id")
@data_option
@format_option
def show(incident_id: str, data_dir: Path, fmt: str) -> None:
    """One incident: state, levels, merged timeline, our playbook steps."""
    with _service(data_dir) as service:
        data: dict[str, Any] = node_incidents.detail(service, _resolve(service, incident_id))
    if fmt == "json":
        _echo_json(data)
        return
    console = Console()
    console.print(f"[bold]{data['title']}[/]  {data['id']}")
    console.print(
        f"type {data['type']} · state [bold]{data['state']}[/] · tier {data['tier']} · "
        f"opened {data['opened_t']} by {data['opener']}"
    )
    console.print(f"proposed level {data['proposed_level']}: {meaning(data['proposed_level'])}")
    for party, a in data["assessments"].items():
        console.print(
            f"  {party} assesses level {a['level']}: {meaning(a['level'])} ({a['rationale']})"
        )
    if data["levels_differ"]:
        console.print("  [bold red]the sides' assessments differ[/]")
    timeline = Table(title=f"Timeline (both logs, UTC, from {data['opened_t'][:10]})")
    for column in ("signed", "side", "kind", "role", "received", "acknowledged"):
        timeline.add_column(column, no_wrap=column in ("signed", "received"))
    for row in data["timeline"]:
        acks = ", ".join(f"{a['party']} {a['t'][11:19]}" for a in row["acks"]) or "—"
        timeline.add_row(
            row["t"][11:19],
            row["party"],
            row["kind"],
            row["role"],
            (row["received_t"] or "—")[11:19] or "—",
            acks,
        )
    console.print(timeline)
    steps = Table(title=f"Playbook {data['playbook'] or '—'} ({data['me']})")
    for column in ("#", "step", "sent", "acknowledged", "due"):
        steps.add_column(column)
    for s in data["steps"]:
        acked = ", ".join(a["party"] for a in s["acks"]) or "—"
        due = (s["due_t"] or "—") + (" [red]overdue[/]" if s["overdue"] else "")
        steps.add_row(str(s["index"] + 1), s["title"]["en"], s["sent_t"] or "not sent", acked, due)
    console.print(steps)
    if data["next_step"]:
        console.print(
            f"next step: [bold]{data['next_step']['id']}[/] "
            f"(detente incident step {data['id'][:12]} --data …)"
        )


@incident.command("report")
@click.argument("incident_id")
@data_option
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write the HTML report.",
)
@click.option("--evidence", is_flag=True, help="Attach the evidence bundle of the timeline.")
@click.option(
    "--pdf/--no-pdf",
    default=True,
    show_default=True,
    help="Also print a PDF next to the HTML when a converter is installed.",
)
def report(incident_id: str, data_dir: Path, out: Path, evidence: bool, pdf: bool) -> None:
    """The after-action report: timeline, assessments, steps, response times, map plot."""
    err = Console(stderr=True)
    with _service(data_dir) as service, err.status("writing the report…"):
        full_id = _resolve(service, incident_id)
        attached = None
        if evidence:
            bundle_path = out.with_name(out.stem + ".evidence.json")
            attached = node_incidents.export_evidence(service, full_id, bundle_path)
            err.print(f"evidence bundle: {bundle_path}")
        out.write_text(node_incidents.report_html(service, full_id, attached), encoding="utf-8")
        click.echo(f"report: {out}")
        if pdf and pdf_converter() is not None:
            pdf_path = out.with_suffix(".pdf")
            html_to_pdf(out, pdf_path)
            click.echo(f"pdf: {pdf_path}")


@incident.command("stats")
@data_option
@format_option
def stats(data_dir: Path, fmt: str) -> None:
    """Counts by type and level; median time to peer acknowledgement and to resolution."""
    with _service(data_dir) as service:
        data: dict[str, Any] = node_incidents.statistics(service)
    if fmt == "json":
        _echo_json(data)
        return
    console = Console()
    console.print(
        f"{data['count']} incident(s); by type {data['by_type']}; "
        f"by level {data['by_level']}; by state {data['by_state']}"
    )
    table = Table(title="Per side")
    for column in (
        "side",
        "opened",
        "median to peer ack",
        "median to resolution",
        "median to acknowledge others",
    ):
        table.add_column(column)

    def s(figure: dict[str, Any]) -> str:
        m = figure["median_s"]
        return "—" if m is None else f"{m:.1f} s (n={figure['count']})"

    for party, side in data["per_side"].items():
        table.add_row(
            party,
            str(side["opened"]),
            s(side["time_to_peer_ack"]),
            s(side["time_to_resolution"]),
            s(side["time_to_acknowledge_others"]),
        )
    console.print(table)


@incident.command("open")
@data_option
@click.option("--to", required=True, help="The peer party.")
@click.option("--type", "incident_type", default="operator_report", show_default=True)
@click.option("--title", required=True)
@click.option("--fact", "facts", multiple=True, required=True, help="One fact; repeat.")
@click.option("--tag", "tags", multiple=True, help="A fact tag such as fire_control_radar.")
@click.option("--level", type=click.IntRange(1, 5))
def open_command(
    data_dir: Path,
    to: str,
    incident_type: str,
    title: str,
    facts: tuple[str, ...],
    tags: tuple[str, ...],
    level: int | None,
) -> None:
    """Open an incident by hand (through the running node)."""
    body = {
        "to": to,
        "type": incident_type,
        "title": title,
        "facts": list(facts),
        "tags": list(tags),
        "level": level,
    }
    result = NodeApi(load_settings(data_dir)).request("POST", "/api/v1/incidents", json=body)
    click.echo(f"opened incident {result['id']}")


@incident.command("assess")
@click.argument("incident_id")
@data_option
@click.option("--level", type=click.IntRange(1, 5), required=True)
@click.option("--rationale", required=True)
def assess(incident_id: str, data_dir: Path, level: int, rationale: str) -> None:
    """Sign our own assessment of the incident's level."""
    api = NodeApi(load_settings(data_dir))
    result = api.request(
        "POST",
        f"/api/v1/incidents/{incident_id}/assessment",
        json={"level": level, "rationale": rationale},
    )
    click.echo(f"assessed level {level}: {meaning(level)} (entry {result['id'][:12]})")


@incident.command("step")
@click.argument("incident_id")
@data_option
@click.option("--step", "step_id", help="A step id; the next step when omitted.")
def step(incident_id: str, data_dir: Path, step_id: str | None) -> None:
    """Send the next playbook step (or the one named)."""
    api = NodeApi(load_settings(data_dir))
    result = api.request("POST", f"/api/v1/incidents/{incident_id}/steps", json={"step": step_id})
    click.echo(f"sent step {result['step']['id']} as {result['kind']} {result['id'][:12]}")


@incident.command("close")
@click.argument("incident_id")
@data_option
@click.option("--outcome", type=click.Choice(["resolved", "one_sided"]), required=True)
@click.option("--fact", "facts", multiple=True, required=True, help="An agreed fact; repeat.")
@click.option("--measure", "measures", multiple=True, help="An agreed measure; repeat.")
@click.option("--note")
def close(
    incident_id: str,
    data_dir: Path,
    outcome: str,
    facts: tuple[str, ...],
    measures: tuple[str, ...],
    note: str | None,
) -> None:
    """Propose a joint resolution, or close the incident on our side alone."""
    api = NodeApi(load_settings(data_dir))
    result = api.request(
        "POST",
        f"/api/v1/incidents/{incident_id}/close",
        json={
            "outcome": outcome,
            "agreed_facts": list(facts),
            "measures": list(measures),
            "note": note,
        },
    )
    click.echo(f"{outcome} closing signed: {result['id']}")


@incident.command("endorse")
@click.argument("incident_id")
@data_option
def endorse(incident_id: str, data_dir: Path) -> None:
    """Sign the peer's resolution proposal as it stands."""
    result = NodeApi(load_settings(data_dir)).request(
        "POST", f"/api/v1/incidents/{incident_id}/endorse"
    )
    click.echo(f"resolution endorsed: {result['id']}")


@click.group()
def playbook() -> None:
    """De-escalation playbooks: check a file, show the one shipped for a type."""


@playbook.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def check(file: Path) -> None:
    """Validate a playbook file: structure, phrase codes, parameters, placeholders."""
    try:
        loaded = load_playbook(file)
    except DetenteError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{file}: valid {loaded.type.value} playbook with {len(loaded.steps)} steps")
    for index, s in enumerate(loaded.steps, 1):
        what = s.code or s.kind
        click.echo(f"  {index}. {s.id}: {what}, {s.precedence.value}, due {s.deadline_s:g} s")


@playbook.command("show")
@click.argument("incident_type")
def show_playbook(incident_type: str) -> None:
    """Print the playbook shipped for an incident type (a starting point to edit)."""
    try:
        loaded = bundled_playbook(incident_type)
    except DetenteError as exc:
        raise click.ClickException(str(exc)) from exc
    _echo_json(loaded.model_dump(mode="json"))
