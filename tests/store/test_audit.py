"""The audit log is append-only: the database itself refuses UPDATE and DELETE, on both engines."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError

from detente.errors import ValidationError
from detente.store import audit
from detente.store.database import Database
from detente.store.schema import audit_log


def add(db: Database, operator: str = "li.wei", action: str = "send") -> int:
    with db.writing() as conn:
        return audit.record(
            conn,
            operator=operator,
            role="operator",
            action=action,
            target="c" * 32,
            outcome="ok",
            source="127.0.0.1",
        )


def test_audit_record_and_list_newest_first(db: Database) -> None:
    first = add(db)
    second = add(db, "wang.fang", "release")
    with db.reading() as conn:
        records = audit.list_records(conn)
        only_wang = audit.list_records(conn, operator="wang.fang")
        before = audit.list_records(conn, before_id=second)
        releases = audit.list_records(conn, action="release")
    assert [r.audit_id for r in records] == [second, first]
    assert [r.operator for r in only_wang] == ["wang.fang"]
    assert [r.audit_id for r in before] == [first]
    assert [r.action for r in releases] == ["release"]
    assert records[0].to_dict()["source"] == "127.0.0.1"
    db.close()


def test_audit_record_refuses_unknown_action_and_outcome(db: Database) -> None:
    with pytest.raises(ValidationError) as caught, db.writing() as conn:
        audit.record(
            conn, operator="x", role="r", action="erase", target="t", outcome="ok", source="s"
        )
    assert caught.value.field == "action"
    with pytest.raises(ValidationError) as caught, db.writing() as conn:
        audit.record(
            conn, operator="x", role="r", action="send", target="t", outcome="meh", source="s"
        )
    assert caught.value.field == "outcome"
    with db.reading() as conn:
        assert audit.count(conn) == 0
    db.close()


def test_audit_record_clips_long_values_instead_of_failing(db: Database) -> None:
    with db.writing() as conn:
        audit.record(
            conn,
            operator="o" * 500,
            role="r" * 100,
            action="send",
            target="t" * 1000,
            outcome="refused",
            source="s" * 200,
            detail="d" * 10_000,
        )
    with db.reading() as conn:
        (found,) = audit.list_records(conn)
    assert len(found.operator) == 100 and found.operator.endswith("…")
    assert len(found.detail or "") == audit.MAX_DETAIL_CHARS
    db.close()


def test_audit_log_refuses_update(db: Database) -> None:
    audit_id = add(db)
    with pytest.raises(DBAPIError, match="append-only"), db.writing() as conn:
        conn.execute(update(audit_log).values(operator="someone else"))
    with db.reading() as conn:
        (found,) = audit.list_records(conn)
    assert found.audit_id == audit_id and found.operator == "li.wei"
    db.close()


def test_audit_log_refuses_delete(db: Database) -> None:
    add(db)
    add(db)
    with pytest.raises(DBAPIError, match="append-only"), db.writing() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.operator == "li.wei"))
    with db.reading() as conn:
        assert audit.count(conn) == 2
    db.close()


@pytest.mark.postgres
def test_audit_log_refuses_truncate_on_postgres(db: Database) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite has no TRUNCATE; DELETE without WHERE is covered above")
    add(db)
    with pytest.raises(DBAPIError, match="append-only"), db.writing() as conn:
        conn.execute(text("TRUNCATE audit_log"))
    with db.reading() as conn:
        assert audit.count(conn) == 1
    db.close()
