"""Track history on SQLite and PostgreSQL: thinned on the way in, pruned, replayed per instant."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from detente.deconflict.track import TrackState
from detente.errors import ValidationError
from detente.store import track_history
from detente.store.database import Database
from detente.store.schema import track_history as table
from detente.web.mapdata import REPLAY_SPAN_S

T0 = 1_796_000_000.0  # epoch seconds of the size real feeds carry (float rounding included)


def state(track: str, t: float, *, lat_deg: float = 21.5) -> TrackState:
    return TrackState(
        track=track,
        t=t,
        lat_deg=lat_deg,
        lon_deg=117.0,
        speed_mps=7.7,
        course_deg=90.0,
        alt_m=0.0,
        domain="sea",
        party="US",
        name=f"ship {track}",
    )


def stored(db: Database) -> dict[str, list[float]]:
    """Stored times per track, in order."""
    out: dict[str, list[float]] = {}
    with db.reading() as conn:
        rows = conn.execute(select(table.c.track, table.c.t).order_by(table.c.track, table.c.t))
        for track, t in rows:
            out.setdefault(track, []).append(float(t))
    return out


def test_history_keeps_one_state_per_track_per_every_s(db: Database) -> None:
    writer = track_history.HistoryWriter()
    one_hz = [state(track, T0 + k) for k in range(61) for track in ("A", "B")]
    # Two batches split inside a ten-second window: the writer remembers across batches.
    with db.writing() as conn:
        assert writer.write(conn, one_hz[:51], T0 + 25) == 6  # A and B at 0, 10, 20
    with db.writing() as conn:
        assert writer.write(conn, one_hz[51:], T0 + 61) == 8  # 30, 40, 50, 60
    expected = [T0 + k for k in range(0, 61, 10)]
    assert stored(db) == {"A": expected, "B": expected}


def test_history_thinning_survives_a_restart_and_late_states(db: Database) -> None:
    with db.writing() as conn:
        track_history.HistoryWriter().write(conn, [state("A", T0)], T0)
    restarted = track_history.HistoryWriter()  # no memory: it reads what the table holds
    with db.writing() as conn:
        kept = restarted.write(
            conn, [state("A", T0), state("A", T0 + 4), state("A", T0 - 30)], T0 + 5
        )
    assert kept == 0  # the same state again, one too soon, one late
    with db.writing() as conn:
        assert restarted.write(conn, [state("A", T0 + 10), state("A", T0 + 12)], T0 + 12) == 1
    assert stored(db) == {"A": [T0, T0 + 10]}


def test_history_skips_a_state_another_writer_already_stored(db: Database) -> None:
    first, second = track_history.HistoryWriter(), track_history.HistoryWriter()
    with db.writing() as conn:
        first.write(conn, [state("A", T0)], T0)
    with db.writing() as conn:  # the duties moved to another worker for a while
        assert second.write(conn, [state("A", T0 + 10)], T0 + 10) == 1
    with db.writing() as conn:  # and back: the first does not know T0 + 10 is stored
        first.write(conn, [state("A", T0 + 10), state("B", T0 + 10)], T0 + 10)
    assert stored(db) == {"A": [T0, T0 + 10], "B": [T0 + 10]}


def _write_then_fail(db: Database, writer: track_history.HistoryWriter) -> None:
    with db.writing() as conn:
        writer.write(conn, [state("A", T0)], T0)
        raise RuntimeError("the batch's transaction fails")


def test_history_writer_forgets_what_a_rollback_undid(db: Database) -> None:
    writer = track_history.HistoryWriter()
    with pytest.raises(RuntimeError):
        _write_then_fail(db, writer)
    assert stored(db) == {}
    writer.forget()
    with db.writing() as conn:
        assert writer.write(conn, [state("A", T0 + 5)], T0 + 5) == 1
    assert stored(db) == {"A": [T0 + 5]}


def test_history_prunes_old_rows_at_most_once_a_minute(db: Database) -> None:
    writer = track_history.HistoryWriter(keep_s=100.0, prune_every_s=60.0)
    with db.writing() as conn:
        writer.write(conn, [state("A", T0 + k) for k in range(0, 100, 10)], T0 + 90)
    assert stored(db)["A"] == [T0 + k for k in range(0, 100, 10)]
    with db.writing() as conn:  # 30 s on: no prune yet, though A@0..20 are past retention
        writer.write(conn, [state("B", T0 + 120)], T0 + 120)
    assert stored(db)["A"][0] == T0
    with db.writing() as conn:  # a minute after the first prune: cutoff T0 + 50
        writer.write(conn, [state("B", T0 + 150)], T0 + 150)
    assert stored(db) == {"A": [T0 + k for k in range(50, 100, 10)], "B": [T0 + 120, T0 + 150]}
    with db.writing() as conn:  # already past retention when it arrives: never written
        assert writer.write(conn, [state("C", T0 + 10)], T0 + 151) == 0
    assert "C" not in stored(db)
    with db.writing() as conn:
        assert track_history.prune(conn, T0 + 125) == 6
    assert stored(db) == {"B": [T0 + 150]}


def test_states_at_picks_the_newest_state_per_track_within_max_age(db: Database) -> None:
    with db.writing() as conn:
        track_history.append(
            conn,
            [state("A", T0 + k, lat_deg=20.0 + k / 100) for k in (100, 110, 120, 130)]
            + [state("B", T0 + 50), state("C", T0 + 125)],
            {},
        )
    with db.reading() as conn:
        at_121 = track_history.states_at(conn, T0 + 121, max_age_s=60)
        wider = track_history.states_at(conn, T0 + 120, max_age_s=70)
        before = track_history.states_at(conn, T0 + 49)
        later = track_history.states_at(conn, T0 + 400, max_age_s=600)
    # A's newest at or before the instant (not 130, later); B too old; C only later.
    assert at_121 == [state("A", T0 + 120, lat_deg=20.0 + 120 / 100)]  # every column back
    # Both ends of the window are inclusive; newest first.
    assert [(s.track, s.t) for s in wider] == [("A", T0 + 120), ("B", T0 + 50)]
    assert before == []
    assert [(s.track, s.t) for s in later] == [("A", T0 + 130), ("C", T0 + 125), ("B", T0 + 50)]


def test_history_reaches_as_far_back_as_the_map_replay() -> None:
    assert track_history.KEEP_S >= REPLAY_SPAN_S + track_history.MAX_AGE_S
    assert track_history.EVERY_S == 10.0


def test_history_refuses_bad_settings_naming_the_field(db: Database) -> None:
    with pytest.raises(ValidationError) as err:
        track_history.HistoryWriter(every_s=0)
    assert err.value.field == "every_s"
    with pytest.raises(ValidationError) as err:
        track_history.HistoryWriter(keep_s=float("nan"))
    assert err.value.field == "keep_s"
    with db.reading() as conn, pytest.raises(ValidationError) as err:
        track_history.states_at(conn, T0, max_age_s=-1)
    assert err.value.field == "max_age_s"
