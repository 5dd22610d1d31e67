"""``python -m detente.node --data DIR``: run one node (what tests and the demo start)."""

from detente.cli.node import run

run()
