"""CLI for planned activities (placeholder until the activities work lands)."""

from __future__ import annotations

import click


@click.group()
def activities() -> None:
    """Check planned activities for conflicts."""
