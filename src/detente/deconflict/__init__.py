"""Deconfliction: tracks, encounters between parties' units, and planned activities."""
