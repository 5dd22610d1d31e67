"""incidents layer of Détente (see docs/architecture.md)."""
