"""i18n layer of Détente (see docs/architecture.md)."""
