"""Raw Mode-S frames via the optional, GPL-3 pyModeS (``detente[modes]``)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from detente.deconflict.ingest import StateDecoder, read_states
from detente.deconflict.ingest.modes import ModesDecoder
from detente.errors import ConfigError

needs_pymodes = pytest.mark.skipif(
    importlib.util.find_spec("pyModeS") is None,
    reason="pyModeS (GPL-3, optional extra detente[modes]) is not installed",
)

# Frames from "The 1090 MHz Riddle" (Junzi Sun), the reference pyModeS is tested against.
EVEN = "8D40621D58C382D690C8AC2863A7"
ODD = "8D40621D58C386435CC412692AD6"
CALLSIGN = "8D4840D6202CC371C32CE0576098"


@needs_pymodes
def test_modes_cpr_pair_gives_position_of_the_riddle() -> None:
    decoder = StateDecoder("modes")
    assert decoder.feed_line(f"*{ODD};", 1_457_996_400.0) == []
    (state,) = decoder.feed_line(EVEN, 1_457_996_402.0)
    assert state.track == "icao:40621D"
    assert (state.lat_deg, state.lon_deg) == pytest.approx((52.2572, 3.91937), abs=1e-4)
    assert state.alt_m == pytest.approx(38000 * 0.3048)
    assert (state.domain, state.party) == ("air", "GB")


@needs_pymodes
def test_modes_frames_too_far_apart_do_not_pair() -> None:
    decoder = StateDecoder("modes")
    decoder.feed_line(ODD, 0.0)
    assert decoder.feed_line(EVEN, 60.0) == []


@needs_pymodes
def test_modes_callsign_is_skipped_and_bad_crc_refused() -> None:
    decoder = StateDecoder("modes")
    assert decoder.feed_line(CALLSIGN, 0.0) == []
    assert decoder.name_for("icao:4840D6") == "KLM1023"
    assert decoder.feed_line(EVEN[:-1] + "8", 0.0) == []
    assert decoder.malformed[0].reason == "modes.crc: CRC check failed"
    assert decoder.feed_line("*XYZ;", 0.0) == []
    assert decoder.malformed_count == 2


@needs_pymodes
def test_modes_file_is_recognised(tmp_path: Path) -> None:
    path = tmp_path / "frames.txt"
    path.write_text(f"*{ODD};\n*{CALLSIGN};\n*{EVEN};\n")
    report = read_states(path, start_t=100.0)
    assert len(report.states) == 1
    assert report.skipped == 1


def test_modes_without_pymodes_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyModeS", None)
    with pytest.raises(ConfigError, match=r"detente\[modes\]"):
        ModesDecoder()


def test_auto_detected_modes_without_pymodes_is_refused_not_raised(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "pyModeS", None)
    decoder = StateDecoder()
    assert decoder.feed_line(EVEN, 0.0) == []
    assert decoder.malformed_count == 1
    assert "detente[modes]" in decoder.malformed[0].reason
    assert decoder.feed_line("!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A", 0.0) != []
