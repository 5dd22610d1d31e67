"""Track ingest: AIS NMEA, ADS-B (SBS-1, raw Mode-S), JSON lines -> ``TrackState``.

The public API the screening, simulator and node code call::

    read_states(path, *, fmt=None, registry=None, start_t=None, on_progress=None) -> IngestReport
    read_many(paths, *, ...) -> IngestReport
    StateDecoder(fmt=None, *, registry=None, source=None)
        .feed_line(line, received_t) -> list[TrackState]
"""

from detente.deconflict.ingest.decoder import (
    FORMATS,
    MAX_LINE_CHARS,
    StateDecoder,
    detect_format,
    sniff_line,
)
from detente.deconflict.ingest.reader import read_many, read_states
from detente.deconflict.ingest.report import IngestReport, Malformed

__all__ = [
    "FORMATS",
    "MAX_LINE_CHARS",
    "IngestReport",
    "Malformed",
    "StateDecoder",
    "detect_format",
    "read_many",
    "read_states",
    "sniff_line",
]
