"""Alarms on SQLite and PostgreSQL: one row per (kind, ref), reopened when the fault returns."""

from __future__ import annotations

import pytest

from detente.errors import NotFoundError, ValidationError
from detente.store import alarms
from detente.store.database import Database


def test_alarms_raise_is_idempotent_per_kind_and_ref(db: Database) -> None:
    with db.writing() as conn:
        first = alarms.raise_alarm(conn, "equivocation", 5, "two roots", ref="ab" * 32, now_s=10.0)
        again = alarms.raise_alarm(conn, "equivocation", 5, "two roots", ref="ab" * 32, now_s=11.0)
        other_kind = alarms.raise_alarm(conn, "link_down", 4, "down", ref="ab" * 32)
    assert first.created and not again.created and other_kind.created
    assert again.alarm_id == first.alarm_id and again.raised_t == 10.0
    with db.reading() as conn:
        assert [a.kind for a in alarms.list_open(conn)] == ["equivocation", "link_down"]


def test_alarms_repeat_raises_severity_but_never_lowers_it(db: Database) -> None:
    with db.writing() as conn:
        alarms.raise_alarm(conn, "deadline_missed", 3, "late", ref="r1")
        assert alarms.raise_alarm(conn, "deadline_missed", 2, "late", ref="r1").severity == 3
        assert alarms.raise_alarm(conn, "deadline_missed", 4, "later", ref="r1").severity == 4
        assert alarms.find(conn, "deadline_missed", "r1").severity == 4  # type: ignore[union-attr]


def test_alarms_cleared_alarm_is_reopened_when_fault_returns(db: Database) -> None:
    with db.writing() as conn:
        raised = alarms.raise_alarm(conn, "link_down", 4, "down", ref="p1", channel_id="c" * 32)
        assert alarms.clear_kind_ref(conn, kind="link_down", ref="p1", now_s=20.0)
        assert not alarms.clear_kind_ref(conn, kind="link_down", ref="p1")
        assert alarms.list_open(conn) == []
        back = alarms.raise_alarm(conn, "link_down", 4, "down again", ref="p1", now_s=30.0)
    assert back.created and back.alarm_id == raised.alarm_id
    assert back.text == "down again" and back.cleared_t is None and back.raised_t == 30.0


def test_alarms_without_ref_are_kept_each(db: Database) -> None:
    with db.writing() as conn:
        a = alarms.raise_alarm(conn, "note", 1, "one")
        b = alarms.raise_alarm(conn, "note", 1, "two", details={"n": 2})
        cleared = alarms.clear(conn, a.alarm_id, now_s=5.0)
        assert alarms.clear(conn, a.alarm_id, now_s=6.0).cleared_t == 5.0
    assert a.alarm_id != b.alarm_id and cleared.cleared_t == 5.0
    with db.reading() as conn:
        assert [x.text for x in alarms.list_open(conn)] == ["two"]
        assert alarms.list_open(conn)[0].details == {"n": 2}
        assert {x.text for x in alarms.list_all(conn)} == {"one", "two"}


def test_alarms_list_open_orders_by_severity_then_age(db: Database) -> None:
    with db.writing() as conn:
        alarms.raise_alarm(conn, "a", 2, "low old", ref="1", now_s=1.0)
        alarms.raise_alarm(conn, "b", 5, "high new", ref="2", now_s=3.0)
        alarms.raise_alarm(conn, "c", 5, "high old", ref="3", now_s=2.0, channel_id="x" * 32)
    with db.reading() as conn:
        assert [a.text for a in alarms.list_open(conn)] == ["high old", "high new", "low old"]
        assert [a.text for a in alarms.list_open(conn, min_severity=3, channel_id="x" * 32)] == [
            "high old"
        ]


def test_alarms_refuse_bad_input(db: Database) -> None:
    with db.writing() as conn:
        with pytest.raises(ValidationError) as caught:
            alarms.raise_alarm(conn, "x", 6, "too severe")
        assert caught.value.field == "severity"
        with pytest.raises(NotFoundError):
            alarms.clear(conn, 999_999)
