"""A seeded traffic simulator for the South China Sea and the Taiwan Strait.

Generates realistic-looking ship and aircraft tracks (shipping lanes, fishing
fleets, naval and coast-guard patrols, airliners, reconnaissance flights) plus
named scripted encounters a demo can assert on, and writes them in the formats
ingest reads. Deterministic for a given seed; must never read a clock or the
network.
"""

from __future__ import annotations

from detente.deconflict.simulator.scenario import SCENARIOS, Scenario, ScriptedEvent, generate
from detente.deconflict.simulator.writers import FORMATS, write

__all__ = ["FORMATS", "SCENARIOS", "Scenario", "ScriptedEvent", "generate", "write"]
