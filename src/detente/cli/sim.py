"""``detente sim``: generate simulated traffic files for demos, tests and benchmarks.

A thin command over ``detente.deconflict.simulator``; it must never screen,
send or sign anything.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from detente.deconflict.simulator import FORMATS, SCENARIOS, generate, write
from detente.deconflict.simulator.writers import write_registry


@click.group()
def sim() -> None:
    """Simulated ship and aircraft traffic with scripted encounters."""


@sim.command("generate")
@click.option("--scenario", type=click.Choice(sorted(SCENARIOS)), default="scs", show_default=True)
@click.option(
    "--minutes", type=click.FloatRange(min=0, min_open=True), default=10.0, show_default=True
)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option(
    "--density",
    type=click.FloatRange(min=0),
    default=1.0,
    show_default=True,
    help="Scale the amount of background traffic.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="jsonl",
    show_default=True,
    help="jsonl: every unit; ais: ships as NMEA; sbs: aircraft as SBS-1.",
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option(
    "--registry-out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the unit registry (YAML) declaring the state units' parties.",
)
def generate_command(
    scenario: str,
    minutes: float,
    seed: int,
    density: float,
    fmt: str,
    out: Path,
    registry_out: Path | None,
) -> None:
    """Write a scenario to OUT and print its scripted events as JSON."""
    built = generate(scenario, minutes=minutes, seed=seed, density=density)
    lines = write(built, out, fmt)
    if registry_out is not None:
        write_registry(built, registry_out)
    summary = {
        "scenario": built.name,
        "seed": built.seed,
        "start_t": built.start_t,
        "end_t": built.end_t,
        "units": len(built.units),
        "states": len(built.states),
        "lines": lines,
        "events": [
            {
                "name": e.name,
                "a": e.a,
                "b": e.b,
                "domain": e.domain,
                "cpa_t": e.cpa_t,
                "miss_m": round(e.miss_m, 2),
                "expected_level": e.expected_level,
                "description": e.description,
            }
            for e in built.events
        ],
    }
    click.echo(json.dumps(summary, ensure_ascii=False, indent=1))
