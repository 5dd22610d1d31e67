"""What one ingest run produced: the states, and an account of what was refused.

Kept apart from the decoders so that files, live streams and the CLI can share
one result shape. Must never hold unbounded lists of refusals: a stream of
garbage is counted, and only the first ``MALFORMED_KEPT`` reasons are kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from detente.deconflict.track import TrackState

MALFORMED_KEPT = 10_000
"""Refusals kept with their reason; past this only ``malformed_count`` grows."""


@dataclass(frozen=True, slots=True)
class Malformed:
    """One refused line or sentence, so an operator can find and fix it."""

    line: int
    reason: str
    source: str | None = None


@dataclass(slots=True)
class IngestReport:
    """States sorted by time, plus the count and reasons of refused input.

    ``skipped`` counts lines with no position (comments, empty payloads, static
    data, velocities, other message types); ``malformed_count`` every refusal,
    ``malformed`` the first ``MALFORMED_KEPT`` of them with their reasons.
    """

    states: list[TrackState] = field(default_factory=list)
    malformed: list[Malformed] = field(default_factory=list)
    lines: int = 0
    skipped: int = 0
    malformed_count: int = 0

    def merge(self, other: IngestReport) -> None:
        """Fold another file's report in; the caller re-sorts states once at the end."""
        self.states.extend(other.states)
        room = MALFORMED_KEPT - len(self.malformed)
        if room > 0:
            self.malformed.extend(other.malformed[:room])
        self.lines += other.lines
        self.skipped += other.skipped
        self.malformed_count += other.malformed_count
