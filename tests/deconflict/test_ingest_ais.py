"""AIS sentences into track states: times, reassembly, unavailable values, names, real logs."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from pyais.encode import encode_dict

from detente.deconflict.ingest import StateDecoder, read_states
from detente.deconflict.ingest.ais import KNOT_MPS
from detente.deconflict.ingest.tagblock import nmea_checksum

DATA = Path(__file__).parent.parent / "data" / "ais"


def _encode(
    fields: dict[str, object], *, talker: str = "AI", seq_id: int = 0, channel: str = "A"
) -> list[str]:
    sentences: list[str] = encode_dict(
        fields, talker_id=talker, sentence_type="VDM", seq_id=seq_id, radio_channel=channel
    )
    return sentences


def _tagged(sentence: str, t: str) -> str:
    body = f"c:{t}"
    return f"\\{body}*{nmea_checksum(body):02X}\\{sentence}"


def _position(mmsi: int = 412000001, **fields: object) -> str:
    base: dict[str, object] = {"type": 1, "mmsi": mmsi, "lat": 20.5, "lon": 114.25, "speed": 12.0}
    base.update({"course": 90.0, "heading": 91})
    base.update(fields)
    return _encode(base)[0]


def test_ais_position_becomes_state_in_si_units() -> None:
    decoder = StateDecoder("ais")
    (state,) = decoder.feed_line(_position(), 1_700_000_000.0)
    assert state.track == "mmsi:412000001"
    assert state.t == 1_700_000_000.0
    assert (state.lat_deg, state.lon_deg) == pytest.approx((20.5, 114.25), abs=1e-6)
    assert state.speed_mps == pytest.approx(12.0 * KNOT_MPS)
    assert state.course_deg == pytest.approx(90.0)
    assert (state.domain, state.alt_m, state.party) == ("sea", 0.0, "CN")


@pytest.mark.parametrize(
    ("stamp", "expected"), [("1700000123", 1_700_000_123.0), ("1700000123456", 1_700_000_123.456)]
)
def test_ais_tag_block_time_wins_over_received_time(stamp: str, expected: float) -> None:
    decoder = StateDecoder("ais")
    (state,) = decoder.feed_line(_tagged(_position(), stamp), 5.0)
    assert state.t == pytest.approx(expected)


def test_ais_tag_block_with_bad_checksum_is_malformed() -> None:
    decoder = StateDecoder("ais")
    assert decoder.feed_line("\\c:1700000000*00\\" + _position(), 5.0) == []
    assert decoder.malformed_count == 1
    assert "tag block checksum" in decoder.malformed[0].reason


def test_ais_checksum_mismatch_is_malformed_with_line_number() -> None:
    decoder = StateDecoder("ais")
    good = _position()
    bad = good[:-2] + ("00" if good[-2:] != "00" else "11")
    decoder.feed_line(good, 0.0)
    assert decoder.feed_line(bad, 0.0) == []
    assert [(m.line, m.reason) for m in decoder.malformed] == [
        (2, "sentence.checksum: checksum mismatch")
    ]


def test_ais_unavailable_position_is_skipped_not_malformed() -> None:
    decoder = StateDecoder("ais")
    assert decoder.feed_line(_position(lat=91.0, lon=181.0), 0.0) == []
    assert (decoder.skipped, decoder.malformed_count) == (1, 0)


def test_ais_unavailable_speed_and_course_is_stationary() -> None:
    decoder = StateDecoder("ais")
    (state,) = decoder.feed_line(_position(speed=102.3, course=360.0, heading=511), 0.0)
    assert (state.speed_mps, state.course_deg) == (0.0, 0.0)


def test_ais_heading_stands_in_for_unavailable_course() -> None:
    decoder = StateDecoder("ais")
    (state,) = decoder.feed_line(_position(speed=10.0, course=360.0, heading=45), 0.0)
    assert state.course_deg == 45.0
    assert state.speed_mps == pytest.approx(10.0 * KNOT_MPS)


@pytest.mark.parametrize("talker", ["AI", "BS", "AB"])
def test_ais_other_talkers_are_read(talker: str) -> None:
    sentence = _encode(
        {"type": 18, "mmsi": 366000002, "lat": 30.0, "lon": -120.0, "speed": 5.0, "course": 10.0},
        talker=talker,
    )[0]
    (state,) = StateDecoder("ais").feed_line(sentence, 0.0)
    assert (state.track, state.party) == ("mmsi:366000002", "US")


def test_ais_long_range_type_27_scales_tenth_minutes() -> None:
    sentence = _encode(
        {"type": 27, "mmsi": 412000001, "lat": 10.5, "lon": 114.25, "speed": 12, "course": 90}
    )[0]
    (state,) = StateDecoder("ais").feed_line(sentence, 0.0)
    assert (state.lat_deg, state.lon_deg) == pytest.approx((10.5, 114.25), abs=1 / 600)
    assert state.speed_mps == pytest.approx(12 * KNOT_MPS)


def test_ais_sar_aircraft_is_in_the_air_domain() -> None:
    sentence = _encode(
        {
            "type": 9,
            "mmsi": 111412001,
            "lat": 10.5,
            "lon": 114.25,
            "speed": 120,
            "course": 90.0,
            "alt": 300,
        }
    )[0]
    (state,) = StateDecoder("ais").feed_line(sentence, 0.0)
    assert (state.domain, state.alt_m, state.party) == ("air", 300.0, "CN")


def test_ais_multi_sentence_static_data_names_later_states() -> None:
    decoder = StateDecoder("ais")
    static = _encode(
        {
            "type": 5,
            "mmsi": 412000001,
            "shipname": "HAI XUN 06",
            "ship_type": 55,
            "callsign": "BABC",
        },
        seq_id=3,
    )
    assert len(static) == 2
    # A fragment of another message on the other channel, interleaved, must not disturb reassembly.
    other = _encode({"type": 5, "mmsi": 366000002, "shipname": "OTHER"}, seq_id=3, channel="B")
    for line in (static[0], other[0], static[1], other[1]):
        assert decoder.feed_line(line, 0.0) == []
    (state,) = decoder.feed_line(_position(), 0.0)
    assert state.name == "HAI XUN 06"
    (state,) = decoder.feed_line(_position(366000002), 0.0)
    assert state.name == "OTHER"
    assert decoder.malformed_count == 0


def test_ais_fragment_without_its_first_part_is_malformed() -> None:
    decoder = StateDecoder("ais")
    static = _encode({"type": 5, "mmsi": 412000001, "shipname": "HAI XUN 06"}, seq_id=4)
    decoder.feed_line(static[1], 0.0)
    assert decoder.malformed_count == 1
    assert "without the fragments before it" in decoder.malformed[0].reason


def test_ais_incomplete_group_is_counted_at_the_end(tmp_path: Path) -> None:
    static = _encode({"type": 5, "mmsi": 412000001, "shipname": "HAI XUN 06"}, seq_id=4)
    path = tmp_path / "partial.nmea"
    path.write_text(static[0] + "\n" + _position() + "\n")
    report = read_states(path, start_t=100.0)
    assert len(report.states) == 1
    assert [(m.line, m.reason) for m in report.malformed] == [
        (1, "incomplete multi-sentence message")
    ]


def test_ais_name_is_back_filled_on_states_read_before_static_data(tmp_path: Path) -> None:
    path = tmp_path / "late_name.nmea"
    static = _encode({"type": 24, "mmsi": 412000001, "partno": 0, "shipname": "YUAN WANG"})
    path.write_text("\n".join([_position(), *static, _position()]) + "\n")
    report = read_states(path, start_t=0.0)
    assert [s.name for s in report.states] == ["YUAN WANG", "YUAN WANG"]


def test_ais_gpsd_type24_part3_sentences_are_counted_not_fatal() -> None:
    report = read_states(DATA / "gpsd_ais-18-27.log", start_t=0.0)
    part3 = [m for m in report.malformed if "part number" in m.reason]
    assert len(part3) == report.malformed_count == 69
    assert len(report.states) == 138  # 69 type 18 and 69 type 27 reports
    assert {s.name for s in report.states if s.track == "mmsi:230108610"} == {"SUOKKI"}


def test_ais_pyais_sample_empty_payloads_are_skipped() -> None:
    lines = (DATA / "pyais_nmea_data_sample.txt").read_text().splitlines()
    empty = [line for line in lines if line.split(",")[5:6] == [""]]
    assert len(empty) == 100
    decoder = StateDecoder("ais")
    for line in empty:
        assert decoder.feed_line(line, 0.0) == []
    assert (decoder.skipped, decoder.malformed_count) == (100, 0)
    report = read_states(DATA / "pyais_nmea_data_sample.txt", start_t=0.0)
    assert {m.reason for m in report.malformed} == {"incomplete multi-sentence message"}
    assert len({s.track for s in report.states}) > 100


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.iterdir() if p.suffix != ".chk"))
def test_ais_every_conformance_log_ingests_without_a_crash(name: str) -> None:
    report = read_states(DATA / name, start_t=1_700_000_000.0)
    assert report.states
    assert report.lines >= len(report.states)
    assert report.malformed_count == len(report.malformed)
    for state in report.states:
        assert -90 <= state.lat_deg <= 90 and -180 <= state.lon_deg <= 180
        assert math.isfinite(state.speed_mps) and 0 <= state.course_deg < 360
    assert [s.t for s in report.states] == sorted(s.t for s in report.states)


def _split_sentences(payload: str, seq_id: str, channel: str = "A") -> list[str]:
    parts = [payload[:14], payload[14:]]
    out = []
    for i, part in enumerate(parts, 1):
        body = f"AIVDM,2,{i},{seq_id},{channel},{part},0"
        out.append(f"!{body}*{nmea_checksum(body):02X}")
    return out


def test_ais_position_split_over_two_sentences_takes_the_first_fragments_tag_time() -> None:
    payload = _position().split(",")[5]
    first, second = _split_sentences(payload, "7")
    decoder = StateDecoder("ais")
    assert decoder.feed_line(_tagged(first, "1700000100"), 5.0) == []
    (state,) = decoder.feed_line(second, 9.0)
    assert state.t == 1_700_000_100.0
    assert (state.lat_deg, state.lon_deg) == pytest.approx((20.5, 114.25), abs=1e-6)
    assert decoder.malformed_count == 0


def test_ais_restarted_group_refuses_the_abandoned_one() -> None:
    payload = _position().split(",")[5]
    first, second = _split_sentences(payload, "2")
    decoder = StateDecoder("ais")
    decoder.feed_line(first, 0.0)
    decoder.feed_line(first, 0.0)
    assert len(decoder.feed_line(second, 0.0)) == 1
    assert [(m.line, m.reason) for m in decoder.malformed] == [
        (1, "incomplete multi-sentence message")
    ]


@pytest.mark.parametrize(
    "line",
    [
        "!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4",
        "!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0",
        "!AIVDM,0,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4B",
        "\\c:1700000000\\!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A",
        "\\c:17000*00",
        "AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A",
    ],
)
def test_ais_broken_sentences_are_malformed(line: str) -> None:
    decoder = StateDecoder("ais")
    assert decoder.feed_line(line, 0.0) == []
    assert decoder.malformed_count == 1
