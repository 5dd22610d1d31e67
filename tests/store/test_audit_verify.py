"""The audit chain check, pure: records and anchors in, what they show out."""

from __future__ import annotations

from dataclasses import replace

from detente.store.audit import AuditRecord
from detente.store.audit_chain import next_chain
from detente.store.audit_verify import MAX_PROBLEMS, Anchor, verify_audit

CHANNEL_A, CHANNEL_B = "a" * 32, "b" * 32


def chain_of(count: int, *, first_id: int = 1, unchained: int = 0) -> list[AuditRecord]:
    """``unchained`` records from before the chain, then ``count`` chained ones."""
    out: list[AuditRecord] = []
    prev: str | None = None
    for i in range(unchained + count):
        record = AuditRecord(
            audit_id=first_id + i,
            t=1_796_000_000.0 + i,
            operator="li.wei",
            role="operator",
            action="send",
            target="c" * 32,
            outcome="ok",
            source="127.0.0.1",
            detail=f"note {i}",
        )
        if i >= unchained:
            prev = next_chain(prev, record.to_dict())
            record = replace(record, chain=prev)
        out.append(record)
    return out


def test_verify_counts_what_each_anchor_covers() -> None:
    records = chain_of(6, unchained=2)
    anchors = [
        Anchor(CHANNEL_A, 3, "e1", records[3].chain),
        Anchor(CHANNEL_A, 7, "e2", records[5].chain),
        Anchor(CHANNEL_B, 2, "e3", records[4].chain),
    ]
    report = verify_audit(records, anchors)
    assert report.ok, report.to_dict()
    assert (report.records, report.before_chain, report.chained, report.anchors) == (8, 2, 6, 3)
    assert report.witnessed_through == records[5].audit_id
    assert (report.covered, report.unwitnessed) == (4, 2)
    as_dict = report.to_dict()
    assert as_dict["ok"] is True and as_dict["first_break"] is None
    assert as_dict["unwitnessed"] == 2


def test_verify_names_an_anchor_that_goes_back_in_the_chain() -> None:
    records = chain_of(5)
    anchors = [
        Anchor(CHANNEL_A, 4, "e1", records[3].chain),
        Anchor(CHANNEL_A, 9, "e2", records[1].chain),
    ]
    report = verify_audit(records, anchors)
    assert not report.ok and report.broken == []
    (bad,) = report.bad_anchors
    assert (bad.channel_id, bad.seq) == (CHANNEL_A, 9)
    assert "names audit_id 2, before the record anchor #4 named" in bad.text
    assert report.witnessed_through == 4, "the furthest anchor that holds"


def test_verify_names_an_anchor_without_a_chain_value() -> None:
    report = verify_audit(chain_of(2), [Anchor(CHANNEL_B, 5, "e1", None)])
    (bad,) = report.bad_anchors
    assert bad.seq == 5 and "carries no chain value" in bad.text


def test_verify_names_a_record_written_around_the_chain() -> None:
    records = chain_of(4)
    records.insert(2, replace(records[1], audit_id=99, chain=None))
    report = verify_audit(records, [])
    assert report.first_break is not None and report.first_break.audit_id == 99
    assert "no chain value after the chain began" in report.first_break.text
    # The record after it chained onto record 2, not onto the forged one.
    assert [p.audit_id for p in report.broken] == [99, 3]


def test_verify_keeps_its_report_bounded() -> None:
    records = [replace(r, detail="rewritten") for r in chain_of(MAX_PROBLEMS + 10)]
    report = verify_audit(records, [])
    assert len(report.broken) == MAX_PROBLEMS
    assert report.first_break is not None and report.first_break.audit_id == 1
    assert "the chain's start" in report.first_break.text


def test_verify_of_an_empty_log_is_clean() -> None:
    report = verify_audit([], [])
    assert report.ok and report.records == 0 and report.witnessed_through is None
