"""CLI for the standard phrase catalogue (placeholder until the language work lands)."""

from __future__ import annotations

import click


@click.group()
def phrase() -> None:
    """The standard phrase catalogue."""
