"""``detente demo``: two nodes, one channel, a scripted exchange."""

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
    help="Seconds to keep the nodes running after the script (default: until Ctrl-C).",
)
@click.option("--headless", is_flag=True, help="Scripted run: no waiting for a person.")
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
def demo(
    duration_s: float | None, headless: bool, workdir: Path | None, summary: Path | None
) -> None:
    """Run US and CN nodes on loopback and show a delivered, receipted exchange."""
    result = run_demo(workdir=workdir, duration_s=duration_s, headless=headless, summary=summary)
    if not all(result.logs_verified.values()):
        raise SystemExit(1)
