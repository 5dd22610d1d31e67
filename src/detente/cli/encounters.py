"""CLI for recorded tracks (``tracks``) and offline encounter screening (``encounters``).

Commands here are thin: they read files through ``detente.deconflict.ingest``
and print. JSON goes to stdout and progress to stderr, so output can be piped.
Malformed input is reported, not fatal; only an unreadable file, a bad
registry or an unknown format fails the command.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from detente.deconflict.attribution.registry import UnitRegistry
from detente.deconflict.encounter import Encounter, replay
from detente.deconflict.ingest import IngestReport, read_many
from detente.deconflict.ingest.summary import MALFORMED_SHOWN, iso_utc, summarize, summary_json
from detente.deconflict.thresholds import EncounterThresholds, with_horizon
from detente.errors import DetenteError
from detente.types import JSONValue

PROGRESS_ABOVE_BYTES = 1 << 20
"""Files smaller than this read in well under a second: no progress bar."""


@click.group()
def encounters() -> None:
    """Screen recorded tracks for dangerous encounters."""


@click.group()
def tracks() -> None:
    """Inspect recorded tracks."""


def _read(paths: list[Path], fmt: str, registry: UnitRegistry | None) -> IngestReport:
    total = sum(p.stat().st_size for p in paths if p.exists())
    if total < PROGRESS_ABOVE_BYTES:
        return read_many(paths, fmt=fmt, registry=registry)
    columns = (
        TextColumn("reading tracks"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("read", total=total)

        def advance(done: int, of: int) -> None:
            progress.update(task, completed=done, total=of)

        return read_many(paths, fmt=fmt, registry=registry, on_progress=advance)


F = TypeVar("F", bound=Callable[..., Any])


def _recording_options(command: F) -> F:
    """FILES, --format, --registry and --fmt: what every command over recordings takes."""
    for option in reversed(
        (
            click.argument(
                "files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path)
            ),
            click.option(
                "--format",
                "out",
                type=click.Choice(["json", "table"]),
                default="json",
                show_default=True,
            ),
            click.option(
                "--registry",
                type=click.Path(dir_okay=False, exists=True, path_type=Path),
                help="Unit registry (YAML or JSON) attributing tracks to parties.",
            ),
            click.option(
                "--fmt",
                type=click.Choice(["auto", "ais", "sbs", "modes", "jsonl"]),
                default="auto",
                show_default=True,
                help="Input format; auto recognises it from the first lines of each file.",
            ),
        )
    ):
        command = option(command)
    return command


@tracks.command("summary")
@_recording_options
def summary(files: tuple[Path, ...], out: str, registry: Path | None, fmt: str) -> None:
    """One row per track in FILES, and the count of malformed input."""
    try:
        units = UnitRegistry.load(registry) if registry is not None else None
        report = _read(list(files), fmt, units)
    except DetenteError as exc:
        raise click.ClickException(str(exc)) from exc
    if out == "json":
        click.echo(json.dumps(summary_json(report), ensure_ascii=False, indent=1))
        return
    _print_table(report)


def _print_table(report: IngestReport) -> None:
    console = Console()
    table = Table(title=f"{len(report.states)} states")
    for column in ("track", "party", "name", "domain", "states", "first", "last", "lat", "lon"):
        table.add_column(column, justify="right" if column in ("states", "lat", "lon") else "left")
    for row in summarize(report.states):
        table.add_row(
            row.track,
            row.party or "?",
            row.name or "",
            row.domain,
            str(row.states),
            iso_utc(row.first_t),
            iso_utc(row.last_t),
            f"{row.lat_deg:.5f}",
            f"{row.lon_deg:.5f}",
        )
    console.print(table)
    console.print(f"malformed: {report.malformed_count}")
    for bad in report.malformed[:MALFORMED_SHOWN]:
        console.print(f"  {bad.source}:{bad.line}: {bad.reason}", markup=False, highlight=False)


# --- encounters group -------------------------------------------------------


def _encounter_json(encounter: Encounter) -> dict[str, JSONValue]:
    return {
        "id": encounter.id,
        "a": encounter.a.track,
        "b": encounter.b.track,
        "names": [encounter.a.name, encounter.b.name],
        "parties": [encounter.a.party, encounter.b.party],
        "domain": encounter.domain,
        "level": encounter.max_level.label,
        "first_alert_t": encounter.first_alert_t,
        "first_alert_utc": iso_utc(encounter.first_alert_t),
        "cpa_m": round(encounter.first_cpa_m, 1),
        "tcpa_s": round(encounter.first_tcpa_s, 1),
        "closest_m": round(encounter.closest_m, 1),
        "closest_t": encounter.closest_t,
        "closest_utc": iso_utc(encounter.closest_t),
        "cleared_t": encounter.cleared_t,
        "clear_reason": encounter.clear_reason,
    }


def _screen(
    report: IngestReport,
    thresholds: EncounterThresholds,
    all_traffic: bool,
    parties: set[str] | None,
    step_s: float,
) -> list[Encounter]:
    states = report.states
    run = partial(
        replay,
        states,
        thresholds=thresholds,
        all_traffic=all_traffic,
        parties=parties,
        step_s=step_s,
    )
    if len(states) < 50_000:
        return run()
    columns = (TextColumn("screening"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("screen", total=len(states))
        return run(on_step=lambda n: progress.advance(task, n))


@encounters.command("screen")
@_recording_options
@click.option(
    "--horizon-s",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Look at most this far ahead (default: each level's agreed limit).",
)
@click.option(
    "--step-s",
    type=click.FloatRange(min=0, min_open=True),
    default=10.0,
    show_default=True,
    help="Screen once per this much recorded time, as a live node would.",
)
@click.option(
    "--all-traffic",
    is_flag=True,
    help="Also screen each party's units against traffic of no party.",
)
@click.option(
    "--parties",
    default=None,
    help="Comma-separated parties of the channel (e.g. US,CN); others count as other traffic.",
)
def screen(
    files: tuple[Path, ...],
    out: str,
    registry: Path | None,
    fmt: str,
    horizon_s: float | None,
    step_s: float,
    all_traffic: bool,
    parties: str | None,
) -> None:
    """Replay FILES in time order and list every encounter between parties."""
    try:
        units = UnitRegistry.load(registry) if registry is not None else None
        report = _read(list(files), fmt, units)
        thresholds = EncounterThresholds.default()
        if horizon_s is not None:
            thresholds = with_horizon(thresholds, horizon_s)
        channel = None if parties is None else {p.strip() for p in parties.split(",") if p.strip()}
        found = _screen(report, thresholds, all_traffic, channel, step_s)
    except DetenteError as exc:
        raise click.ClickException(str(exc)) from exc
    if out == "json":
        click.echo(json.dumps([_encounter_json(e) for e in found], ensure_ascii=False, indent=1))
        return
    _print_encounters(found, report.malformed_count)


def _print_encounters(found: list[Encounter], malformed: int) -> None:
    console = Console()
    table = Table(title=f"{len(found)} encounters")
    columns = ("level", "domain", "a", "b", "first alert", "cpa m", "tcpa s", "closest m", "at")
    for column in columns:
        numeric = column.endswith((" m", " s"))
        table.add_column(
            column, justify="right" if numeric else "left", no_wrap=numeric or column == "level"
        )
    for e in found:
        table.add_row(
            e.max_level.label,
            e.domain,
            f"{e.a.name or e.a.track} ({e.a.party or '?'})",
            f"{e.b.name or e.b.track} ({e.b.party or '?'})",
            iso_utc(e.first_alert_t),
            f"{e.first_cpa_m:.0f}",
            f"{e.first_tcpa_s:.0f}",
            f"{e.closest_m:.0f}",
            iso_utc(e.closest_t),
        )
    console.print(table)
    console.print(f"malformed: {malformed}")
