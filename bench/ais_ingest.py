"""AIS decode-and-ingest rate (sentences/s, one core) on the real logs, repeated.

Figures: Détente's ``StateDecoder`` on lines in memory, ``read_states`` on a
file (reading, attribution, name back-fill and sort included), and the same
sentences through pyais alone (parse + full decode of every message) as the
yardstick. Rates are per second of this process's CPU time (one core), so other
load on the machine does not skew them. The product aims at >= 50,000 sentences/s.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from pyais import NMEAMessage

from detente.deconflict.ingest import StateDecoder, read_states
from detente.deconflict.ingest.ais_payload import decode_static

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "ais"
LOGS = (
    "gpsd_ais-nmea.log",
    "gpsd_ais-18-27.log",
    "gpsd_ais-nmea-type6-fid55.log",
    "gpsd_sample.aivdm",
    "pyais_nmea_data_sample.txt",
)
TARGET_SENTENCES = 200_000


def _sentences() -> list[str]:
    lines: list[str] = []
    for name in LOGS:
        text = (DATA / name).read_text("utf-8")
        lines += [line for line in text.splitlines() if line.startswith("!")]
    repeats = TARGET_SENTENCES // len(lines) + 1
    return (lines * repeats)[:TARGET_SENTENCES]


def _pyais_rate(lines: list[str]) -> float:
    raw = [line.encode() for line in lines]
    started = time.process_time()
    for sentence in raw:
        try:
            message = NMEAMessage(sentence)
            if message.is_single:
                message.decode()
        except Exception:  # noqa: S112 - the yardstick skips what pyais refuses, as we count it
            continue
    return len(raw) / (time.process_time() - started)


def _decoder_rate(lines: list[str]) -> tuple[float, int]:
    decoder = StateDecoder("ais")
    feed = decoder.feed_line
    started = time.process_time()
    for line in lines:
        feed(line, 0.0)
    return len(lines) / (time.process_time() - started), decoder.states


def run() -> dict[str, object]:
    lines = _sentences()
    decode_static.cache_clear()
    cold_rate, states = _decoder_rate(lines[: len(lines) // 20])
    warm_rate, states = _decoder_rate(lines)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "repeated.nmea"
        path.write_text("\n".join(lines) + "\n", "utf-8")
        started = time.process_time()
        report = read_states(path, fmt="ais", start_t=0.0)
        file_rate = report.lines / (time.process_time() - started)
    return {
        "sentences": len(lines),
        "states": states,
        "decoder_sentences_per_s": round(warm_rate),
        "decoder_first_5pct_sentences_per_s": round(cold_rate),
        "read_states_file_sentences_per_s": round(file_rate),
        "baseline_pyais_decode_sentences_per_s": round(_pyais_rate(lines)),
        "target_sentences_per_s": 50_000,
    }
