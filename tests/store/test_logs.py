"""Appending and reading logs on SQLite and PostgreSQL; the stored bytes verify."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from detente.link.outgoing import Draft, append_own
from detente.log.merkle import root_from_leaf_hashes
from detente.log.verify import verify_log
from detente.store import logs
from detente.store.database import Database
from detente.store.schema import entries
from detente.wire.keys import SigningKey

CHANNEL = "ab" * 16


def test_logs_append_keeps_head_and_root(db: Database) -> None:
    key = SigningKey.generate()
    drafts = [Draft("text", {"text": f"m{i}", "lang": "en"}) for i in range(7)]
    with db.writing() as conn:
        first = append_own(conn, channel_id=CHANNEL, party="US", key=key, drafts=drafts[:3])
    with db.writing() as conn:
        rest = append_own(conn, channel_id=CHANNEL, party="US", key=key, drafts=drafts[3:])
    signed = first + rest
    with db.reading() as conn:
        head = logs.head(conn, CHANNEL, "US")
        ids = logs.leaf_ids(conn, CHANNEL, "US", head.size)
        page = logs.entries_from(conn, CHANNEL, "US", 1, 100)
    assert head.size == 7
    assert head.head_id == signed[-1].id
    assert ids == [s.id for s in signed]
    assert head.root_hex == root_from_leaf_hashes([bytes.fromhex(i) for i in ids]).hex()
    assert [p.payload.encode() for p in page] == [s.payload for s in signed]
    report = verify_log(
        CHANNEL,
        "US",
        ((p.seq, p.id, p.envelope()) for p in page),
        {key.key_id: key.verify_key},
        claimed_size=head.size,
        claimed_root=head.root_hex,
    )
    assert report.ok, report.problems


def _append_then_crash(db: Database, key: SigningKey) -> None:
    with db.writing() as conn:
        append_own(
            conn,
            channel_id=CHANNEL,
            party="US",
            key=key,
            drafts=[Draft("text", {"text": "x", "lang": "en"})],
        )
        raise RuntimeError("crash before commit")


def test_logs_failed_transaction_leaves_nothing(db: Database) -> None:
    key = SigningKey.generate()
    with pytest.raises(RuntimeError):
        _append_then_crash(db, key)
    with db.reading() as conn:
        assert conn.execute(select(entries)).first() is None
        assert logs.head(conn, CHANNEL, "US").size == 0


def test_verify_log_detects_tampered_payload(db: Database) -> None:
    key = SigningKey.generate()
    with db.writing() as conn:
        append_own(
            conn,
            channel_id=CHANNEL,
            party="US",
            key=key,
            drafts=[Draft("text", {"text": f"m{i}", "lang": "en"}) for i in range(3)],
        )
    with db.reading() as conn:
        page = logs.entries_from(conn, CHANNEL, "US", 1, 10)
        head = logs.head(conn, CHANNEL, "US")
    envelopes = [(p.seq, p.id, p.envelope()) for p in page]
    tampered = dict(envelopes[1][2])
    tampered["payload"] = tampered["payload"].replace("m1", "m9")
    envelopes[1] = (2, envelopes[1][1], tampered)
    report = verify_log(
        CHANNEL,
        "US",
        envelopes,
        {key.key_id: key.verify_key},
        claimed_size=head.size,
        claimed_root=head.root_hex,
    )
    assert not report.ok
    assert any("seq 2" in p and "signature" in p for p in report.problems)
