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
