"""``detente demo``: two nodes, one channel, ten minutes of the South China Sea."""

from __future__ import annotations

from pathlib import Path

import click

from detente.demo.runner import run_demo


@click.command()
@click.option(
    "--duration",
    "duration_s",
    type=float,
    default=None,
    help="Seconds to keep the nodes running after the scenario (default: until Ctrl-C).",
)
@click.option("--headless", is_flag=True, help="Scripted run: stop when the scenario ends.")
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Keep both nodes' data folders here (DIR/us, DIR/cn).",
)
@click.option(
    "--summary",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write a JSON summary of the run here.",
)
@click.option(
    "--speed",
    type=click.FloatRange(0.1, 100.0),
    default=1.0,
    show_default=True,
    help="Simulated seconds per real second.",
)
def demo(
    duration_s: float | None,
    headless: bool,
    workdir: Path | None,
    summary: Path | None,
    speed: float,
) -> None:
    """Run US and CN nodes on loopback through a South China Sea scenario."""
    result = run_demo(
        workdir=workdir, duration_s=duration_s, headless=headless, summary=summary, speed=speed
    )
    if not all(result.logs_verified.values()):
        raise SystemExit(1)
