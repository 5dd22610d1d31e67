"""CLI for offline track screening (placeholder until the encounters work lands)."""

from __future__ import annotations

import click


@click.group()
def encounters() -> None:
    """Screen recorded tracks for dangerous encounters."""


@click.group()
def tracks() -> None:
    """Inspect recorded tracks."""
