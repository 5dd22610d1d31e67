"""The audit log's hash chain on SQLite and PostgreSQL: it holds, it never forks, tampering shows.

The tampering tests do what the machine's owner can and the application
cannot: drop the append-only triggers, then change, delete or rewrite.
"""

from __future__ import annotations

import itertools
import threading

import pytest
from sqlalchemy import delete, insert, update

from detente.store import audit
from detente.store.audit import AuditRecord
from detente.store.audit_chain import GENESIS, next_chain, record_bytes
from detente.store.audit_verify import Anchor, verify_audit
from detente.store.database import Database
from detente.store.engine import open_admin_engine
from detente.store.migrate import upgrade
from detente.store.schema import audit_log
from tests.store.audit_tampering import drop_triggers, recomputed_chain


def add(db: Database, operator: str = "li.wei", detail: str | None = None) -> int:
    with db.writing() as conn:
        return audit.record(
            conn,
            operator=operator,
            role="operator",
            action="send",
            target="c" * 32,
            outcome="ok",
            source="127.0.0.1",
            detail=detail,
        )


def everything(db: Database) -> list[AuditRecord]:
    with db.reading() as conn:
        return audit.records_from(conn, None, 100_000)


def anchor(head: str | None, seq: int = 1, channel_id: str = "c" * 32) -> Anchor:
    return Anchor(channel_id, seq, f"{seq:064x}", head)


def test_chain_links_each_record_to_the_one_before(db: Database) -> None:
    ids = [add(db, detail=f"note {i}") for i in range(3)]
    records = everything(db)
    assert [r.audit_id for r in records] == ids
    first = records[0]
    assert first.chain is not None and len(first.chain) == 64
    assert first.chain == next_chain(None, first.to_dict())
    assert bytes(32) == GENESIS
    for before, after in itertools.pairwise(records):
        assert after.chain == next_chain(before.chain, after.to_dict())
    with db.reading() as conn:
        assert audit.latest_chain(conn) == records[-1].chain

    report = verify_audit(records, [anchor(records[1].chain)])
    assert report.ok, report.to_dict()
    assert (report.records, report.before_chain, report.chained) == (3, 0, 3)
    assert (report.witnessed_through, report.covered, report.unwitnessed) == (ids[1], 2, 1)


def test_chain_hashes_exactly_the_documented_fields_canonically() -> None:
    fields = {
        "t": 1_796_000_000.25,
        "operator": "王芳",
        "role": "operator",
        "action": "send",
        "target": "t",
        "outcome": "ok",
        "source": "cli",
        "detail": None,
        "audit_id": 7,  # not hashed: the database numbers a record as it inserts it
        "chain": "ab" * 32,
    }
    expected = (
        '{"action":"send","detail":null,"operator":"王芳","outcome":"ok","role":"operator",'
        '"source":"cli","t":1796000000.25,"target":"t"}'
    )
    assert record_bytes(fields) == expected.encode()
    with pytest.raises(KeyError):
        record_bytes({k: v for k, v in fields.items() if k != "source"})


def test_records_before_the_chain_began_are_reported_not_as_tampering(db_url: str) -> None:
    engine = open_admin_engine(db_url)
    try:
        upgrade(engine, "0004")  # a node as it was before the chain
        with engine.begin() as conn:
            for who in ("before.one", "before.two"):
                row = {"t": 1.0, "operator": who, "role": "operator", "action": "login"}
                conn.execute(
                    insert(audit_log).values(**row, target="-", outcome="ok", source="cli")
                )
        upgrade(engine)
    finally:
        engine.dispose()
    db = Database(db_url)
    try:
        add(db)
        add(db)
        records = everything(db)
        assert [r.chain is None for r in records] == [True, True, False, False]
        assert records[2].chain == next_chain(None, records[2].to_dict()), "chained on zeros"
        report = verify_audit(records, [])
        assert report.ok, report.to_dict()
        assert (report.before_chain, report.chained, report.unwitnessed) == (2, 2, 2)
        assert report.witnessed_through is None
    finally:
        db.close()


def test_concurrent_appends_never_fork_the_chain(db: Database) -> None:
    """Writers on their own connections, released together: each chains onto the last."""
    writers, each = 4, 25
    start = threading.Barrier(writers)
    failures: list[BaseException] = []

    def write(n: int) -> None:
        try:
            start.wait()
            for i in range(each):
                add(db, operator=f"writer.{n}", detail=str(i))
        except BaseException as exc:  # reported below, not lost in the thread
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    records = everything(db)
    assert len(records) == writers * each
    assert len({r.chain for r in records}) == len(records), "two records share a predecessor"
    report = verify_audit(records, [])
    assert report.ok, report.to_dict()
    assert report.chained == writers * each


def test_tampering_update_of_one_record_is_named(db: Database) -> None:
    ids = [add(db, detail=f"note {i}") for i in range(4)]
    witnessed = everything(db)[-1].chain
    drop_triggers(db)
    with db.writing() as conn:
        conn.execute(update(audit_log).where(audit_log.c.audit_id == ids[1]).values(detail="x"))

    report = verify_audit(everything(db), [anchor(witnessed)])
    assert not report.ok
    assert report.first_break is not None and report.first_break.audit_id == ids[1]
    assert f"audit_id {ids[1]} does not chain onto audit_id {ids[0]}" in report.first_break.text
    assert [p.audit_id for p in report.broken] == [ids[1]], "only the changed record"
    assert report.bad_anchors == [], "its stored chain value still carries the anchor"


def test_tampering_delete_of_one_record_is_named(db: Database) -> None:
    ids = [add(db, detail=f"note {i}") for i in range(4)]
    drop_triggers(db)
    with db.writing() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.audit_id == ids[2]))

    report = verify_audit(everything(db), [])
    assert report.first_break is not None and report.first_break.audit_id == ids[3]
    assert f"audit_id {ids[3]} does not chain onto audit_id {ids[1]}" in report.first_break.text
    assert "deleted" in report.first_break.text
    assert not report.ok


def test_tampering_self_consistent_rewrite_is_caught_only_by_the_anchor(db: Database) -> None:
    ids = [add(db, detail=f"note {i}") for i in range(4)]
    signed = everything(db)[-1].chain  # what the peer holds
    drop_triggers(db)
    rewrites = recomputed_chain(everything(db), changed_id=ids[1], detail="nothing happened")
    with db.writing() as conn:
        for statement in rewrites:
            conn.execute(statement)

    rewritten = everything(db)
    assert verify_audit(rewritten, []).ok, "the chain alone cannot tell"
    report = verify_audit(rewritten, [anchor(signed, seq=9)])
    assert not report.ok and report.broken == []
    (bad,) = report.bad_anchors
    assert bad.seq == 9 and "which no audit record carries" in bad.text
    assert report.witnessed_through is None and report.unwitnessed == 4


def test_tampering_erased_chain_values_are_caught_by_the_anchor(db: Database) -> None:
    """Setting every chain value to NULL would pass as 'before the chain began' but for anchors."""
    add(db)
    add(db)
    signed = everything(db)[0].chain
    drop_triggers(db)
    with db.writing() as conn:
        conn.execute(update(audit_log).values(chain=None))
    report = verify_audit(everything(db), [anchor(signed)])
    assert report.before_chain == 2 and report.broken == []
    assert not report.ok and len(report.bad_anchors) == 1
