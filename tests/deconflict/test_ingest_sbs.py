"""SBS-1 BaseStation lines: positions merged with velocities per ICAO address."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from detente.deconflict.ingest import StateDecoder
from detente.deconflict.ingest.sbs import FPM_MPS, FT_M, KNOT_MPS

# Lines as dump1090 serves them on port 30003 (the BaseStation format's own example values).
HEAD = "111,11111,780A1B,111111"
CALLSIGN = f"MSG,1,{HEAD},2008/11/28,23:48:17.000,2008/11/28,23:48:17.000,CCA981,,,,,,,,,,,0"
VELOCITY = f"MSG,4,{HEAD},2008/11/28,23:48:18.000,2008/11/28,23:48:18.000,,,420,90.5,,,-640,,,,,0"
POSITION = (
    f"MSG,3,{HEAD},2008/11/28,23:48:19.611,2008/11/28,23:48:19.611,"
    ",37000,,,51.45735,-1.02826,,,0,0,0,0"
)


def test_sbs_position_merges_velocity_and_callsign() -> None:
    decoder = StateDecoder("sbs")
    assert decoder.feed_line(CALLSIGN, 0.0) == []
    assert decoder.feed_line(VELOCITY, 0.0) == []
    (state,) = decoder.feed_line(POSITION, 0.0)
    assert state.track == "icao:780A1B"
    assert state.domain == "air"
    assert state.name == "CCA981"
    assert state.party == "CN"  # 780000-7BFFFF is China's ICAO block
    assert state.alt_m == pytest.approx(37000 * FT_M)
    assert state.speed_mps == pytest.approx(420 * KNOT_MPS)
    assert state.course_deg == pytest.approx(90.5)
    assert state.vrate_mps == pytest.approx(-640 * FPM_MPS)
    assert state.t == pytest.approx(
        datetime(2008, 11, 28, 23, 48, 19, 611000, tzinfo=UTC).timestamp()
    )
    assert (decoder.skipped, decoder.malformed_count) == (2, 0)


def test_sbs_position_without_velocity_is_stationary() -> None:
    (state,) = StateDecoder("sbs").feed_line(POSITION, 0.0)
    assert (state.speed_mps, state.course_deg, state.name) == (0.0, 0.0, None)


def test_sbs_position_without_generated_time_uses_received_time() -> None:
    fields = POSITION.split(",")
    fields[6] = fields[7] = ""
    (state,) = StateDecoder("sbs").feed_line(",".join(fields), 1234.5)
    assert state.t == 1234.5


@pytest.mark.parametrize(
    ("index", "value", "field"),
    [
        (4, "78ZZ1B", "sbs.hex_ident"),
        (14, "north", "sbs.lat"),
        (14, "95.0", "sbs.lat"),
        (1, "9", "sbs.transmission_type"),
    ],
)
def test_sbs_bad_field_is_malformed_and_named(index: int, value: str, field: str) -> None:
    fields = POSITION.split(",")
    fields[index] = value
    decoder = StateDecoder("sbs")
    assert decoder.feed_line(",".join(fields), 0.0) == []
    assert decoder.malformed[0].reason.startswith(field)


def test_sbs_short_line_is_malformed() -> None:
    decoder = StateDecoder("sbs")
    decoder.feed_line("MSG,3,1,1,780A1B", 0.0)
    assert "expected 22" in decoder.malformed[0].reason
