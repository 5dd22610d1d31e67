"""The ``detente`` command: one click group; each sub-group lives in its own module."""

from __future__ import annotations

import click

from detente.cli import activities, encounters, phrases


@click.group()
@click.version_option(package_name="detente")
def main() -> None:
    """Détente: signed crisis communication and deconfliction between rival states."""


main.add_command(encounters.encounters)
main.add_command(encounters.tracks)
main.add_command(activities.activities)
main.add_command(phrases.phrase)
