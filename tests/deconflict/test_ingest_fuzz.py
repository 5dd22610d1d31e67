"""Properties of the decoders: agreement with pyais, and no crash on any input."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyais.bit_vector import bit_vector
from pyais.constants import ShipType
from pyais.messages import MSG_CLASS

from detente.deconflict.ingest import StateDecoder
from detente.deconflict.ingest.ais_payload import decode_position, payload_bits
from detente.deconflict.ingest.tagblock import nmea_checksum
from detente.errors import IngestError

ARMOUR = [chr(c) for c in range(48, 88)] + [chr(c) for c in range(96, 120)]
BITS_NEEDED = {1: 168, 2: 168, 3: 168, 18: 168, 19: 312, 27: 96}
TYPE_CHAR = {1: "1", 2: "2", 3: "3", 18: "B", 19: "C", 27: "K"}


@st.composite
def position_payloads(draw: st.DrawFn) -> tuple[int, str]:
    kind = draw(st.sampled_from(sorted(BITS_NEEDED)))
    body = draw(
        st.lists(
            st.sampled_from(ARMOUR),
            min_size=BITS_NEEDED[kind] // 6 - 1,
            max_size=BITS_NEEDED[kind] // 6 - 1,
        )
    )
    return kind, TYPE_CHAR[kind] + "".join(body)


@given(position_payloads())
@settings(max_examples=200)
def test_fast_position_decoder_agrees_with_pyais(case: tuple[int, str]) -> None:
    kind, payload = case
    theirs: Any = MSG_CLASS[kind].from_vector(bit_vector(payload.encode("ascii"), 0))
    value, n = payload_bits(payload, 0)
    try:
        mine = decode_position(kind, value, n)
    except IngestError:
        # Refused only for positions off the globe that are not the "unavailable" marker
        # (pyais rounds to 1e-6 degree, hence the margin).
        assert theirs.lat != 91 and theirs.lon != 181
        assert abs(theirs.lat) > 90 - 1e-5 or abs(theirs.lon) > 180 - 1e-5
        return
    assert mine.mmsi == theirs.mmsi
    if mine.lat_deg is None:
        assert theirs.lat == 91 or theirs.lon == 181
    else:
        assert mine.lat_deg == pytest.approx(theirs.lat, abs=1e-6)
        assert mine.lon_deg == pytest.approx(theirs.lon, abs=1e-6)
    if kind == 27:
        assert mine.speed_kn == (None if theirs.speed == 63 else theirs.speed)
        assert mine.course_deg == (None if theirs.course >= 360 else theirs.course)
        return
    assert mine.speed_kn == (None if theirs.speed == 102.3 else pytest.approx(theirs.speed))
    assert mine.course_deg == (None if theirs.course >= 360 else pytest.approx(theirs.course))
    assert mine.heading_deg == (None if theirs.heading > 359 else theirs.heading)
    if kind == 19:
        # "@" ends AIS text (as gpsd reads it); pyais keeps what follows an inner "@".
        assert (mine.name or "") == theirs.shipname.split("@", 1)[0].strip()
        # pyais maps undefined ship types to 0; Détente keeps the raw code, as gpsd does.
        assert ShipType.from_value(mine.ship_type) == theirs.ship_type


def _sentence(payload: str, fill: int, head: str = "AIVDM") -> str:
    body = f"{head},1,1,,A,{payload},{fill}"
    return f"!{body}*{nmea_checksum(body):02X}"


@given(st.text(max_size=120), st.sampled_from(["ais", "sbs", "jsonl", None]))
@settings(max_examples=200)
def test_decoder_never_raises_on_arbitrary_lines(line: str, fmt: str | None) -> None:
    decoder = StateDecoder(fmt)
    decoder.feed_line(line, 0.0)
    assert decoder.lines == 1
    assert decoder.skipped + decoder.malformed_count <= 1


@given(st.lists(st.sampled_from([*ARMOUR, "X", "!", ","]), max_size=80), st.integers(-1, 7))
@settings(max_examples=200)
def test_ais_decoder_never_raises_on_checksummed_garbage_payloads(
    chars: list[str], fill: int
) -> None:
    decoder = StateDecoder("ais")
    states = decoder.feed_line(_sentence("".join(chars), fill), 0.0)
    assert len(states) + decoder.skipped + decoder.malformed_count >= 1
    for state in states:
        assert -90 <= state.lat_deg <= 90 and -180 <= state.lon_deg <= 180


@given(
    st.lists(
        st.one_of(st.text(max_size=20), st.integers(), st.floats(), st.none()),
        min_size=22,
        max_size=22,
    )
)
@settings(max_examples=100)
def test_sbs_decoder_never_raises_on_arbitrary_fields(fields: list[object]) -> None:
    decoder = StateDecoder("sbs")
    decoder.feed_line(",".join(["MSG", "3", *(str(f) for f in fields[2:])]), 0.0)
    assert decoder.lines == 1


@given(st.binary(max_size=2000), st.sampled_from(["ais", "sbs", "jsonl", "auto"]))
@settings(max_examples=100)
def test_read_states_never_raises_on_arbitrary_bytes(data: bytes, fmt: str) -> None:
    import tempfile
    from pathlib import Path

    from detente.deconflict.ingest import read_states
    from detente.errors import ValidationError

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "input"
        path.write_bytes(data)
        refused: ValidationError | None = None
        try:
            report = read_states(path, fmt=fmt, start_t=0.0)
        except ValidationError as exc:
            refused = exc
        if refused is not None:
            assert fmt == "auto" and refused.field == "fmt"  # nothing recognisable to detect
            return
        assert report.lines == data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)


@pytest.mark.skipif(
    importlib.util.find_spec("pyModeS") is None,
    reason="pyModeS (GPL-3, optional extra detente[modes]) is not installed",
)
@given(
    st.lists(
        st.one_of(
            st.from_regex(r"\*?8D[0-9A-F]{26};?", fullmatch=True),
            st.from_regex(r"[0-9A-F]{14}", fullmatch=True),
            st.text(max_size=40),
        ),
        max_size=20,
    )
)
@settings(max_examples=100)
def test_modes_decoder_never_raises_on_arbitrary_frames(lines: list[str]) -> None:
    decoder = StateDecoder("modes")
    for t, line in enumerate(lines):
        for state in decoder.feed_line(line, float(t)):
            assert -90 <= state.lat_deg <= 90 and -180 <= state.lon_deg <= 180
    assert decoder.lines == len(lines)
