"""AIS decoding checked message by message against gpsd's expected output.

gpsd's ``.chk`` files hold its unscaled JSON for each message (raw integers:
positions in 1/10000 minute, speed and course in tenths), so the comparison
is exact after scaling back; no tolerance is needed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from detente.deconflict.ingest.ais import PENDING, AisDecoder
from detente.deconflict.ingest.ais_payload import AisReport
from detente.errors import IngestError

DATA = Path(__file__).parent.parent / "data" / "ais"
COMPARED_TYPES = {1, 2, 3, 5, 18, 19, 24, 27}


def _report(decoder: AisDecoder, line: str, line_no: int) -> AisReport | None:
    try:
        report = decoder.message(line, 0.0, line_no, lambda _line, _reason: None)
    except IngestError:
        return None
    return None if report is PENDING else report


def _raw_position(value: float | None, per_deg: int, unavailable_deg: int) -> int:
    return unavailable_deg * per_deg if value is None else round(value * per_deg)


def _assert_matches(mine: AisReport, gpsd: dict[str, Any], decoder: AisDecoder) -> None:
    where = f"type {gpsd['type']} mmsi {gpsd['mmsi']}"
    assert (mine.msg_type, mine.mmsi) == (gpsd["type"], gpsd["mmsi"]), where
    kind = gpsd["type"]
    if kind in (1, 2, 3, 18, 19):
        assert _raw_position(mine.lat_deg, 600_000, 91) == gpsd["lat"], where
        assert _raw_position(mine.lon_deg, 600_000, 181) == gpsd["lon"], where
        assert (1023 if mine.speed_kn is None else round(mine.speed_kn * 10)) == gpsd["speed"], (
            where
        )
        assert (3600 if mine.course_deg is None else round(mine.course_deg * 10)) == gpsd["course"]
        # gpsd passes 360..510 through raw; Détente treats every value past 359 as unavailable.
        expected_heading = None if gpsd["heading"] > 359 else gpsd["heading"]
        assert mine.heading_deg == expected_heading, where
    if kind == 27:
        assert _raw_position(mine.lat_deg, 600, 91) == gpsd["lat"], where
        assert _raw_position(mine.lon_deg, 600, 181) == gpsd["lon"], where
        assert (63 if mine.speed_kn is None else round(mine.speed_kn)) == gpsd["speed"], where
        assert (511 if mine.course_deg is None else round(mine.course_deg)) == gpsd["course"]
    # gpsd joins type 24 parts A and B into one object: compare with Détente's name table.
    name, ship_type, callsign = mine.name, mine.ship_type, mine.callsign
    if kind == 24:
        table = decoder.static[mine.mmsi]
        name, ship_type, callsign = table.name, table.ship_type, table.callsign
    if "shipname" in gpsd:
        assert (name or "") == gpsd["shipname"].strip(), where
    if "shiptype" in gpsd:
        assert ship_type == gpsd["shiptype"], where
    if "callsign" in gpsd:
        assert (callsign or "") == gpsd["callsign"].strip(), where


def _is_ais_json(line: str) -> bool:
    return line.startswith('{"class":"AIS"')


@pytest.mark.parametrize("name", ["gpsd_ais-nmea.log.chk", "gpsd_ais-18-27.log.chk"])
def test_ais_decoder_matches_gpsd_interleaved_log(name: str) -> None:
    """These .chk files echo each sentence before gpsd's JSON for it; later repeats are echoes."""
    decoder = AisDecoder()
    latest: AisReport | None = None
    after_sentence = False
    compared = 0
    for n, line in enumerate((DATA / name).read_text("utf-8").splitlines(), 1):
        if line.startswith("!"):
            latest, after_sentence = _report(decoder, line, n), True
            continue
        if _is_ais_json(line) and after_sentence:
            gpsd = json.loads(line)
            if gpsd["type"] in COMPARED_TYPES:
                assert latest is not None, f"line {n}: gpsd decoded type {gpsd['type']}, we did not"
                _assert_matches(latest, gpsd, decoder)
                compared += 1
        latest, after_sentence = None, False
    assert compared > 100


def test_ais_decoder_matches_gpsd_sample_message_by_message() -> None:
    """gpsd's sample: every compared message gpsd emits is decoded to the same fields, in order."""
    decoder = AisDecoder()
    mine: list[AisReport] = []
    for n, line in enumerate((DATA / "gpsd_sample.aivdm").read_text("utf-8").splitlines(), 1):
        if line.startswith("!"):
            report = _report(decoder, line, n)
            if report is not None and report.msg_type in COMPARED_TYPES:
                mine.append(report)
    expected = [
        json.loads(line)
        for line in (DATA / "gpsd_sample.aivdm.ju.chk").read_text("utf-8").splitlines()
        if _is_ais_json(line)
    ]
    expected = [e for e in expected if e["type"] in COMPARED_TYPES]
    remaining = iter(mine)
    for gpsd in expected:
        for candidate in remaining:
            if (candidate.msg_type, candidate.mmsi) == (gpsd["type"], gpsd["mmsi"]):
                _assert_matches(candidate, gpsd, decoder)
                break
        else:
            pytest.fail(f"gpsd's type {gpsd['type']} mmsi {gpsd['mmsi']} not decoded by Détente")
    assert len(expected) >= 15


def test_ais_decoder_matches_gpsd_scaled_output_within_print_precision() -> None:
    """gpsd's scaled JSON prints degrees to 7 decimals and knots to 1: compare within that."""
    decoder = AisDecoder()
    mine = {}
    for n, line in enumerate((DATA / "gpsd_sample.aivdm").read_text("utf-8").splitlines(), 1):
        if line.startswith("!"):
            report = _report(decoder, line, n)
            if report is not None and report.lat_deg is not None:
                mine[(report.msg_type, report.mmsi)] = report
    compared = 0
    for line in (DATA / "gpsd_sample.aivdm.js.chk").read_text("utf-8").splitlines():
        gpsd = json.loads(line) if _is_ais_json(line) else {}
        report = mine.get((gpsd.get("type"), gpsd.get("mmsi")))
        if report is None or gpsd["type"] not in (1, 2, 3, 18, 19):
            continue
        assert report.lat_deg == pytest.approx(gpsd["lat"], abs=1e-7)
        assert report.lon_deg == pytest.approx(gpsd["lon"], abs=1e-7)
        assert report.speed_kn == pytest.approx(gpsd["speed"], abs=1e-9)
        assert report.course_deg == pytest.approx(gpsd["course"], abs=1e-9)
        compared += 1
    assert compared >= 8
