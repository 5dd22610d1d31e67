"""The ``detente`` command: one click group; each sub-group lives in its own module."""

from __future__ import annotations

import click

from detente.cli import (
    activities,
    audit,
    channel,
    demo,
    dialogue,
    encounters,
    evidence,
    incidents,
    logs,
    messages,
    node,
    operators,
    phrases,
    sim,
    status,
    tokens,
)


@click.group()
@click.version_option(package_name="detente")
def main() -> None:
    """Détente: signed crisis communication and deconfliction between rival states."""


main.add_command(node.node)
main.add_command(channel.channel)
main.add_command(messages.send)
main.add_command(messages.inbox)
main.add_command(messages.outbox)
main.add_command(logs.log_group)
main.add_command(dialogue.meeting)
main.add_command(dialogue.readout)
main.add_command(dialogue.statement)
main.add_command(dialogue.dialogue)
main.add_command(status.status)
main.add_command(status.ack)
main.add_command(status.alarms)
main.add_command(status.suspend)
main.add_command(status.resume)
main.add_command(demo.demo)
main.add_command(encounters.encounters)
main.add_command(encounters.tracks)
main.add_command(activities.activities)
main.add_command(activities.activity)
main.add_command(activities.plan)
main.add_command(phrases.phrase)
main.add_command(sim.sim)
main.add_command(tokens.token)
main.add_command(audit.audit)
main.add_command(operators.operator)
main.add_command(evidence.evidence)
main.add_command(evidence.checkpoint)
main.add_command(incidents.incident)
main.add_command(incidents.playbook)
