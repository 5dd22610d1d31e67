"""``python -m detente`` runs the CLI (used to start node processes portably)."""

from detente.cli.main import main

main()
