"""Checking the audit log's hash chain against the anchors our own log signed.

Pure: given the audit records oldest first and the ``audit_anchor`` entries
of our log on each channel, say what the chain shows. It never repairs.

- Records with no chain value before the first chained one were written
  before the chain began (migration 0005): reported, not tampering.
- Each later record must carry ``next_chain(previous record's chain, its
  fields)``. The first that does not is where a record was changed, or one
  was inserted or deleted just before it (a deleted record breaks the link
  of the one after the gap). Every broken link is named by ``audit_id``.
- Every anchor's head must be the chain value of some record, and on each
  channel later anchors must name later records. An owner who drops the
  triggers and recomputes the whole chain gets a self-consistent chain, but
  no longer the values the peer holds.
- The newest witnessed record (the furthest any anchor names) splits the
  chain in two: records covered by an anchor, and records not yet witnessed
  (at least each anchor's own audit record, which is written after it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field

from detente.store.audit import AuditRecord
from detente.store.audit_chain import is_chain_value, next_chain

MAX_PROBLEMS = 50


@dataclass(frozen=True, slots=True)
class Anchor:
    """One ``audit_anchor`` entry of our own log."""

    channel_id: str
    seq: int
    entry_id: str
    head: str | None
    """None when the stored entry carries no chain value."""


@dataclass(frozen=True, slots=True)
class Problem:
    """A sign of tampering: a broken link (``audit_id``) or a bad anchor (``seq`` on a channel)."""

    text: str
    audit_id: int | None = None
    channel_id: str | None = None
    seq: int | None = None


@dataclass
class AuditReport:
    records: int = 0
    before_chain: int = 0
    """Records written before the chain began."""
    chained: int = 0
    """Records from the first chained one on."""
    anchors: int = 0
    witnessed_through: int | None = None
    """The audit_id of the newest record an anchor names."""
    covered: int = 0
    """Chained records up to and including ``witnessed_through``."""
    broken: list[Problem] = field(default_factory=list)
    bad_anchors: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.broken and not self.bad_anchors

    @property
    def unwitnessed(self) -> int:
        """Chained records after the newest witnessed one."""
        return self.chained - self.covered

    @property
    def first_break(self) -> Problem | None:
        return self.broken[0] if self.broken else None

    def to_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "records": self.records,
            "before_chain": self.before_chain,
            "chained": self.chained,
            "anchors": self.anchors,
            "witnessed_through": self.witnessed_through,
            "covered": self.covered,
            "unwitnessed": self.unwitnessed,
            "first_break": asdict(self.first_break) if self.first_break else None,
            "broken": [asdict(p) for p in self.broken],
            "bad_anchors": [asdict(p) for p in self.bad_anchors],
        }


def verify_audit(records: Iterable[AuditRecord], anchors: Sequence[Anchor]) -> AuditReport:
    """Walk ``records`` (oldest first, by audit_id) once; check ``anchors`` against them."""
    report = AuditReport(anchors=len(anchors))
    wanted = {a.head for a in anchors if a.head is not None}
    position: dict[str, tuple[int, int]] = {}  # chain value -> (place in chain, audit_id)
    previous: AuditRecord | None = None
    for record in records:
        report.records += 1
        if record.chain is None and report.chained == 0:
            report.before_chain += 1
            previous = record
            continue
        report.chained += 1
        problem = _link_problem(previous, record)
        if problem is not None and len(report.broken) < MAX_PROBLEMS:
            report.broken.append(Problem(problem, audit_id=record.audit_id))
        if record.chain in wanted and record.chain not in position:
            position[record.chain] = (report.chained, record.audit_id)
        previous = record
    _check_anchors(report, anchors, position)
    return report


def _link_problem(previous: AuditRecord | None, record: AuditRecord) -> str | None:
    after = f"audit_id {previous.audit_id}" if previous and previous.chain else "the chain's start"
    if record.chain is None:
        return (
            f"audit_id {record.audit_id} has no chain value after the chain began: "
            "written around the chain, or its value erased"
        )
    expected = next_chain(previous.chain if previous else None, asdict(record))
    if record.chain == expected:
        return None
    return (
        f"audit_id {record.audit_id} does not chain onto {after}: this record was "
        "changed, or one was inserted or deleted just before it"
    )


def _check_anchors(
    report: AuditReport, anchors: Sequence[Anchor], position: dict[str, tuple[int, int]]
) -> None:
    newest: tuple[int, int] | None = None
    reached: dict[str, tuple[int, Anchor]] = {}  # channel -> furthest place named so far
    for anchor in sorted(anchors, key=lambda a: (a.channel_id, a.seq)):
        where = f"anchor #{anchor.seq} on channel {anchor.channel_id}"
        if not is_chain_value(anchor.head):
            _bad(report, anchor, f"{where} carries no chain value")
            continue
        assert anchor.head is not None
        found = position.get(anchor.head)
        if found is None:
            _bad(
                report,
                anchor,
                f"{where} signed head {anchor.head[:16]}…, which no audit record carries: "
                "the chain was rewritten after it was witnessed",
            )
            continue
        place, audit_id = found
        before = reached.get(anchor.channel_id)
        if before is not None and place < before[0]:
            _bad(
                report,
                anchor,
                f"{where} names audit_id {audit_id}, before the record anchor "
                f"#{before[1].seq} named: the chain was reordered",
            )
            continue
        reached[anchor.channel_id] = (place, anchor)
        if newest is None or place > newest[0]:
            newest = found
    if newest is not None:
        report.covered, report.witnessed_through = newest


def _bad(report: AuditReport, anchor: Anchor, text: str) -> None:
    if len(report.bad_anchors) < MAX_PROBLEMS:
        report.bad_anchors.append(Problem(text, channel_id=anchor.channel_id, seq=anchor.seq))
