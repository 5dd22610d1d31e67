"""Détente: signed, logged crisis communication and deconfliction between rival states."""

__version__ = "0.1.0"
