"""CLI for planned activities: offline conflict checks, and the ``plan`` group for node commands.

Commands here are thin: they read files, call ``detente.deconflict`` and
print. JSON goes to stdout and progress to stderr, so output can be piped.
Finding conflicts is a normal answer (exit code 0); only an unreadable file
fails the command.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from detente.cli.context import NodeApi, data_option, load_settings
from detente.deconflict.conflict import ConflictBuffer
from detente.deconflict.feature_conflicts import FeatureConflict, feature_conflicts
from detente.deconflict.geojson_io import FeatureVolume, InvalidFeature, load_features
from detente.errors import DetenteError


@click.group()
def activities() -> None:
    """Check planned activities for conflicts."""


@click.group()
def plan() -> None:
    """A party's own private plans, checked against the peer's notices (node commands)."""


@activities.command("conflicts")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(["json", "table"]), default="json", show_default=True
)
@click.option(
    "--buffer-m",
    type=click.FloatRange(min=0.0),
    default=0.0,
    show_default=True,
    help="Required separation in metres, horizontal and vertical.",
)
@click.option(
    "--buffer-s",
    type=click.FloatRange(min=0.0),
    default=0.0,
    show_default=True,
    help="Required separation in time, seconds.",
)
def conflicts(files: tuple[Path, ...], fmt: str, buffer_m: float, buffer_s: float) -> None:
    """Every conflicting pair of different parties' volumes in GeoJSON FILES."""
    volumes: list[FeatureVolume] = []
    invalid: list[InvalidFeature] = []
    err = Console(stderr=True)
    with err.status("reading volumes", spinner="dots"):
        for path in files:
            try:
                good, bad = load_features(path)
            except DetenteError as exc:
                raise click.ClickException(str(exc)) from exc
            volumes.extend(good)
            invalid.extend(bad)
    with err.status(f"checking {len(volumes)} volumes", spinner="dots"):
        found = feature_conflicts(volumes, ConflictBuffer(space_m=buffer_m, time_s=buffer_s))
    if fmt == "json":
        click.echo(json.dumps(_as_json(found, invalid), ensure_ascii=False, indent=1))
    else:
        _print_tables(found, invalid)


def _as_json(found: list[FeatureConflict], invalid: list[InvalidFeature]) -> dict[str, object]:
    return {
        "conflicts": [pair.to_dict() for pair in found],
        "invalid": [{"id": bad.id, "reason": bad.reason} for bad in invalid],
    }


def _print_tables(found: list[FeatureConflict], invalid: list[InvalidFeature]) -> None:
    out = Console()
    table = Table(title=f"{len(found)} conflicts")
    for column in ("a", "b", "parties", "start", "end", "alt m", "area km²"):
        table.add_column(column)
    for pair in found:
        row = pair.to_dict()
        table.add_row(
            pair.a.id,
            pair.b.id,
            f"{pair.a.party}/{pair.b.party}",
            str(row["start"]),
            str(row["end"]),
            f"{pair.conflict.overlap.alt_lower_m:g}..{pair.conflict.overlap.alt_upper_m:g}",
            f"{pair.conflict.area_km2:.3f}",
        )
    out.print(table)
    if invalid:
        bad = Table(title=f"{len(invalid)} invalid features")
        bad.add_column("id")
        bad.add_column("reason")
        for item in invalid:
            bad.add_row(item.id, item.reason)
        out.print(bad)


@click.group()
def activity() -> None:
    """Notify the peer of a planned activity (exercise, live fire, launch window, closure)."""


def _geojson(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"cannot read {path}: {exc}") from exc


def _print_conflicts(conflicts: list[dict[str, object]], *, heading: str) -> None:
    if not conflicts:
        click.echo("no conflicts")
        return
    click.echo(heading, err=True)
    for c in conflicts:
        parties = c["parties"]
        assert isinstance(parties, list)
        click.echo(
            f"  {c.get('a_title')} ({parties[0]}) × {c.get('b_title')} ({parties[1]}): "
            f"{c['area_km2']} km², {c['start']} → {c['end']}, "
            f"{c['alt_lower_m']}–{c['alt_upper_m']} m"
        )


@activity.command("notify")
@data_option
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="GeoJSON FeatureCollection: properties kind, title; one feature per volume.",
)
@click.option("--to", default=None, help="Peer party (default: the only channel).")
@click.option("--precedence", default="PRIORITY", show_default=True)
@click.option("--check-only", is_flag=True, help="Only report conflicts; send nothing.")
def notify(data_dir: Path, path: Path, to: str | None, precedence: str, check_only: bool) -> None:
    """Check a notice against the peer's notices, warn of conflicts, then send it."""
    api = NodeApi(load_settings(data_dir))
    payload = {"to": to, "geojson": _geojson(path), "precedence": precedence}
    if check_only:
        data = api.request("POST", "/api/v1/activities/check", json=payload)
        _print_conflicts(data["conflicts"], heading="conflicts with the peer's notices:")
        return
    if to is None:
        node = api.request("GET", "/api/v1/node")
        peers = {p for c in node["channels"] for p in c["parties"] if p != node["party"]}
        if len(peers) != 1:
            raise click.UsageError("several peers: name one with --to")
        payload["to"] = peers.pop()
    data = api.request("POST", "/api/v1/activities/notify", json=payload)
    click.echo(f"notified: seq {data['seq']} id {data['id']}")
    _print_conflicts(data["conflicts"], heading="warning: it conflicts with the peer's notices:")


@plan.command("add")
@data_option
@click.option("--id", "plan_id", required=True, help="Your name for the plan.")
@click.option(
    "--file", "path", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True
)
def plan_add(data_dir: Path, plan_id: str, path: Path) -> None:
    """Store a private plan (never sent) and show its conflicts with the peer's notices."""
    api = NodeApi(load_settings(data_dir))
    data = api.request(
        "POST", "/api/v1/plans", json={"plan_id": plan_id, "geojson": _geojson(path)}
    )
    click.echo(f"plan {data['plan_id']} stored")
    _print_conflicts(data["conflicts"], heading="it conflicts with the peer's notices:")


@plan.command("list")
@data_option
def plan_list(data_dir: Path) -> None:
    """Our plans, the active notices of both sides, and their conflicts."""
    data = NodeApi(load_settings(data_dir)).request("GET", "/api/v1/activities")
    console = Console()
    table = Table("plan", "kind", "title", "volumes")
    for p in data["plans"]:
        table.add_row(p["plan_id"], p["kind"], p["title"], str(len(p["volumes"])))
    console.print(table)
    table = Table("notice", "party", "kind", "title", "volumes")
    for n in data["notices"]:
        table.add_row(n["id"][:12] + "…", n["party"], n["kind"], n["title"], str(len(n["volumes"])))
    console.print(table)
    _print_conflicts(data["conflicts"], heading="conflicts:")


@plan.command("remove")
@data_option
@click.argument("plan_id")
def plan_remove(data_dir: Path, plan_id: str) -> None:
    """Delete a plan of ours."""
    NodeApi(load_settings(data_dir)).request("DELETE", f"/api/v1/plans/{plan_id}")
    click.echo(f"plan {plan_id} removed")
