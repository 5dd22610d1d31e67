"""``StateDecoder``: one line in, attributed track states out, for files and live streams alike.

It picks the format decoder (given, or recognised from the first line that
says something), bounds line length, counts lines, skips and refusals, and
attributes every state to a party. Every line ends up as exactly one of:
states, skipped (no position: comments, empty payloads, static data,
velocities, other messages), refused, or held (a fragment or unpaired frame
waiting for the rest). It is sans-I/O: the caller supplies lines
and the time each was received. Must never raise on bad input: a line that
cannot be read is refused, counted and kept (up to a bound) with its reason.
"""

from __future__ import annotations

import re
from typing import Protocol

from detente.deconflict.attribution.registry import Resolve, UnitRegistry
from detente.deconflict.ingest.ais import AisDecoder, Refuse
from detente.deconflict.ingest.jsonl import JsonlDecoder
from detente.deconflict.ingest.modes import ModesDecoder, looks_like_modes
from detente.deconflict.ingest.report import MALFORMED_KEPT, IngestReport, Malformed
from detente.deconflict.ingest.sbs import SbsDecoder
from detente.deconflict.track import TrackState
from detente.errors import ConfigError, IngestError, ValidationError

FORMATS = ("ais", "sbs", "modes", "jsonl")
MAX_LINE_CHARS = 4096
"""Longest line read; NMEA sentences are at most 82 characters, JSON states a few hundred."""

_AIS = re.compile(r"^(\\[^\\]*\\)?![A-Z]{2}VD[MO],")


class FormatDecoder(Protocol):
    """What every per-format decoder offers to ``StateDecoder``."""

    resolve: Resolve
    """Attribution, applied as each state is built (set by ``StateDecoder``)."""

    def feed(
        self, line: str, received_t: float, line_no: int, refuse: Refuse
    ) -> list[TrackState] | None: ...

    def finish(self, refuse: Refuse) -> None: ...

    def name_for(self, track: str) -> str | None: ...


def sniff_line(line: str) -> str | None:
    """The format one line is written in, or ``None`` if it says nothing about it."""
    text = line.strip()
    if not text or text[0] in "#$":
        return None
    if _AIS.match(text):
        return "ais"
    if text.startswith("MSG,"):
        return "sbs"
    if text.startswith("{"):
        return "jsonl"
    if looks_like_modes(text):
        return "modes"
    return None


def detect_format(lines: list[str]) -> str | None:
    """The format most of the given lines are in; ``None`` when none is recognised."""
    votes: dict[str, int] = {}
    for line in lines:
        fmt = sniff_line(line)
        if fmt is not None:
            votes[fmt] = votes.get(fmt, 0) + 1
    return max(votes, key=lambda k: votes[k]) if votes else None


def make_decoder(fmt: str) -> FormatDecoder:
    """The decoder for a format name; ``modes`` raises ConfigError without pyModeS."""
    if fmt == "ais":
        return AisDecoder()
    if fmt == "sbs":
        return SbsDecoder()
    if fmt == "jsonl":
        return JsonlDecoder()
    if fmt == "modes":
        return ModesDecoder()
    raise ValidationError(f"{fmt!r} is not one of {', '.join(FORMATS)} or auto", field="fmt")


class StateDecoder:
    """Incremental decoder with counters; the one path from text to ``TrackState``.

    ``fmt`` is one of ``FORMATS``, or ``None``/``"auto"`` to lock onto the format
    of the first line that says something. ``registry`` attributes states
    (default: flag states and ICAO blocks only). Counters: ``lines``,
    ``states``, ``skipped``, ``malformed_count``, and ``malformed`` (the first
    ``MALFORMED_KEPT`` refusals with line number and reason). Raises only
    ``ValidationError`` for an unknown ``fmt`` and ``ConfigError`` for ``modes``
    without pyModeS, at construction.
    """

    def __init__(
        self,
        fmt: str | None = None,
        *,
        registry: UnitRegistry | None = None,
        source: str | None = None,
    ) -> None:
        self.fmt = None if fmt in (None, "auto") else fmt
        self.registry = registry if registry is not None else UnitRegistry()
        self._decoder: FormatDecoder | None = None
        if self.fmt is not None:
            self._decoder = make_decoder(self.fmt)
            self._decoder.resolve = self.registry.resolve
        self.source = source
        self.lines = 0
        self.skipped = 0
        self.states = 0
        self.malformed_count = 0
        self.malformed: list[Malformed] = []

    def refuse(self, line: int, reason: str) -> None:
        """Count a refused line, keeping its reason while there is room."""
        self.malformed_count += 1
        if len(self.malformed) < MALFORMED_KEPT:
            self.malformed.append(Malformed(line, reason, self.source))

    def feed_line(self, line: str, received_t: float) -> list[TrackState]:
        """States from one line of input (without or with its line ending)."""
        self.lines += 1
        line_no = self.lines
        if len(line) > MAX_LINE_CHARS:
            self.refuse(line_no, f"line longer than {MAX_LINE_CHARS} characters")
            return []
        text = line.strip()
        if not text:
            self.skipped += 1
            return []
        decoder = self._decoder
        if decoder is None:
            fmt = sniff_line(text)
            if fmt is None:
                if text[0] in "#$":
                    self.skipped += 1
                else:
                    self.refuse(line_no, "format not recognised; name it explicitly")
                return []
            try:
                decoder = make_decoder(fmt)
            except ConfigError as exc:  # e.g. Mode-S frames without pyModeS installed
                self.refuse(line_no, f"{fmt}: {exc.reason}")
                return []
            decoder.resolve = self.registry.resolve
            self.fmt, self._decoder = fmt, decoder
        try:
            out = decoder.feed(text, received_t, line_no, self.refuse)
        except IngestError as exc:
            self.refuse(line_no, f"{exc.field}: {exc.reason}" if exc.field else exc.reason)
            return []
        if out is None:
            self.skipped += 1
            return []
        self.states += len(out)
        return out

    def feed_too_long(self) -> None:
        """Count a line the reader had to cut because it passed the length bound."""
        self.lines += 1
        self.refuse(self.lines, f"line longer than {MAX_LINE_CHARS} characters")

    def feed_undecodable(self) -> None:
        """Count a line that was not valid UTF-8."""
        self.lines += 1
        self.refuse(self.lines, "line is not valid UTF-8")

    def finish(self) -> None:
        """End of input: refuse what is still incomplete (e.g. multi-sentence AIS groups)."""
        if self._decoder is not None:
            self._decoder.finish(self.refuse)

    def name_for(self, track: str) -> str | None:
        """The latest name or call sign the input gave a track, for back-filling."""
        return None if self._decoder is None else self._decoder.name_for(track)

    def report(self, states: list[TrackState]) -> IngestReport:
        """The counters as an ``IngestReport`` around the given states."""
        return IngestReport(
            states=states,
            malformed=list(self.malformed),
            lines=self.lines,
            skipped=self.skipped,
            malformed_count=self.malformed_count,
        )
