"""Reading files: format detection, bounded lines, time order across files, progress."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from detente.deconflict.ingest import MAX_LINE_CHARS, detect_format, read_many, read_states
from detente.deconflict.ingest.tagblock import nmea_checksum
from detente.errors import ValidationError

DATA = Path(__file__).parent.parent / "data" / "ais"
SENTENCE = "!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A"


def _state_line(track: str, t: float) -> str:
    return json.dumps(
        {"track": track, "t": t, "lat": 1.0, "lon": 2.0, "speed_kn": 3.0, "course_deg": 4.0}
    )


def _tagged(t: int) -> str:
    body = f"c:{t}"
    return f"\\{body}*{nmea_checksum(body):02X}\\{SENTENCE}"


@pytest.mark.parametrize(
    ("lines", "fmt"),
    [
        (["# comment", "$GPGGA,1", SENTENCE], "ais"),
        ([_tagged(1)], "ais"),
        (["MSG,3,1,1,780A1B"], "sbs"),
        ([_state_line("a", 1)], "jsonl"),
        (["*8D40621D58C382D690C8AC2863A7;", "02E197B00179C3"], "modes"),
        (["hello", "world"], None),
    ],
)
def test_detect_format_by_content(lines: list[str], fmt: str | None) -> None:
    assert detect_format(lines) == fmt


def test_read_states_rejects_unrecognisable_file_with_field(tmp_path: Path) -> None:
    path = tmp_path / "noise.txt"
    path.write_text("hello\nworld\n")
    with pytest.raises(ValidationError) as caught:
        read_states(path)
    assert caught.value.field == "fmt"
    with pytest.raises(ValidationError):
        read_states(path, fmt="nmea2000")


def test_explicit_format_overrides_detection(tmp_path: Path) -> None:
    path = tmp_path / "states.txt"
    path.write_text(_state_line("a", 1) + "\n")
    report = read_states(path, fmt="ais")
    assert report.states == [] and report.malformed_count == 1


def test_long_and_undecodable_lines_are_refused_and_reading_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "mixed.nmea"
    with path.open("wb") as handle:
        handle.write(SENTENCE.encode() + b"\n")
        handle.write(b"!" + b"A" * (MAX_LINE_CHARS * 5) + b"\n")
        handle.write(b"!AIVDM,\xff\xfe\n")
        handle.write(b"X" * (MAX_LINE_CHARS + 1) + b"\n")
        handle.write(SENTENCE.encode())  # no final line break
    report = read_states(path, start_t=10.0)
    assert len(report.states) == 2
    assert [(m.line, m.reason) for m in report.malformed] == [
        (2, f"line longer than {MAX_LINE_CHARS} characters"),
        (3, "line is not valid UTF-8"),
        (4, f"line longer than {MAX_LINE_CHARS} characters"),
    ]
    assert report.lines == 5


def test_untagged_lines_take_the_replay_clock(tmp_path: Path) -> None:
    path = tmp_path / "untagged.nmea"
    path.write_text(SENTENCE + "\n" + _tagged(1_700_000_000) + "\n")
    report = read_states(path, start_t=1_800_000_000.0)
    assert [s.t for s in report.states] == [1_700_000_000.0, 1_800_000_000.0]
    os.utime(path, (1_600_000_000, 1_600_000_000))
    assert read_states(path).states[0].t == 1_600_000_000.0  # default: the file's mtime


def test_read_many_merges_files_in_time_order_and_names_files(tmp_path: Path) -> None:
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text("\n".join([_state_line("a", 1), _state_line("a", 5), "oops"]) + "\n")
    second.write_text("\n".join([_state_line("b", 3), _state_line("b", 7)]) + "\n")
    calls: list[tuple[int, int]] = []
    report = read_many([first, second], on_progress=lambda done, total: calls.append((done, total)))
    assert [(s.track, s.t) for s in report.states] == [("a", 1), ("b", 3), ("a", 5), ("b", 7)]
    assert [(m.source, m.line) for m in report.malformed] == [(str(first), 3)]
    assert report.lines == 5
    total = first.stat().st_size + second.stat().st_size
    assert calls[-1] == (total, total)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_read_states_on_a_large_file_reports_progress(tmp_path: Path) -> None:
    path = tmp_path / "big.nmea"
    sample = (DATA / "pyais_nmea_data_sample.txt").read_text().rstrip("\n") + "\n"
    path.write_text(sample * 20)
    calls: list[tuple[int, int]] = []
    report = read_states(path, start_t=0.0, on_progress=lambda d, t: calls.append((d, t)))
    assert len(calls) > 1
    assert calls[-1] == (path.stat().st_size, path.stat().st_size)
    assert report.lines == 20 * len((DATA / "pyais_nmea_data_sample.txt").read_text().splitlines())
